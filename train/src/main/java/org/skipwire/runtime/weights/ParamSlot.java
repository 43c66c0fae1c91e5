package org.skipwire.runtime.weights;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.skipwire.runtime.conf.GroupNormalization;

/**
 * One parameter tensor of a graph as a state_dict sees it: its key under a {@link
 * NamingConvention}, PyTorch's shape, and how its values map onto DL4J's array.
 *
 * <ul>
 *   <li>Convolution kernels (DL4J's {@code ConvolutionLayer} and skipwire's {@code
 *       GroupedConvolutionLayer}) are {@code [out, in / groups, kH, kW]} in both: copied as they
 *       are.
 *   <li>Depthwise kernels (DL4J's {@code DepthwiseConvolution2D}, what {@code groups = DEPTHWISE}
 *       and groups equal to the channels generate) are {@code [kH, kW, in, multiplier]} in DL4J and
 *       {@code [in * multiplier, 1, kH, kW]} in PyTorch, output channel {@code c * multiplier + m}
 *       in both: permuted.
 *   <li>Dense and output weights are {@code [in, out]} in DL4J and {@code [out, in]} in PyTorch:
 *       transposed.
 *   <li>Batch norm's running variance is {@code running_var} in PyTorch; DL4J keeps {@code var}, or
 *       by default {@code log10stdev}, log10 of its square root ({@code var = (10^l)^2}, eps added
 *       when normalising, as PyTorch does).
 *   <li>Group norm's {@code gamma} and {@code beta} are {@code weight} and {@code bias}, as {@code
 *       torch.nn.GroupNorm} names them.
 *   <li>Biases and the other vectors are {@code [1, n]} in DL4J and {@code [n]} in PyTorch.
 * </ul>
 *
 * @param key the state_dict key
 * @param vertex the graph vertex holding it
 * @param param DL4J's parameter key ({@code W}, {@code gamma}, {@code log10stdev}, ...)
 * @param shape PyTorch's shape
 * @param layout how values convert
 * @param target the graph's own array (a view of its parameters)
 */
