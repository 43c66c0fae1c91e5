package org.skipwire.runtime;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.skipwire.runtime.conf.AddActivationVertex;
import org.skipwire.runtime.conf.BatchNormRelu;

/**
 * An inference copy of a trained graph with each batch norm folded into the convolution before it:
 * {@code W' = W * s}, {@code b' = beta + (b - mean) * s}, {@code s = gamma / sqrt(var + eps)} per
 * output channel. The copy computes what the original computes in inference mode, one pass per
 * convolution fewer (batch norm is about a fifth of a CIFAR ResNet's inference time). It has no
 * batch norms left, so it is for {@code output}, not for training.
 *
 * <p>A pair folds where a plain 2D convolution (identity activation) feeds nothing but a batch norm
 * (learnable gamma and beta) of the same layout, channels-first or {@link ChannelsLast
 * channels-last}: the post-activation residual blocks. Pre-activation units (BN, ReLU, conv) have
 * nothing to fold into and stay as they are. An activation layer that then reads nothing but such a
 * convolution becomes the convolution's activation, and one that reads nothing but a residual sum
 * joins it in an {@link AddActivationVertex}. A {@link BatchNormRelu} (the fast path's {@link
 * ActivationFusion}) folds the same way and leaves its ReLU to the convolution.
 */
public final class BatchNormFolding {
  private BatchNormFolding() {}

  /** The inference copy of {@code trained}; {@code trained} is left untouched. */
  public static ComputationGraph forInference(ComputationGraph trained) {
    ComputationGraphConfiguration conf = trained.getConfiguration().clone();
    Map<String, String> folded = foldable(conf);
    for (Map.Entry<String, String> e : folded.entrySet()) {
      String bn = e.getKey();
      String conv = e.getValue();
      convolution(conf, conv).setHasBias(true);
      if (batchNorm(conf, bn) instanceof BatchNormRelu) {
        // The fast path's batch norm + ReLU (ActivationFusion): the ReLU stays, in the convolution.
        convolution(conf, conv).setActivationFn(new ActivationReLU());
      }
      remove(conf, bn, conv);
    }
    // Then an activation layer that alone reads such a convolution becomes the convolution's own
    // activation: one vertex, one copy of the activations fewer (DL4J's ActivationLayer copies its
    // input before it applies the function; a convolution applies it in place).
    for (Map.Entry<String, String> e : activations(conf, folded.values()).entrySet()) {
      String act = e.getKey();
      String conv = e.getValue();
      convolution(conf, conv).setActivationFn(activationOf(conf, act));
      remove(conf, act, conv);
    }
    // And a residual sum read by nothing but an activation layer becomes one vertex for both.
    for (Map.Entry<String, String> e : sumActivations(conf).entrySet()) {
      String act = e.getKey();
      String add = e.getValue();
      conf.getVertices().put(add, new AddActivationVertex(activationOf(conf, act)).merging(act));
      remove(conf, act, add);
    }
    ComputationGraph graph = new ComputationGraph(conf);
    graph.init();
    FastPaths.install(graph); // the batch norms that stay (pre-activation units)

    Map<String, String> bnOf = new HashMap<>();
    folded.forEach((bn, conv) -> bnOf.put(conv, bn));
    for (org.deeplearning4j.nn.graph.vertex.GraphVertex v : graph.getVertices()) {
      String name = v.getVertexName();
      Map<String, INDArray> to = v.paramTable(false);
      if (to == null || to.isEmpty()) {
        continue;
      }
      Map<String, INDArray> from = trained.getVertex(name).paramTable(false);
      if (bnOf.containsKey(name)) {
        fold(
            from,
            trained.getVertex(bnOf.get(name)).paramTable(false),
            batchNorm(trained.getConfiguration(), bnOf.get(name)).getEps(),
            to);
      } else {
        to.forEach((key, param) -> param.assign(from.get(key)));
      }
    }
    return graph;
  }

