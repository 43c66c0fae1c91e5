package org.skipwire.runtime.conf;

import java.util.Arrays;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.skipwire.runtime.impl.ChannelScaleVertexImpl;

/**
 * Scales every channel of a feature map by its own per-example factor: the last step of
 * squeeze-and-excitation (Hu et al. 2018), where the factors come from global pooling, a bottleneck
 * of two dense layers and a sigmoid.
 *
 * <p>Two inputs, in this order: {@code x}, the feature map, and {@code s}, the factors:
 *
 * <pre>
 *   in:  x [N, C, H, W]    (NCHW; also [N, C, T] NCW sequences and [N, C] flat input)
 *        s [N, C]
 *   out: y [N, C, H, W]    y[n, c, h, w] = x[n, c, h, w] * s[n, c]
 * </pre>
 *
 * that is {@code x * s[:, :, None, None]}. Gradients: {@code dL/dx = dL/dy * s} (broadcast the same
 * way) and {@code dL/ds[n, c] = sum over h, w of dL/dy[n, c, h, w] * x[n, c, h, w]}.
 *
 * <p>With {@link #setDataFormat dataFormat} NHWC a feature map is channels-last, {@code x [N, H, W,
 * C]} scaled as {@code x * s[:, None, None, :]}: what {@link org.skipwire.runtime.ChannelsLast}
 * sets in a network's channels-last copy. A feature map in the other format, and NWC sequences, are
 * rejected rather than silently scaled along the wrong axis. Parameter-free; the output is masked
 * where {@code x} is.
 */
public class ChannelScaleVertex extends DataFormatVertex {

  /** Channels-first feature maps. */
  public ChannelScaleVertex() {}

  /**
   * @param dataFormat the layout of a feature map x (and y)
   */
  public ChannelScaleVertex(CNN2DFormat dataFormat) {
    setDataFormat(dataFormat);
  }

  @Override
  public ChannelScaleVertex clone() {
    return new ChannelScaleVertex(getDataFormat());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ChannelScaleVertex other && other.getDataFormat() == getDataFormat();
  }

  @Override
  public int hashCode() {
    return 31 * ChannelScaleVertex.class.hashCode() + getDataFormat().hashCode();
  }

  @Override
  public String toString() {
    return getDataFormat() == CNN2DFormat.NCHW
        ? "ChannelScaleVertex()"
        : "ChannelScaleVertex(" + getDataFormat() + ")";
  }

  @Override
  public long numParams(boolean backprop) {
    return 0;
  }

  @Override
  public int minVertexInputs() {
    return 2;
  }

  @Override
  public int maxVertexInputs() {
    return 2;
  }

  @Override
  public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(
      ComputationGraph graph,
      String name,
      int idx,
      INDArray paramsView,
      boolean initializeParams,
      DataType networkDatatype) {
    return new ChannelScaleVertexImpl(graph, name, idx, getDataFormat(), networkDatatype);
  }

  @Override
  public InputType getOutputType(int layerIndex, InputType... vertexInputs)
      throws InvalidInputTypeException {
    if (vertexInputs.length != 2) {
      throw new InvalidInputTypeException(
          "ChannelScaleVertex takes two inputs (x, s), got " + vertexInputs.length);
    }
    InputType x = vertexInputs[0];
    long channels = channels(x);
    if (channels < 0) {
      throw new InvalidInputTypeException(
          "ChannelScaleVertex needs x as " + getDataFormat() + ", NCW or flat input, got " + x);
    }
    if (!(vertexInputs[1] instanceof InputType.InputTypeFeedForward s) || s.getSize() != channels) {
      throw new InvalidInputTypeException(
          "ChannelScaleVertex needs s as flat input of x's "
              + channels
              + " channels, got "
              + Arrays.toString(vertexInputs));
    }
    return x;
  }

  /** The channels of a supported x, or -1. */
  private long channels(InputType x) {
    if (x instanceof InputType.InputTypeConvolutional c) {
      return c.getFormat() == getDataFormat() ? c.getChannels() : -1;
    }
    if (x instanceof InputType.InputTypeRecurrent r) {
      return r.getFormat() == RNNFormat.NCW ? r.getSize() : -1;
    }
    if (x instanceof InputType.InputTypeFeedForward f) {
      return f.getSize();
    }
    return -1;
  }

  @Override
  public MemoryReport getMemoryReport(InputType... inputTypes) {
    // dL/ds: channels-first one reduction of x and dL/dy, with no temporary of their size;
    // channels-last a matrix product over x * dL/dy, made once.
    InputType out = getOutputType(-1, inputTypes);
    boolean product =
        getDataFormat() == CNN2DFormat.NHWC && out instanceof InputType.InputTypeConvolutional;
    return new LayerMemoryReport.Builder(null, ChannelScaleVertex.class, inputTypes[0], out)
        .standardMemory(0, 0)
        .workingMemory(0, 0, 0, product ? out.arrayElementsPerExample() : 0)
        .cacheMemory(0, 0)
        .build();
  }
}
