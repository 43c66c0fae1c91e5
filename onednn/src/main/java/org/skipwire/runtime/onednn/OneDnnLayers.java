package org.skipwire.runtime.onednn;

import java.lang.reflect.Field;
import java.util.Locale;
import java.util.Set;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.graph.vertex.VertexIndices;
import org.deeplearning4j.nn.graph.vertex.impl.LayerVertex;
import org.deeplearning4j.nn.layers.ActivationLayer;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.skipwire.runtime.ActivationFusion;
import org.skipwire.runtime.impl.BatchNormReluLayer;

/**
 * Puts skipwire's oneDNN helpers into an initialised graph's layers where DL4J put its own: {@link
 * OneDnnConvHelper} for DL4J's {@code MKLDNNConvHelper} and {@link OneDnnBatchNormHelper} for its
 * {@code MKLDNNBatchNormHelper}. So it follows DL4J's switch: with the layer helpers off ({@code
 * -Dskipwire.fastpath=false}, or {@code -Dorg.eclipse.deeplearning4j.helpers.disable=true}) nothing
 * changes.
 *
 * <p>Then it replaces each ReLU {@code ActivationLayer} that alone reads a batch norm or a residual
 * sum by an {@link InPlaceReluLayer}, which saves DL4J's copies. The configuration is untouched;
 * only the layer objects of this graph change. One thing shows: in {@code feedForward}'s
 * activations in training mode such a batch norm's or sum's entry is the ReLU's output.
 *
 * <p>{@code -Dskipwire.onednn=false} keeps DL4J's helpers and layers; {@code
 * -Dskipwire.onednn=conv}, {@code =batchnorm} or {@code =relu} (or a list, {@code conv,batchnorm})
 * swaps only those, a list without {@code nhwc} keeps new image graphs channels-first ({@link
 * #channelsLast()}), and one without {@code fuse} keeps new graphs' ReLU layers ({@link
 * org.skipwire.runtime.ActivationFusion}, in {@link OneDnnFastPath#configure}) and a batch norm and
 * its ReLU two passes.
 *
 * <p>Each convolution's layer object becomes a {@link OneDnnConvolutionLayer}. A batch norm that
 * applies a ReLU ({@link org.skipwire.runtime.conf.BatchNormRelu}, or one that alone feeds a ReLU
 * layer) applies it inside oneDNN's primitive ({@link OneDnnBatchNormHelper#fuseRelu()}): in
 * training where it is channels-last, in inference in both layouts.
 *
 * <p>{@link org.skipwire.runtime.SkipwireModel#create}, {@link
 * org.skipwire.runtime.BatchNormFolding} and checkpoint loading call it through {@link
 * org.skipwire.runtime.FastPaths#install} ({@link OneDnnFastPath}); a graph built by hand with
 * {@code new ComputationGraph(conf)} gets it from one call after {@code init()}.
 */
public final class OneDnnLayers {
  /**
   * Which of skipwire's oneDNN helpers to use: unset or true (all), false, conv, batchnorm, relu,
   * nhwc, fuse.
   */
  public static final String PROPERTY = "skipwire.onednn";

  private static final Field BATCH_NORM_HELPER = helperField(BatchNormalization.class);

  private OneDnnLayers() {}

  /**
   * What this JVM's fast path does: a subset of {conv, batchnorm, relu, nhwc, fuse}, where nhwc is
   * {@link #channelsLast()}'s layout, fuse the batch norm + ReLU, and the rest what {@link
   * #install} swaps.
   */
  public static Set<String> enabled() {
    String setting = System.getProperty(PROPERTY, "true").trim().toLowerCase(Locale.ROOT);
    if (setting.equals("false") || !OneDnn.available()) {
      return Set.of();
    }
    boolean all = setting.equals("true");
    Set<String> on = new java.util.TreeSet<>();
    // A convolution's helper is set by its OneDnnConvolutionLayer, a subclass: no reflection.
    if (all || setting.contains("conv")) {
      on.add("conv");
    }
    if (BATCH_NORM_HELPER != null && (all || setting.contains("batchnorm"))) {
      on.add("batchnorm");
    }
    if (all || setting.contains("relu")) {
      on.add("relu");
    }
    if (all || setting.contains("nhwc")) {
      on.add("nhwc");
    }
    if (all || setting.contains("fuse")) {
      on.add("fuse");
    }
    return Set.copyOf(on);
  }

