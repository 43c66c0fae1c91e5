package org.skipwire.runtime.onednn;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.skipwire.runtime.ActivationFusion;

/**
 * The run-time stand-in for DL4J's 2-D {@code ConvolutionLayer} object on {@link OneDnnConvHelper},
 * in both layouts; {@link OneDnnLayers#install} puts it in, and the configuration, parameters (the
 * same arrays) and checkpoints stay DL4J's. What DL4J's layer does that this one does not:
 *
 * <ul>
 *   <li>channels-last, the copy its forward pass makes of an NHWC input before it hands the
 *       original to the helper ({@code input.permute(0, 3, 1, 2).dup()}, which only its own im2col
 *       path reads): 9% of a channels-last ResNet-50 training step (JFR samples);
 *   <li>with the identity activation (a convolution before a batch norm), the copy of its output
 *       into the cache workspace in training and the recomputation in backprop: the identity's
 *       backprop reads only the gradient (4% of a ResNet-20 training step channels-last, 2% of a
 *       DenseNet-BC one channels-first);
 *   <li>in inference, a separate pass for a ReLU activation (an inference copy's, after a folded
 *       batch norm): it runs inside the convolution primitive (after it, in place, where that is
 *       oneDNN's gemm kernel: see {@link OneDnnConvHelper}).
 * </ul>
 *
 * Anything else (another helper, a helper that failed once) runs DL4J's code unchanged.
 */
public final class OneDnnConvolutionLayer extends ConvolutionLayer {
  // The incoming gradient while backpropGradient runs for the identity activation.
  private INDArray identityBackprop;

  OneDnnConvolutionLayer(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  /** Sets the helper; package-private for {@link OneDnnLayers}. */
  void useHelper(OneDnnConvHelper h) {
    helper = h;
  }

  /** Whether this layer's own path runs: on skipwire's helper, which has not failed. */
  private boolean ownPath() {
    return helper instanceof OneDnnConvHelper && helperCountFail == 0;
  }

  /**
   * In inference, a plain ReLU activation (an inference copy's convolution with the ReLU after its
   * folded batch norm, {@link org.skipwire.runtime.BatchNormFolding}) runs inside the convolution
   * primitive: one pass over the output fewer.
   */
  @Override
  public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
    if (training && ownPath() && layerConf().getActivationFn() instanceof ActivationIdentity) {
      // DL4J's layer would copy the output into its cache workspace for backprop, which for the
      // identity needs nothing of it (backpropGradient below): 4% of a ResNet-20 training step.
      if (input == null) {
        throw new IllegalArgumentException(
            "Cannot perform forward pass with null input " + layerId());
      }
      applyDropOutIfNecessary(true, workspaceMgr);
      INDArray out = forward(true, false, workspaceMgr);
      if (out != null) {
        return out;
      }
    }
    if (!training && ownPath() && ActivationFusion.isPlainRelu(layerConf().getActivationFn())) {
      if (input == null) {
        throw new IllegalArgumentException(
            "Cannot perform forward pass with null input " + layerId());
      }
      INDArray out = forward(false, true, workspaceMgr);
      if (out != null) {
        return out;
      }
    }
    return super.activate(training, workspaceMgr);
  }

  /**
   * DL4J's backprop asks for the pre-activation output only to hand it to the activation's
   * backprop, which for the identity reads nothing but its shape, the gradient's: it gets the
   * gradient itself, where DL4J would recompute the convolution or keep a copy from the forward
   * pass.
   */
  @Override
  public Pair<Gradient, INDArray> backpropGradient(
      INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
    if (!ownPath() || !(layerConf().getActivationFn() instanceof ActivationIdentity)) {
      return super.backpropGradient(epsilon, workspaceMgr);
    }
    identityBackprop = epsilon;
    try {
      return super.backpropGradient(epsilon, workspaceMgr);
    } finally {
      identityBackprop = null;
    }
  }

  @Override
  protected Pair<INDArray, INDArray> preOutput(
      boolean training, boolean forBackprop, LayerWorkspaceMgr workspaceMgr) {
    if (!ownPath()) {
      return super.preOutput(training, forBackprop, workspaceMgr);
    }
    if (forBackprop && identityBackprop != null) {
      return new Pair<>(identityBackprop, null);
    }
    if (preOutput != null && forBackprop) {
      return new Pair<>(preOutput, null);
    }
    INDArray out = forward(training, false, workspaceMgr);
    return out != null
        ? new Pair<>(out, null)
        : super.preOutput(training, forBackprop, workspaceMgr);
  }

  /** The helper's forward pass, the ReLU inside it where {@code relu}; null where it declines. */
  private INDArray forward(boolean training, boolean relu, LayerWorkspaceMgr workspaceMgr) {
    assertInputSet(false);
    validateInputRank();
    INDArray bias = getParamWithNoise(ConvolutionParamInitializer.BIAS_KEY, training, workspaceMgr);
    INDArray weights =
        getParamWithNoise(ConvolutionParamInitializer.WEIGHT_KEY, training, workspaceMgr);
    INDArray in = input.castTo(dataType);
    validateInputDepth(weights.size(1));
    if (!hasBias()) {
      if (dummyBias == null) {
        try (MemoryWorkspace ws = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
          dummyBias = Nd4j.create(1, layerConf().getNOut());
        }
      }
      bias = dummyBias;
    }
    // The helper works out Same mode's padding from the input itself, as DL4J's code would.
    return ((OneDnnConvHelper) helper)
        .forward(
            in,
            weights,
            bias,
            layerConf().getKernelSize(),
            layerConf().getStride(),
            layerConf().getPadding(),
            convolutionMode,
            layerConf().getDilation(),
            layerConf().getCnn2dDataFormat(),
            relu,
            workspaceMgr);
  }
}