public record ParamSlot(
    String key, String vertex, String param, List<Long> shape, Layout layout, INDArray target) {

  /** How a PyTorch tensor maps onto the DL4J array. */
  public enum Layout {
    /** The same values in the same order (the shapes may differ in leading ones). */
    SAME,
    /** A 2-D transpose. */
    TRANSPOSE,
    /** Variance in the file, log10 of the standard deviation in DL4J. */
    LOG10_STD,
    /** PyTorch's {@code [in * m, 1, kH, kW]} as DL4J's depthwise {@code [kH, kW, in, m]}. */
    DEPTHWISE
  }

  public String shapeText() {
    return shape.toString();
  }

  /** Copies PyTorch's row-major values into the graph. */
  void copyIn(float[] values) {
    long[] s = shape.stream().mapToLong(Long::longValue).toArray();
    INDArray src = Nd4j.create(values, s, 'c').castTo(target.dataType());
    switch (layout) {
      case SAME -> target.assign(src.reshape('c', target.shape()));
      case TRANSPOSE -> target.assign(src.transpose());
      case LOG10_STD ->
          target.assign(
              Transforms.log(Transforms.sqrt(src, true), 10.0, false).reshape('c', target.shape()));
      case DEPTHWISE -> {
        long[] t = target.shape();
        target.assign(src.reshape('c', t[2], t[3], t[0], t[1]).permute(2, 3, 0, 1));
      }
    }
  }

  /** The graph's values in PyTorch's layout, row-major. */
  float[] copyOut() {
    INDArray v =
        switch (layout) {
          case SAME -> target.dup('c');
          case TRANSPOSE -> target.transpose().dup('c');
          case LOG10_STD -> {
            INDArray std =
                Transforms.pow(
                    Nd4j.valueArrayOf(target.shape(), 10.0, target.dataType()), target, false);
            yield std.muli(std).dup('c');
          }
          case DEPTHWISE -> target.permute(2, 3, 0, 1).dup('c');
        };
    return v.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).reshape(v.length()).toFloatVector();
  }

  /** Every parameter of the graph under {@code names}, in the graph's topological order. */
  public static List<ParamSlot> of(ComputationGraph graph, NamingConvention names) {
    List<ParamSlot> slots = new ArrayList<>();
    GraphVertex[] vertices = graph.getVertices();
    for (int index : graph.topologicalSortOrder()) {
      GraphVertex v = vertices[index];
      if (v.numParams() == 0) {
        continue;
      }
      String vertex = v.getVertexName();
      String module = names.module(vertex);
      if (v.hasLayer()) {
        Layer layer = v.getLayer();
        org.deeplearning4j.nn.conf.layers.Layer conf = unwrap(layer.conf().getLayer());
        for (Map.Entry<String, INDArray> e : layer.paramTable().entrySet()) {
          slots.add(slot(module, vertex, conf, e.getKey(), e.getValue()));
        }
      } else {
        for (Map.Entry<String, INDArray> e : v.paramTable(false).entrySet()) {
          slots.add(generic(module, vertex, e.getKey(), e.getValue()));
        }
      }
    }
    return slots;
  }

  /** The layer a frozen wrapper (transfer learning) holds. */
  static org.deeplearning4j.nn.conf.layers.Layer unwrap(org.deeplearning4j.nn.conf.layers.Layer l) {
    while (true) {
      if (l instanceof FrozenLayer f) {
        l = f.getLayer();
      } else if (l instanceof FrozenLayerWithBackprop f) {
        l = f.getUnderlying();
      } else {
        return l;
      }
    }
  }

  private static ParamSlot slot(
      String module,
      String vertex,
      org.deeplearning4j.nn.conf.layers.Layer conf,
      String param,
      INDArray a) {
    if (conf instanceof BatchNormalization) {
      String torch =
          switch (param) {
            case BatchNormalizationParamInitializer.GAMMA -> "weight";
            case BatchNormalizationParamInitializer.BETA -> "bias";
            case BatchNormalizationParamInitializer.GLOBAL_MEAN -> "running_mean";
            case BatchNormalizationParamInitializer.GLOBAL_VAR,
                BatchNormalizationParamInitializer.GLOBAL_LOG_STD ->
                "running_var";
            default -> param;
          };
      Layout layout =
          param.equals(BatchNormalizationParamInitializer.GLOBAL_LOG_STD)
              ? Layout.LOG10_STD
              : Layout.SAME;
      return new ParamSlot(module + "." + torch, vertex, param, List.of(a.length()), layout, a);
    }
    if (conf instanceof GroupNormalization) {
      String torch = param.equals(GroupNormalization.GAMMA) ? "weight" : "bias";
      return new ParamSlot(
          module + "." + torch, vertex, param, List.of(a.length()), Layout.SAME, a);
    }
    if (param.equals("W") && conf instanceof DepthwiseConvolution2D && a.rank() == 4) {
      List<Long> torch = List.of(a.size(2) * a.size(3), 1L, a.size(0), a.size(1));
      return new ParamSlot(module + ".weight", vertex, param, torch, Layout.DEPTHWISE, a);
    }
    if (param.equals("W") && conf instanceof FeedForwardLayer && a.rank() == 2) {
      return new ParamSlot(
          module + ".weight", vertex, param, List.of(a.size(1), a.size(0)), Layout.TRANSPOSE, a);
    }
    if (param.equals("W")) {
      return new ParamSlot(module + ".weight", vertex, param, shape(a), Layout.SAME, a);
    }
    if (param.equals("b")) {
      return new ParamSlot(module + ".bias", vertex, param, List.of(a.length()), Layout.SAME, a);
    }
    return generic(module, vertex, param, a);
  }

  private static ParamSlot generic(String module, String vertex, String param, INDArray a) {
    return new ParamSlot(module + "." + param, vertex, param, shape(a), Layout.SAME, a);
  }

  /** DL4J's shape without the leading ones of its row vectors. */
  private static List<Long> shape(INDArray a) {
    long[] s = a.shape();
    int from = 0;
    while (from < s.length - 1 && s[from] == 1) {
      from++;
    }
    return Arrays.stream(s, from, s.length).boxed().toList();
  }
}