  /**
   * Whether new image networks run channels-last ({@link org.skipwire.runtime.ChannelsLast}): where
   * DL4J's oneDNN layer helpers are on and skipwire's conv and batch-norm helpers replace them,
   * which read channels-last arrays without a reorder. {@code
   * -Dskipwire.onednn=conv,batchnorm,relu} keeps them channels-first.
   */
  public static boolean channelsLast() {
    Set<String> on = enabled();
    return on.containsAll(Set.of("conv", "batchnorm", "nhwc"))
        && !Boolean.parseBoolean(System.getProperty(Backend.HELPERS_DISABLE_PROPERTY, "true"))
        && org.deeplearning4j.nn.layers.mkldnn.BaseMKLDNNHelper.mklDnnEnabled();
  }

  /**
   * Swaps the helpers of every layer that has DL4J's oneDNN helper and returns how many, then puts
   * in the {@link InPlaceReluLayer}s. Call it after {@code init()} and before training: DL4J
   * creates a layer's helper once, in its constructor. Only where DL4J's helpers are on (the fast
   * path).
   */
  public static int install(ComputationGraph graph) {
    Set<String> which = enabled();
    if (which.isEmpty() || !dl4jHelpersOn(graph)) {
      return 0;
    }
    int swapped = 0;
    for (Layer layer : graph.getLayers()) {
      // Exactly the 2-D convolution: DL4J's 1-D and transposed convolutions extend it but run
      // their own ops and use the helper only for the activation.
      if (which.contains("conv")
          && layer.getClass() == ConvolutionLayer.class
          && layer.getHelper() instanceof MKLDNNConvHelper) {
        convolution(graph, (ConvolutionLayer) layer, new OneDnnConvHelper());
        swapped++;
      } else if (which.contains("batchnorm")
          && layer instanceof BatchNormalization bn
          && bn.getHelper() instanceof MKLDNNBatchNormHelper
          && !bn.layerConf().isLockGammaBeta()) {
        OneDnnBatchNormHelper helper = new OneDnnBatchNormHelper();
        set(BATCH_NORM_HELPER, bn, helper);
        if (bn instanceof BatchNormReluLayer && which.contains("fuse")) {
          // The helper fuses where it can: channels-last training, inference in both layouts.
          helper.fuseRelu();
        }
        swapped++;
      }
    }
    if (which.contains("relu")) {
      inPlaceRelus(graph, which.contains("fuse") && which.contains("batchnorm"));
    }
    return swapped;
  }

  /**
   * Whether DL4J made its oneDNN helpers for this graph's layers: the fast path. A graph without
   * convolutions or batch norms counts as on where Backend turned them on.
   */
  private static boolean dl4jHelpersOn(ComputationGraph graph) {
    boolean any = false;
    for (Layer layer : graph.getLayers()) {
      if (layer instanceof ConvolutionLayer || layer instanceof BatchNormalization) {
        if (layer.getHelper() != null) {
          return true;
        }
        any = true;
      }
    }
    return !any
        && !Boolean.parseBoolean(
            System.getProperty("org.eclipse.deeplearning4j.helpers.disable", "false"));
  }

