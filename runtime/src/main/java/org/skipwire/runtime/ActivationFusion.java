package org.skipwire.runtime;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.skipwire.runtime.conf.AddActivationVertex;
import org.skipwire.runtime.conf.BatchNormRelu;

/**
 * A copy of a configuration with each plain ReLU merged into the vertex it alone reads: a batch
 * norm becomes a {@link BatchNormRelu}, a residual sum an {@link AddActivationVertex}. The copy
 * computes what the original computes, in training and inference, with the same parameters under
 * the same names; only the ReLU vertices are gone: their readers read the merged vertex, which
 * records the ReLU's name ({@link #vertexOf}, {@link #byDeclaredName}), and whose own {@code
 * feedForward} entry is then the ReLU's output.
 *
 * <p>Why: DL4J gives every vertex its own workspace in inference, so an {@code ActivationLayer}
 * copies its input into its own before it applies the function, and its sum's input is copied once
 * more by DL4J's {@code ElementWiseVertex}; in a channels-last ResNet-20 inference step the ReLU
 * layers and the sums were a fifth of the time (JFR). Merged, the batch norm applies the ReLU in
 * place (on the oneDNN fast path inside its own primitive) and the sum writes {@code relu(a + b)}
 * in one array. The oneDNN fast path runs it after {@link ChannelsLast} ({@link
 * FastPath#configure}); the generated wiring and {@link SkipwireModel#configuration} stay DL4J's
 * layers.
 *
 * <p>A ReLU merges where it is a plain {@code ActivationLayer} (no threshold, slope, cap or
 * dropout, no preprocessor) whose one input is a batch norm with learnable gamma and beta, or an
 * element-wise sum of two or more inputs, that nothing else reads and that is no network output.
 */
public final class ActivationFusion {
  private ActivationFusion() {}

  /** The merged copy of {@code conf}; {@code conf} itself, untouched, where nothing merges. */
  public static ComputationGraphConfiguration fuse(ComputationGraphConfiguration conf) {
    Map<String, String> batchNorms = batchNormRelus(conf);
    Map<String, String> sums = new LinkedHashMap<>();
    BatchNormFolding.sumActivations(conf)
        .forEach(
            (act, add) -> {
              if (plainRelu(conf, act)) {
                sums.put(act, add);
              }
            });
    if (batchNorms.isEmpty() && sums.isEmpty()) {
      return conf;
    }
    ComputationGraphConfiguration copy = conf.clone();
    batchNorms.forEach(
        (relu, bn) -> {
          LayerVertex lv = (LayerVertex) copy.getVertices().get(bn);
          lv.getLayerConf()
              .setLayer(BatchNormRelu.of((BatchNormalization) lv.getLayerConf().getLayer(), relu));
          BatchNormFolding.remove(copy, relu, bn);
        });
    sums.forEach(
        (relu, add) -> {
          copy.getVertices().put(add, new AddActivationVertex(new ActivationReLU()).merging(relu));
          BatchNormFolding.remove(copy, relu, add);
        });
    copy.setTopologicalOrder(null);
    copy.setTopologicalOrderStr(null);
    return copy;
  }

  /**
   * The vertex of {@code conf} that computes what the vertex {@code name} computed: {@code name}
   * itself where {@code conf} has it, else the batch norm or sum an activation of that name was
   * merged into; null if neither.
   */
  public static String vertexOf(ComputationGraphConfiguration conf, String name) {
    if (conf.getVertices().containsKey(name)) {
      return name;
    }
    return merged(conf).get(name);
  }

  /** Merged activation vertex name to the vertex it was merged into, for every merge in conf. */
  public static Map<String, String> merged(ComputationGraphConfiguration conf) {
    Map<String, String> merged = new LinkedHashMap<>();
    conf.getVertices()
        .forEach(
            (name, v) -> {
              String m =
                  v instanceof AddActivationVertex a
                      ? a.getMerged()
                      : v instanceof LayerVertex lv
                              && lv.getLayerConf().getLayer() instanceof BatchNormRelu b
                          ? b.getMerged()
                          : null;
              if (m != null) {
                merged.put(m, name);
              }
            });
    return merged;
  }

  /**
   * {@code activations} (as {@code feedForward} returns them, by vertex name) with an entry for
   * every merged activation as well, under its own name: the output of the vertex it was merged
   * into. So a declared vertex name finds its value in a merged graph too.
   */
  public static Map<String, INDArray> byDeclaredName(
      ComputationGraphConfiguration conf, Map<String, INDArray> activations) {
    Map<String, INDArray> all = new LinkedHashMap<>(activations);
    merged(conf)
        .forEach(
            (name, into) -> {
              if (activations.containsKey(into)) {
                all.put(name, activations.get(into));
              }
            });
    return all;
  }

  /** ReLU vertex name to the batch norm it merges into. */
  static Map<String, String> batchNormRelus(ComputationGraphConfiguration conf) {
    Map<String, List<String>> consumers = BatchNormFolding.consumers(conf);
    Map<String, String> merged = new LinkedHashMap<>();
    for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
      String bn = e.getKey();
      List<String> readers = consumers.getOrDefault(bn, List.of());
      if (e.getValue() instanceof LayerVertex lv
          && lv.getLayerConf().getLayer().getClass() == BatchNormalization.class
          && !((BatchNormalization) lv.getLayerConf().getLayer()).isLockGammaBeta()
          && readers.size() == 1
          && !conf.getNetworkOutputs().contains(bn)
          && plainRelu(conf, readers.get(0))) {
        merged.put(readers.get(0), bn);
      }
    }
    return merged;
  }

  /** An activation layer with one input and no preprocessor, DL4J's plain ReLU, no dropout. */
  private static boolean plainRelu(ComputationGraphConfiguration conf, String name) {
    return BatchNormFolding.isPlainActivationLayer(conf, name)
        && !conf.getNetworkOutputs().contains(name)
        && ((LayerVertex) conf.getVertices().get(name)).getLayerConf().getLayer()
            instanceof ActivationLayer a
        && a.getIDropout() == null
        && isPlainRelu(a.getActivationFn());
  }

  /**
   * Whether {@code f} is DL4J's plain ReLU ({@code Activation.RELU}): no threshold, negative slope
   * or cap, so that {@code relu(x) > 0} exactly where {@code x > 0}, which the merged layers' and
   * oneDNN's kernels rely on.
   */
  public static boolean isPlainRelu(IActivation f) {
    return f instanceof ActivationReLU r
        && r.getMax() == null
        && r.getThreshold() == null
        && r.getNegativeSlope() == null;
  }
}
