package org.skipwire.runtime;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.skipwire.runtime.conf.AddActivationVertex;
import org.skipwire.runtime.conf.AxisMergeVertex;
import org.skipwire.runtime.conf.ChannelScaleVertex;
import org.skipwire.runtime.conf.ChannelsLastPreProcessor;
import org.skipwire.runtime.conf.DataFormatVertex;
import org.skipwire.runtime.conf.DropPathVertex;
import org.skipwire.runtime.conf.GatedSkipVertex;
import org.skipwire.runtime.conf.ScaleVertex;
import org.skipwire.runtime.conf.ShakeShakeVertex;
import org.skipwire.runtime.conf.ZeroPadChannelsVertex;

/**
 * A channels-last (NHWC) copy of a channels-first (NCHW) image network: the same layers, the same
 * parameters in the same order and layout (DL4J keeps convolution weights {@code [out, in, kH, kW]}
 * in both formats), the same outputs, with every feature map inside the graph stored {@code [N, H,
 * W, C]}. The network's input stays NCHW: each layer that reads it gets a {@link
 * ChannelsLastPreProcessor}, which transposes the batch once.
 *
 * <p>Why: oneDNN runs convolution and batch norm on channels-last arrays directly (its {@code
 * brgconv} and {@code bnorm_jit} kernels), where channels-first arrays cost a reorder into its
 * blocked layout and back at every layer and a batch norm kernel that is three times slower. The
 * oneDNN fast path asks for this copy ({@link FastPaths#configure}); DL4J as shipped runs it too,
 * only not faster.
 *
 * <p>Concatenations become {@link AxisMergeVertex}es on axis 3 (DL4J's own merge vertex forgets its
 * axis when a configuration is copied); skipwire's option-A shortcut ({@link
 * ZeroPadChannelsVertex}) and squeeze-excitation scale ({@link ChannelScaleVertex}), each a {@link
 * DataFormatVertex}, get {@code dataFormat} NHWC.
 *
 * <p>It converts only what it knows to be the same computation in both formats: DL4J's 2-D
 * convolution, batch norm, pooling, global pooling, activation and dropout layers, element-wise and
 * merge (concatenation) vertices, and skipwire's residual sum, drop-path, shake-shake, ReZero
 * scale, gated skip, zero-pad shortcut and channel-scale vertices; layers after global pooling are
 * untouched. Anything else that sees a feature map (a flatten into a dense layer, whose weights
 * would then read the features in another order; skipwire's grouped-convolution and normalisation
 * layers and highway gates, DL4J's depthwise convolution) leaves the network as it is, for the
 * reason {@link #unsupported} gives. So does an output that is itself a feature map: its callers
 * would get it transposed.
 */
public final class ChannelsLast {
  private static final Set<Class<?>> PER_ELEMENT_VERTICES =
      Set.of(
          ElementWiseVertex.class,
          AddActivationVertex.class,
          DropPathVertex.class,
          ShakeShakeVertex.class,
          ScaleVertex.class,
          GatedSkipVertex.class);

  /** DL4J layers (these classes exactly) that compute the same in either format. */
  private static final Set<Class<?>> SAME_IN_BOTH_LAYERS =
      Set.of(
          ConvolutionLayer.class,
          BatchNormalization.class,
          SubsamplingLayer.class,
          ActivationLayer.class,
          DropoutLayer.class);

  private ChannelsLast() {}

  /**
   * Why {@code conf} has no channels-last copy, empty where it has one; {@code inputs} are the
   * network's input types, in order.
   */
  public static Optional<String> unsupported(
      ComputationGraphConfiguration conf, InputType... inputs) {
    return plan(conf, inputs).reason();
  }

  /** Whether {@code conf} already is a channels-last copy. */
  public static boolean isChannelsLast(ComputationGraphConfiguration conf) {
    for (GraphVertex v : conf.getVertices().values()) {
      if (v instanceof LayerVertex lv && lv.getPreProcessor() instanceof ChannelsLastPreProcessor) {
        return true;
      }
    }
    return false;
  }

  /**
   * The channels-last copy of {@code conf}; {@code conf} itself is left untouched.
   *
   * @throws IllegalArgumentException where {@link #unsupported} has a reason
   */
  public static ComputationGraphConfiguration convert(
      ComputationGraphConfiguration conf, InputType... inputs) {
    Plan plan = plan(conf, inputs);
    if (plan.reason().isPresent()) {
      throw new IllegalArgumentException(
          "no channels-last copy of this network: " + plan.reason().get());
    }
    return copy(conf, plan);
  }

  /**
   * The channels-last copy of {@code conf}, empty where {@link #unsupported} has a reason: one look
   * at the network where asking {@code unsupported} and then {@link #convert} would take two.
   */
  public static Optional<ComputationGraphConfiguration> tryConvert(
      ComputationGraphConfiguration conf, InputType... inputs) {
    Plan plan = plan(conf, inputs);
    return plan.reason().isPresent() ? Optional.empty() : Optional.of(copy(conf, plan));
  }

