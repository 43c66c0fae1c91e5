package org.skipwire.runtime;

import java.util.Objects;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;

/**
 * The settings a generated graph is configured with that are not part of its architecture.
 *
 * <p>Defaults follow the ResNet papers: SGD with (Nesterov) momentum 0.9 at learning rate 0.1, L2
 * weight decay 1e-4 added to the gradient before the momentum step (as PyTorch's {@code
 * weight_decay} does), He-normal initialisation, fp32. Graphs run with workspaces and DL4J's device
 * cache mode, which spares convolutions a second forward pass during backprop.
 *
 * @param seed the random seed for weight initialisation and dropout
 * @param updater the optimiser; its learning rate may be replaced by a schedule
 * @param l2 the L2 coefficient on weights (not biases), 0 for none
 * @param dataType the floating-point type of parameters and activations
 */
public record Training(long seed, IUpdater updater, double l2, DataType dataType) {

  static {
    // Every generated configuration(...) and create(...) goes through this class before ND4J
    // loads its native library: the one place that catches them all (see FastPaths).
    FastPaths.init();
  }

  public Training {
    Objects.requireNonNull(updater, "updater");
    Objects.requireNonNull(dataType, "dataType");
    if (!(l2 >= 0)) {
      throw new IllegalArgumentException("l2 must be >= 0, got " + l2);
    }
  }

  /** SGD with momentum 0.9, lr 0.1, L2 1e-4, seed 42, fp32. */
  public static Training defaults() {
    return new Training(42, new Nesterovs(0.1, 0.9), 1e-4, DataType.FLOAT);
  }

  public Training withSeed(long newSeed) {
    return new Training(newSeed, updater, l2, dataType);
  }

  public Training withUpdater(IUpdater newUpdater) {
    return new Training(seed, newUpdater, l2, dataType);
  }

  public Training withL2(double newL2) {
    return new Training(seed, updater, newL2, dataType);
  }

  public Training withDataType(DataType newDataType) {
    return new Training(seed, updater, l2, newDataType);
  }

  /**
   * The network-wide part of a DL4J configuration. Generated graphs start from this and add their
   * vertices, so every generated network shares one place for these defaults.
   */
  public NeuralNetConfiguration.Builder builder() {
    NeuralNetConfiguration.Builder b =
        new NeuralNetConfiguration.Builder()
            .seed(seed)
            .dataType(dataType)
            .updater(updater.clone())
            .weightInit(WeightInit.RELU)
            .convolutionMode(ConvolutionMode.Truncate)
            .trainingWorkspaceMode(WorkspaceMode.ENABLED)
            .inferenceWorkspaceMode(WorkspaceMode.ENABLED)
            // Without a cache, DL4J's ConvolutionLayer.backpropGradient runs the forward
            // convolution again to get its pre-activation; with one it reuses the forward pass's.
            // Costs one copy of each conv output per step; saves about 12% of a training step.
            .cacheMode(CacheMode.DEVICE);
    if (l2 > 0) {
      b.l2(l2);
    }
    return b;
  }
}