  /** Batch-norm vertex name to the convolution it folds into, in declaration order. */
  public static Map<String, String> foldable(ComputationGraphConfiguration conf) {
    Map<String, List<String>> consumers = consumers(conf);
    Map<String, String> folded = new LinkedHashMap<>();
    for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
      String bn = e.getKey();
      List<String> inputs = conf.getVertexInputs().get(bn);
      if (!(e.getValue() instanceof LayerVertex lv)
          || !(lv.getLayerConf().getLayer() instanceof BatchNormalization b)
          || lv.getPreProcessor() != null
          || b.isLockGammaBeta()
          || inputs.size() != 1) {
        continue;
      }
      String conv = inputs.get(0);
      if (!(conf.getVertices().get(conv) instanceof LayerVertex cv)
          || cv.getLayerConf().getLayer().getClass() != ConvolutionLayer.class
          || conf.getNetworkOutputs().contains(conv)
          || consumers.getOrDefault(conv, List.of()).size() != 1) {
        continue;
      }
      ConvolutionLayer c = (ConvolutionLayer) cv.getLayerConf().getLayer();
      // Either layout, as long as both agree: the weights are [out, in, kH, kW] in both.
      if (c.getActivationFn() instanceof ActivationIdentity
          && c.getCnn2dDataFormat() == b.getCnn2DFormat()) {
        folded.put(bn, conv);
      }
    }
    return folded;
  }

  /** Vertex name to the vertices that read it. */
  static Map<String, List<String>> consumers(ComputationGraphConfiguration conf) {
    Map<String, List<String>> consumers = new HashMap<>();
    conf.getVertexInputs()
        .forEach(
            (vertex, inputs) ->
                inputs.forEach(
                    in -> consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(vertex)));
    return consumers;
  }

  /** An activation layer with one input and no preprocessor: one that can merge into it. */
  static boolean isPlainActivationLayer(ComputationGraphConfiguration conf, String name) {
    return conf.getVertices().get(name) instanceof LayerVertex lv
        && lv.getLayerConf().getLayer() instanceof ActivationLayer
        && lv.getPreProcessor() == null
        && conf.getVertexInputs().get(name).size() == 1;
  }

  /** The activation function of the activation layer {@code name}. */
  private static IActivation activationOf(ComputationGraphConfiguration conf, String name) {
    return ((ActivationLayer)
            ((LayerVertex) conf.getVertices().get(name)).getLayerConf().getLayer())
        .getActivationFn();
  }

  /** Removes a single-input vertex, its consumers reading its input instead. */
  static void remove(ComputationGraphConfiguration conf, String vertex, String input) {
    conf.getVertices().remove(vertex);
    conf.getVertexInputs().remove(vertex);
    for (List<String> inputs : conf.getVertexInputs().values()) {
      inputs.replaceAll(name -> name.equals(vertex) ? input : name);
    }
    conf.getNetworkOutputs().replaceAll(name -> name.equals(vertex) ? input : name);
  }

  /**
   * Activation-layer vertex name to the convolution it merges into: among {@code convolutions},
   * those with the identity activation whose one consumer is an activation layer (no preprocessor)
   * and which are no network output.
   */
  static Map<String, String> activations(
      ComputationGraphConfiguration conf, java.util.Collection<String> convolutions) {
    Map<String, List<String>> consumers = consumers(conf);
    Map<String, String> merged = new LinkedHashMap<>();
    for (String conv : convolutions) {
      List<String> readers = consumers.getOrDefault(conv, List.of());
      if (readers.size() != 1
          || conf.getNetworkOutputs().contains(conv)
          || !(convolution(conf, conv).getActivationFn() instanceof ActivationIdentity)) {
        continue;
      }
      String act = readers.get(0);
      if (isPlainActivationLayer(conf, act)) {
        merged.put(act, conv);
      }
    }
    return merged;
  }

  /**
   * Activation-layer vertex name to the element-wise sum it merges with: sums that are no network
   * output and whose one consumer is an activation layer (no preprocessor).
   */
  static Map<String, String> sumActivations(ComputationGraphConfiguration conf) {
    Map<String, List<String>> consumers = consumers(conf);
    Map<String, String> merged = new LinkedHashMap<>();
    for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
      String add = e.getKey();
      List<String> readers = consumers.getOrDefault(add, List.of());
      if (!(e.getValue() instanceof ElementWiseVertex ew)
          || ew.getOp() != ElementWiseVertex.Op.Add
          || conf.getVertexInputs().get(add).size() < 2
          || readers.size() != 1
          || conf.getNetworkOutputs().contains(add)) {
        continue;
      }
      String act = readers.get(0);
      if (isPlainActivationLayer(conf, act)) {
        merged.put(act, add);
      }
    }
    return merged;
  }

  private static void fold(
      Map<String, INDArray> conv, Map<String, INDArray> bn, double eps, Map<String, INDArray> to) {
    INDArray gamma = bn.get(BatchNormalizationParamInitializer.GAMMA);
    INDArray beta = bn.get(BatchNormalizationParamInitializer.BETA);
    INDArray mean = bn.get(BatchNormalizationParamInitializer.GLOBAL_MEAN);
    INDArray var = bn.get(BatchNormalizationParamInitializer.GLOBAL_VAR);
    if (var == null) {
      // DL4J's default parameterisation keeps log10 of the standard deviation: var = (10^l)^2.
      INDArray log10s = bn.get(BatchNormalizationParamInitializer.GLOBAL_LOG_STD);
      INDArray std =
          Transforms.pow(Nd4j.valueArrayOf(log10s.shape(), 10.0, log10s.dataType()), log10s);
      var = std.mul(std);
    }
    long channels = gamma.length();
    INDArray scale = gamma.reshape(channels).div(Transforms.sqrt(var.reshape(channels).add(eps)));

    INDArray w = conv.get(ConvolutionParamInitializer.WEIGHT_KEY);
    INDArray w2 = w.dup('c').reshape('c', channels, w.length() / channels);
    w2.muliColumnVector(scale.reshape(channels, 1));
    to.get(ConvolutionParamInitializer.WEIGHT_KEY).assign(w2.reshape('c', w.shape()));

    INDArray b = conv.get(ConvolutionParamInitializer.BIAS_KEY);
    INDArray shift =
        b == null ? mean.reshape(channels).neg() : b.reshape(channels).sub(mean.reshape(channels));
    INDArray bias = shift.muli(scale).addi(beta.reshape(channels));
    INDArray target = to.get(ConvolutionParamInitializer.BIAS_KEY);
    target.assign(bias.reshape(target.shape()));
  }

  private static ConvolutionLayer convolution(ComputationGraphConfiguration conf, String name) {
    return (ConvolutionLayer)
        ((LayerVertex) conf.getVertices().get(name)).getLayerConf().getLayer();
  }

  private static BatchNormalization batchNorm(ComputationGraphConfiguration conf, String name) {
    return (BatchNormalization)
        ((LayerVertex) conf.getVertices().get(name)).getLayerConf().getLayer();
  }
}
