package org.skipwire.samples.bench;

import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.skipwire.runtime.conf.MultiHeadSelfAttention;

/**
 * Multiply-adds of one forward pass of one image, counted from a graph: for every layer, each
 * weight parameter (as the layer's parameter initializer names them: convolution kernels, dense and
 * output matrices, attention projections; not biases, batch or layer norm, position embeddings)
 * once per output position (H x W of a convolution's output, T of a sequence, 1 for a vector), plus
 * attention's two T x T products ({@code 2 T^2 P} for P = heads x head size). Normalisation,
 * activations, pooling and sums are left out: they are a few percent of the work and bound by
 * memory, not arithmetic. cifar-resnet20-b: 40,813,184 (FlopsTest counts it by hand). A training
 * step is taken as 3x forward (forward, data gradient, weight gradient), one multiply-add as 2
 * floating-point operations.
 */
public final class Flops {
  private Flops() {}

  /**
   * Multiply-adds of one image's forward pass through {@code graph}, whose one input has {@code
   * inputShape} per example ({@code [C, H, W]}, {@code [C, T]} or {@code [n]}, as {@link
   * org.skipwire.runtime.SkipwireModel#inputShape()}).
   */
  public static long macsPerImage(ComputationGraph graph, List<Integer> inputShape) {
    // A copy: DL4J's type inference sets sizes and formats on the configuration it walks.
    ComputationGraphConfiguration conf = graph.getConfiguration().clone();
    Map<String, InputType> outputs = conf.getLayerActivationTypes(inputType(inputShape));
    long total = 0;
    for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
      if (!(e.getValue() instanceof LayerVertex v)) {
        continue;
      }
      Layer layer = v.getLayerConf().getLayer();
      InputType out = outputs.get(e.getKey());
      long positions = positions(out);
      long weights = 0;
      for (Map.Entry<String, INDArray> p : graph.getLayer(e.getKey()).paramTable().entrySet()) {
        if (layer.initializer().isWeightParam(layer, p.getKey())) {
          weights += p.getValue().length();
        }
      }
      total += weights * positions;
      if (layer instanceof MultiHeadSelfAttention a) {
        long projected = a.getNHeads() * a.headSize();
        total += 2 * positions * positions * projected; // Q K^T and A V
      }
    }
    return total;
  }

  private static InputType inputType(List<Integer> shape) {
    return switch (shape.size()) {
      case 3 -> InputType.convolutional(shape.get(1), shape.get(2), shape.get(0));
      case 2 -> InputType.recurrent(shape.get(0), shape.get(1));
      case 1 -> InputType.feedForward(shape.get(0));
      default -> throw new IllegalArgumentException("no input type for a shape " + shape);
    };
  }

  /** Output positions a layer's weights are applied at. */
  private static long positions(InputType out) {
    if (out instanceof InputType.InputTypeConvolutional c) {
      return c.getHeight() * c.getWidth();
    }
    if (out instanceof InputType.InputTypeConvolutional3D c) {
      return c.getDepth() * c.getHeight() * c.getWidth();
    }
    if (out instanceof InputType.InputTypeRecurrent r) {
      return Math.max(1, r.getTimeSeriesLength());
    }
    return 1;
  }
}
