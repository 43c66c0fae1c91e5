package org.skipwire.runtime.conf;

import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.skipwire.runtime.impl.SequenceBatchNormalizationImpl;

/**
 * Batch normalisation of an NCW sequence {@code [N, C, T]}: per channel over the examples and the
 * time steps, what PyTorch's {@code BatchNorm1d} computes on {@code [N, C, T]}.
 *
 * <p>DL4J 1.0.0-M2.1's own layer accepts a sequence in its configuration and then fails at the
 * first forward pass: it reshapes {@code [N, C, T]} to {@code [1, N, C, T]} and checks N against
 * the channels ({@code input.size(1) does not match expected input size}). This layer hands DL4J's
 * implementation the sequence as the feature map {@code [N, C, 1, T]} instead, a view, whose
 * per-channel statistics over N, 1 and T are those over N and T; the output and the gradient are
 * viewed back as {@code [N, C, T]}. Parameters, running statistics, their names and the fast path's
 * batch-norm helper are DL4J's.
 *
 * <p>Build with {@code new SequenceBatchNormalization.Builder().nIn(c).nOut(c).eps(1e-5).build()};
 * the no-argument constructor exists for DL4J's JSON deserialisation.
 */
public class SequenceBatchNormalization extends BatchNormalization {

  /** For JSON; use the {@link Builder}. */
  public SequenceBatchNormalization() {}

  @Override
  public Layer instantiate(
      NeuralNetConfiguration conf,
      Collection<TrainingListener> trainingListeners,
      int layerIndex,
      INDArray layerParamsView,
      boolean initializeParams,
      DataType networkDataType) {
    LayerValidation.assertNOutSet(
        "SequenceBatchNormalization", getLayerName(), layerIndex, getNOut());
    return LayerWiring.wire(
        new SequenceBatchNormalizationImpl(conf, networkDataType),
        initializer(),
        conf,
        trainingListeners,
        layerIndex,
        layerParamsView,
        initializeParams);
  }

  @Override
  public SequenceBatchNormalization clone() {
    return (SequenceBatchNormalization) super.clone();
  }

  /** DL4J's batch-norm builder, building this layer. */
  public static class Builder extends BatchNormalization.Builder {
    @Override
    @SuppressWarnings("unchecked")
    public SequenceBatchNormalization build() {
      SequenceBatchNormalization layer = new SequenceBatchNormalization();
      layer.setNIn(nIn);
      layer.setNOut(nOut);
      layer.setDecay(decay);
      layer.setEps(eps);
      layer.setMinibatch(isMinibatch);
      layer.setGamma(gamma);
      layer.setBeta(beta);
      layer.setLockGammaBeta(lockGammaBeta);
      layer.setCudnnAllowFallback(cudnnAllowFallback);
      layer.setUseLogStd(useLogStd);
      layer.setLayerName(layerName);
      return layer;
    }
  }
}