  private static ComputationGraphConfiguration copy(ComputationGraphConfiguration conf, Plan plan) {
    ComputationGraphConfiguration copy = conf.clone();
    Set<String> networkInputs = Set.copyOf(copy.getNetworkInputs());
    for (String name : plan.imageVertices()) {
      GraphVertex v = copy.getVertices().get(name);
      if (v instanceof MergeVertex) {
        copy.getVertices().put(name, new AxisMergeVertex(3));
      } else if (v instanceof DataFormatVertex f) {
        f.setDataFormat(CNN2DFormat.NHWC);
      } else if (v instanceof LayerVertex lv) {
        Layer layer = lv.getLayerConf().getLayer();
        if (layer instanceof ConvolutionLayer c) {
          c.setCnn2dDataFormat(CNN2DFormat.NHWC);
        } else if (layer instanceof BatchNormalization b) {
          b.setCnn2DFormat(CNN2DFormat.NHWC);
        } else if (layer instanceof SubsamplingLayer s) {
          s.setCnn2dDataFormat(CNN2DFormat.NHWC);
        } else if (layer instanceof GlobalPoolingLayer g) {
          g.setPoolingDimensions(new int[] {1, 2});
        }
        if (networkInputs.contains(copy.getVertexInputs().get(name).get(0))) {
          lv.setPreProcessor(new ChannelsLastPreProcessor());
        }
      }
    }
    return copy;
  }

  private record Plan(Optional<String> reason, List<String> imageVertices) {
    static Plan refused(String why) {
      return new Plan(Optional.of(why), List.of());
    }
  }

  private static Plan plan(ComputationGraphConfiguration conf, InputType... inputs) {
    List<String> networkInputs = conf.getNetworkInputs();
    if (isChannelsLast(conf)) {
      return Plan.refused("it already is channels-last");
    }
    if (inputs.length != networkInputs.size()) {
      return Plan.refused(
          networkInputs.size() + " network inputs, " + inputs.length + " input types given");
    }
    for (int i = 0; i < inputs.length; i++) {
      if (!isImage(inputs[i])) {
        return Plan.refused(
            "the network input "
                + networkInputs.get(i)
                + " is not a channels-first image: "
                + inputs[i]);
      }
    }
    Map<String, InputType> types;
    try {
      // On a copy: DL4J's type inference sets missing preprocessors and sizes as it goes.
      types = conf.clone().getLayerActivationTypes(true, false, inputs);
    } catch (RuntimeException e) {
      return Plan.refused("DL4J cannot infer its activation types: " + e.getMessage());
    }
    for (String out : conf.getNetworkOutputs()) {
      if (types.get(out) != null && types.get(out).getType() != InputType.Type.FF) {
        return Plan.refused(
            "output " + out + " is " + types.get(out) + ", which would come out transposed");
      }
    }
    List<String> images = new ArrayList<>();
    for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
      String name = e.getKey();
      GraphVertex v = e.getValue();
      List<String> in = conf.getVertexInputs().getOrDefault(name, List.of());
      boolean readsImage = false;
      for (String i : in) {
        InputType t = types.get(i);
        if (isImage(t)) {
          readsImage = true;
        } else if (t != null && t.getType() != InputType.Type.FF) {
          return Plan.refused(name + " reads " + i + ", " + t);
        }
      }
      if (!readsImage) {
        continue;
      }
      String why = refusal(name, v, in, networkInputs);
      if (why != null) {
        return Plan.refused(why);
      }
      images.add(name);
    }
    return new Plan(Optional.empty(), List.copyOf(images));
  }

  /**
   * Why vertex {@code name}, which reads a feature map, cannot run channels-last; null if it can.
   */
  private static String refusal(
      String name, GraphVertex v, List<String> inputs, List<String> networkInputs) {
    if (v instanceof LayerVertex lv) {
      Layer layer = lv.getLayerConf().getLayer();
      if (lv.getPreProcessor() != null) {
        return name
            + " reads its feature map through "
            + lv.getPreProcessor().getClass().getSimpleName()
            + " (a flatten: its weights would read the features in another order)";
      }
      boolean known =
          SAME_IN_BOTH_LAYERS.contains(layer.getClass())
              || (layer instanceof GlobalPoolingLayer g
                  && (g.getPoolingDimensions() == null
                      || Arrays.equals(g.getPoolingDimensions(), new int[] {2, 3})));
      return known
          ? null
          : name + " (" + layer.getClass().getSimpleName() + ") has no channels-last form here";
    }
    for (String i : inputs) {
      if (networkInputs.contains(i)) {
        return name + " (" + v.getClass().getSimpleName() + ") reads the network input directly";
      }
    }
    if (v instanceof MergeVertex
        || PER_ELEMENT_VERTICES.contains(v.getClass())
        || v instanceof DataFormatVertex) {
      return null;
    }
    return name + " (" + v.getClass().getSimpleName() + ") has no channels-last form here";
  }

  private static boolean isImage(InputType t) {
    return t instanceof InputType.InputTypeConvolutional c && c.getFormat() == CNN2DFormat.NCHW;
  }
}