  /**
   * Replaces the ReLU activation layers that can run in place; returns how many. With {@code fuse},
   * a batch norm on skipwire's helper that alone feeds one of them applies the ReLU itself where
   * its helper fuses ({@link OneDnnBatchNormHelper#fuseRelu()}).
   */
  static int inPlaceRelus(ComputationGraph graph, boolean fuse) {
    int replaced = 0;
    for (GraphVertex v : graph.getVertices()) {
      if (!(v instanceof LayerVertex lv)
          || lv.getLayer().getClass() != ActivationLayer.class
          || lv.getLayerPreProcessor() != null
          || !plainRelu(lv.getLayer())
          || v.getInputVertices() == null
          || v.getInputVertices().length != 1) {
        continue;
      }
      GraphVertex source = graph.getVertices()[v.getInputVertices()[0].getVertexIndex()];
      if (!readOnlyBy(source, v)) {
        continue;
      }
      // A batch norm's backprop reads its input and statistics, a sum's nothing; with locked gamma
      // and beta DL4J's own batch norm returns the normalised input it keeps for backprop.
      boolean batchNorm =
          source instanceof LayerVertex sl
              && sl.getLayer() instanceof BatchNormalization bn
              && !(bn instanceof BatchNormReluLayer)
              && !bn.layerConf().isLockGammaBeta();
      boolean sum =
          graph.getConfiguration().getVertices().get(source.getVertexName())
                  instanceof ElementWiseVertex e
              && e.getOp() == ElementWiseVertex.Op.Add;
      if (!batchNorm && !sum) {
        continue;
      }
      OneDnnBatchNormHelper fusedInto = null;
      if (fuse
          && batchNorm
          && ((LayerVertex) source).getLayer() instanceof BatchNormalization bn
          && bn.getHelper() instanceof OneDnnBatchNormHelper h) {
        h.fuseRelu();
        fusedInto = h;
      }
      Layer old = lv.getLayer();
      replace(
          graph,
          lv,
          old,
          new InPlaceReluLayer(old.conf(), ((ActivationLayer) old).getDataType(), fusedInto));
      replaced++;
    }
    return replaced;
  }

  /**
   * Puts a {@link OneDnnConvolutionLayer} with {@code helper} in place of a convolution layer
   * object: the same configuration and the same parameter and gradient arrays.
   */
  private static void convolution(
      ComputationGraph graph, ConvolutionLayer old, OneDnnConvHelper helper) {
    LayerVertex lv = null;
    for (GraphVertex v : graph.getVertices()) {
      if (v instanceof LayerVertex l && l.getLayer() == old) {
        lv = l;
      }
    }
    OneDnnConvolutionLayer conv = new OneDnnConvolutionLayer(old.conf(), old.getDataType());
    conv.useHelper(helper);
    conv.setParamsViewArray(old.params());
    conv.setParamTable(old.paramTable());
    if (old.getGradientsViewArray() != null) {
      conv.setBackpropGradientsViewArray(old.getGradientsViewArray());
    }
    conv.setConvolutionMode(old.getConvolutionMode());
    replace(graph, lv, old, conv);
  }

  /** Puts {@code replacement} where {@code old} was: in its vertex and the graph's layer list. */
  private static void replace(ComputationGraph graph, LayerVertex vertex, Layer old, Layer neu) {
    neu.setIndex(old.getIndex());
    neu.setListeners(old.getListeners());
    neu.setIterationCount(old.getIterationCount());
    neu.setEpochCount(old.getEpochCount());
    vertex.setLayer(neu);
    Layer[] layers = graph.getLayers();
    for (int i = 0; i < layers.length; i++) {
      if (layers[i] == old) {
        layers[i] = neu;
      }
    }
  }

  /** ReLU without a threshold, slope or cap: DL4J's {@code Activation.RELU}. */
  private static boolean plainRelu(Layer layer) {
    return layer.conf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.ActivationLayer a
        && ActivationFusion.isPlainRelu(a.getActivationFn())
        && a.getIDropout() == null;
  }

  /** Whether {@code reader} is the only reader of {@code source}, which is no network output. */
  private static boolean readOnlyBy(GraphVertex source, GraphVertex reader) {
    VertexIndices[] out = source.getOutputVertices();
    return !source.isInputVertex()
        && !source.isOutputVertex()
        && out != null
        && out.length == 1
        && out[0].getVertexIndex() == reader.getVertexIndex();
  }

  private static void set(Field helper, Layer layer, Object value) {
    try {
      helper.set(layer, value);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(
          "cannot set the helper of " + layer.getConfig().getLayerName(), e);
    }
  }

  /**
   * DL4J M2.1 offers no way to choose a layer's helper (HelperUtils.createHelper takes the oneDNN
   * class name from the layer's source) and keeps it in a protected or package-private field
   * "helper"; null if a DL4J version renamed it, which turns the swap off rather than failing. The
   * batch norm's is set through it; a convolution's by {@link OneDnnConvolutionLayer}.
   */
  private static Field helperField(Class<?> layer) {
    try {
      Field f = layer.getDeclaredField("helper");
      f.setAccessible(true);
      return f;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }
}
