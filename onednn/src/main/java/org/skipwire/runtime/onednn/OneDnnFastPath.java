package org.skipwire.runtime.onednn;

import java.util.Map;
import java.util.Optional;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.skipwire.runtime.ActivationFusion;
import org.skipwire.runtime.ChannelsLast;
import org.skipwire.runtime.FastPath;
import org.skipwire.runtime.conf.ChannelScaleVertex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runtime's hook into this module, registered in {@code
 * META-INF/services/org.skipwire.runtime.FastPath}: {@link #init()} is {@link Backend#init()}
 * (libnd4j's oneDNN build and DL4J's layer helpers), {@link #configure} the {@link ChannelsLast}
 * copy of an image network where {@link OneDnnLayers#channelsLast()} and it is not {@link #slower},
 * with its ReLUs merged into the batch norms and sums they read ({@link ActivationFusion}, token
 * {@code fuse}), {@link #reluBackward} and {@link #addRelu} are {@link OneDnnRelu}, {@link
 * #install} is {@link OneDnnLayers#install} (skipwire's oneDNN conv and batch-norm helpers), {@link
 * #describe()} is {@link Backend#active()}.
 */
public final class OneDnnFastPath implements FastPath {

  @Override
  public void init() {
    Backend.init();
  }

  private static final Logger log = LoggerFactory.getLogger(OneDnnFastPath.class);

  /** Floats in one AVX-512 register: the channel multiple oneDNN's fast batch norm wants. */
  static final int VECTOR_FLOATS = 16;

  @Override
  public ComputationGraphConfiguration configure(
      ComputationGraphConfiguration conf, InputType... inputs) {
    ComputationGraphConfiguration layout = layout(conf, inputs);
    return OneDnnLayers.enabled().contains("fuse") ? ActivationFusion.fuse(layout) : layout;
  }

  /** The channels-last copy of {@code conf} where it runs faster so, else {@code conf}. */
  private static ComputationGraphConfiguration layout(
      ComputationGraphConfiguration conf, InputType... inputs) {
    if (!OneDnnLayers.channelsLast()) {
      return conf;
    }
    Optional<String> slower = slower(conf);
    if (slower.isPresent()) {
      log.debug("stays channels-first: {}", slower.get());
      return conf;
    }
    Optional<ComputationGraphConfiguration> copy = ChannelsLast.tryConvert(conf, inputs);
    if (copy.isEmpty() && log.isDebugEnabled()) {
      log.debug("stays channels-first: {}", ChannelsLast.unsupported(conf, inputs).orElse(""));
    }
    return copy.orElse(conf);
  }

  /**
   * Why this fast path would run {@code conf} slower channels-last, empty if not. Measured on
   * DenseNet-BC-100 (2.3x slower training channels-last, `bench --nchw`): oneDNN 2.5 has a fast
   * channels-last batch norm only where the channels fill its vectors ({@code bnorm_jit}; 46 ms
   * against 8.6 for a backward pass in its generic {@code nspc_bnorm} otherwise), and DL4J
   * concatenates along the last axis element by element, where channels-first concatenation copies
   * whole blocks. And squeeze-excitation: SE-ResNet-50 trained 1.11x and inferred 1.04x slower
   * channels-last at batch 4 (`bench --nchw --no-fold --no-hand --batch 4 --warmup 2 --steps 8
   * se-resnet50`), where ResNet-50 alone ran 1.04x and 1.19x faster: its global poolings and
   * channel scales reduce and broadcast over positions that are strided channels-last.
   */
  static Optional<String> slower(ComputationGraphConfiguration conf) {
    for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
      GraphVertex v = e.getValue();
      if (v instanceof MergeVertex) {
        return Optional.of(
            e.getKey() + " concatenates, which DL4J does slowly along channels-last's last axis");
      }
      if (v instanceof ChannelScaleVertex) {
        return Optional.of(
            e.getKey()
                + " scales channels (squeeze-excitation), which measured slower channels-last");
      }
      if (v instanceof LayerVertex lv
          && lv.getLayerConf().getLayer() instanceof BatchNormalization bn
          && bn.getNOut() % VECTOR_FLOATS != 0) {
        return Optional.of(
            e.getKey()
                + " normalises "
                + bn.getNOut()
                + " channels, not a multiple of "
                + VECTOR_FLOATS
                + ": oneDNN's channels-last batch norm is slow there");
      }
    }
    return Optional.empty();
  }

  @Override
  public boolean reluBackward(INDArray output, INDArray epsilon, INDArray delta) {
    return OneDnnRelu.backward(output, epsilon, delta);
  }

  @Override
  public boolean addRelu(INDArray a, INDArray b, INDArray out) {
    return OneDnnRelu.addRelu(a, b, out);
  }

  @Override
  public int install(ComputationGraph graph) {
    return OneDnnLayers.install(graph);
  }

  @Override
  public String describe() {
    return Backend.active().toString();
  }
}
