package org.skipwire.runtime.conf;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.skipwire.runtime.impl.ZeroPadChannelsVertexImpl;

/**
 * The parameter-free "option A" ResNet shortcut (He et al. 2015, section 4.2): subsample by taking
 * every {@code stride}-th row and column, then append {@code padChannels} channels of zeros after
 * the input channels, as fb.resnet.torch does.
 *
 * <pre>
 *   in:  x [N, C, H, W]                      (NCHW, the default)
 *   out: y [N, C + padChannels, ceil(H / stride), ceil(W / stride)]
 *        y[:, :C]  = x[:, :, ::stride, ::stride]
 *        y[:, C:]  = 0
 * </pre>
 *
 * <p>With {@link #setDataFormat dataFormat} NHWC it is the same computation on channels-last
 * arrays, {@code x [N, H, W, C]} to {@code y [N, ceil(H / stride), ceil(W / stride), C +
 * padChannels]}: what {@link org.skipwire.runtime.ChannelsLast} sets in a network's channels-last
 * copy, so that He et al.'s option-A ResNets run channels-last inside too.
 *
 * <p>The gradient to {@code x} is {@code dL/dy[:, :C]} scattered back to the sampled positions,
 * zero elsewhere; the padded channels receive no gradient.
 *
 * <p>The no-argument constructor and the setters exist for DL4J's JSON deserialisation; code should
 * use {@link #ZeroPadChannelsVertex(int, int)}.
 */
public class ZeroPadChannelsVertex extends DataFormatVertex {

  private int stride = 1;
  private int padChannels = 0;

  /** Identity (stride 1, no padding); for JSON. */
  public ZeroPadChannelsVertex() {}

  /**
   * @param stride the subsampling step in height and width, at least 1
   * @param padChannels how many zero channels to append after the input channels, at least 0
   */
  public ZeroPadChannelsVertex(int stride, int padChannels) {
    setStride(stride);
    setPadChannels(padChannels);
  }

  /**
   * @param stride the subsampling step in height and width, at least 1
   * @param padChannels how many zero channels to append after the input channels, at least 0
   * @param dataFormat the layout of the input and the output
   */
  public ZeroPadChannelsVertex(int stride, int padChannels, CNN2DFormat dataFormat) {
    this(stride, padChannels);
    setDataFormat(dataFormat);
  }

  public int getStride() {
    return stride;
  }

  public void setStride(int stride) {
    if (stride < 1) {
      throw new IllegalArgumentException("stride must be >= 1, got " + stride);
    }
    this.stride = stride;
  }

  public int getPadChannels() {
    return padChannels;
  }

  public void setPadChannels(int padChannels) {
    if (padChannels < 0) {
      throw new IllegalArgumentException("padChannels must be >= 0, got " + padChannels);
    }
    this.padChannels = padChannels;
  }

  @Override
  public ZeroPadChannelsVertex clone() {
    return new ZeroPadChannelsVertex(stride, padChannels, getDataFormat());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ZeroPadChannelsVertex other
        && other.stride == stride
        && other.padChannels == padChannels
        && other.getDataFormat() == getDataFormat();
  }

  @Override
  public int hashCode() {
    return (31 * stride + padChannels) * 31 + getDataFormat().hashCode();
  }

  @Override
  public String toString() {
    return "ZeroPadChannelsVertex(stride="
        + stride
        + ", padChannels="
        + padChannels
        + (getDataFormat() == CNN2DFormat.NCHW ? "" : ", " + getDataFormat())
        + ")";
  }

  @Override
  public long numParams(boolean backprop) {
    return 0;
  }

  @Override
  public int minVertexInputs() {
    return 1;
  }

  @Override
  public int maxVertexInputs() {
    return 1;
  }

  @Override
  public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(
      ComputationGraph graph,
      String name,
      int idx,
      INDArray paramsView,
      boolean initializeParams,
      DataType networkDatatype) {
    return new ZeroPadChannelsVertexImpl(
        graph, name, idx, stride, padChannels, getDataFormat(), networkDatatype);
  }

  @Override
  public InputType getOutputType(int layerIndex, InputType... vertexInputs)
      throws InvalidInputTypeException {
    if (vertexInputs.length != 1) {
      throw new InvalidInputTypeException(
          "ZeroPadChannelsVertex takes one input, got " + vertexInputs.length);
    }
    if (!(vertexInputs[0] instanceof InputType.InputTypeConvolutional in)
        || in.getFormat() != getDataFormat()) {
      throw new InvalidInputTypeException(
          "ZeroPadChannelsVertex needs convolutional "
              + getDataFormat()
              + " input, got "
              + vertexInputs[0]);
    }
    return InputType.convolutional(
        ceilDiv(in.getHeight(), stride),
        ceilDiv(in.getWidth(), stride),
        in.getChannels() + padChannels,
        getDataFormat());
  }

  @Override
  public MemoryReport getMemoryReport(InputType... inputTypes) {
    // The output and the input gradient are the only arrays it allocates, and DL4J already counts
    // those as activations and activation gradients; nothing is cached or held as working memory.
    InputType outputType = getOutputType(-1, inputTypes);
    return new LayerMemoryReport.Builder(
            null, ZeroPadChannelsVertex.class, inputTypes[0], outputType)
        .standardMemory(0, 0)
        .workingMemory(0, 0, 0, 0)
        .cacheMemory(0, 0)
        .build();
  }

  static long ceilDiv(long size, long stride) {
    return (size + stride - 1) / stride;
  }
}
