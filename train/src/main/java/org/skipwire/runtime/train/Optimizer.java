package org.skipwire.runtime.train;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The update rule. SGD with Nesterov momentum is what the ResNet papers train with; Adam is what
 * transformers and temporal convolutional networks are usually trained with, and it tolerates the
 * badly scaled gradients of a regression head that SGD at lr 0.1 does not.
 */
public enum Optimizer {
  /** SGD with Nesterov momentum ({@link TrainingPlan#momentum()}); default lr 0.1. */
  SGD("sgd", 0.1),
  /** Adam (Kingma and Ba 2015) with beta1 0.9, beta2 0.999, epsilon 1e-8; default lr 1e-3. */
  ADAM("adam", 1e-3);

  private final String cliName;
  private final double defaultLearningRate;

  Optimizer(String cliName, double defaultLearningRate) {
    this.cliName = cliName;
    this.defaultLearningRate = defaultLearningRate;
  }

  public String cliName() {
    return cliName;
  }

  /** The peak learning rate to use when none is given. */
  public double defaultLearningRate() {
    return defaultLearningRate;
  }

  /** Parses a command-line name, case-insensitively. */
  public static Optimizer parse(String text) {
    String t = text.strip().toLowerCase(Locale.ROOT);
    for (Optimizer o : values()) {
      if (o.cliName.equals(t)) {
        return o;
      }
    }
    throw new IllegalArgumentException(
        "unknown optimizer '"
            + text
            + "'; expected one of "
            + Arrays.stream(values()).map(Optimizer::cliName).collect(Collectors.joining(", ")));
  }

  @Override
  public String toString() {
    return cliName;
  }
}
