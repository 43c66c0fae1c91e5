package org.skipwire.runtime.train;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The shape of the learning rate over a run; {@link LearningRateSchedule} gives the values. */
public enum Schedule {
  /** The base rate throughout. */
  CONSTANT("constant"),
  /** The base rate, x0.1 from 50% of the iterations, x0.01 from 75% (the ResNet papers). */
  STEP("step"),
  /** Half a cosine from the base rate down to 0 (SGDR without restarts). */
  COSINE("cosine"),
  /** Linear warm-up from base/W to the base rate over W iterations, then cosine to 0. */
  WARMUP_COSINE("warmup-cosine");

  private final String cliName;

  Schedule(String cliName) {
    this.cliName = cliName;
  }

  /** The name on the command line: {@code step}, {@code cosine}, {@code warmup-cosine}. */
  public String cliName() {
    return cliName;
  }

  /** Parses a command-line name (or enum name), case-insensitively. */
  public static Schedule parse(String text) {
    String t = text.strip().toLowerCase(Locale.ROOT).replace('_', '-');
    for (Schedule s : values()) {
      if (s.cliName.equals(t)) {
        return s;
      }
    }
    throw new IllegalArgumentException(
        "unknown schedule '"
            + text
            + "'; expected one of "
            + Arrays.stream(values()).map(Schedule::cliName).collect(Collectors.joining(", ")));
  }

  @Override
  public String toString() {
    return cliName;
  }
}
