package org.skipwire.runtime.conf;

import java.util.Arrays;
import java.util.Collection;
import java.util.Objects;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.InputTypeUtil;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.skipwire.runtime.impl.GroupedConvolutionLayerImpl;
import org.skipwire.runtime.impl.GroupedConvolutionParamInitializer;

/**
 * Grouped 2D convolution (Krizhevsky et al. 2012; ResNeXt's cardinality, Xie et al. 2017), which
 * DL4J 1.0.0-M2.1 lacks: the input channels are split into {@code groups} equal, consecutive
 * slices, each convolved with its own filters into an equal slice of the output channels.
 *
 * <pre>
 *   in:  x [N, nIn, H, W]                 (NCHW only)
 *   out: y [N, nOut, H', W']              H' = floor((H + 2 pH - kH) / sH) + 1, W' likewise
 *   G = groups, Cg = nIn / G, Og = nOut / G
 *   y[n, g Og + o, i, j] = activation(b[g Og + o]
 *       + sum over c < Cg, u < kH, v < kW of W[g Og + o, c, u, v] x[n, g Cg + c, sH i + u - pH, sW j + v - pW])
 * </pre>
 *
 * with x zero outside the image. Weights {@value #WEIGHT_KEY} have shape {@code [nOut, nIn/G, kH,
 * kW]} (DL4J's ConvolutionLayer layout, PyTorch's for groups), bias {@value #BIAS_KEY} {@code
 * [nOut]}: {@code kH kW (nIn/G) nOut} parameters plus {@code nOut} with a bias. {@code groups = 1}
 * is an ordinary convolution, {@code groups = nIn = nOut} a depthwise one.
 *
 * <p>Padding is always the explicit {@link Builder#padding(int, int)} with truncating output size
 * (DL4J's {@code ConvolutionMode.Truncate}); the network's convolution mode does not apply, so a
 * generator writes the padding it means. No dilation. nIn and nOut must be multiples of {@code
 * groups}. Weights use the layer's or network's weight init with fan-in {@code (nIn/G) kH kW} and
 * fan-out {@code (nOut/G) kH kW / (sH sW)}, the connections one unit really has (DL4J's count for
 * {@code groups = 1}).
 *
 * <p>Build with {@code new GroupedConvolutionLayer.Builder(3, 3).stride(1, 1).padding(1,
 * 1).nIn(128).nOut(128).groups(32).hasBias(false).activation(Activation.IDENTITY).build()}. The
 * no-argument constructor and the setters exist for DL4J's JSON deserialisation.
 */
public class GroupedConvolutionLayer extends FeedForwardLayer {

  /** Weight parameter key, as DL4J's convolution layers name it. */
  public static final String WEIGHT_KEY = "W";

  /** Bias parameter key, as DL4J's convolution layers name it. */
  public static final String BIAS_KEY = "b";

  private int[] kernelSize = {3, 3};
  private int[] stride = {1, 1};
  private int[] padding = {0, 0};
  private int groups = 1;
  private boolean hasBias = true;

  /** For JSON; use the {@link Builder}. */
  public GroupedConvolutionLayer() {
    this(new Builder(3, 3));
  }

  private GroupedConvolutionLayer(Builder builder) {
    super(builder);
    setKernelSize(builder.kernelSize);
    setStride(builder.stride);
    setPadding(builder.padding);
    setGroups(builder.groups);
    setHasBias(builder.hasBias);
    checkDivisible();
  }

  // --- settings, as JSON properties -------------------------------------------------------------

  /** {@code [kH, kW]}. */
  public int[] getKernelSize() {
    return kernelSize.clone();
  }

  public void setKernelSize(int[] kernelSize) {
    this.kernelSize = pair("kernelSize", kernelSize, 1);
  }

  /** {@code [sH, sW]}. */
  public int[] getStride() {
    return stride.clone();
  }

  public void setStride(int[] stride) {
    this.stride = pair("stride", stride, 1);
  }

  /** {@code [pH, pW]}, zeros added on each side. */
  public int[] getPadding() {
    return padding.clone();
  }

  public void setPadding(int[] padding) {
    this.padding = pair("padding", padding, 0);
  }

  /** The number of groups G (ResNeXt's cardinality). */
  public int getGroups() {
    return groups;
  }

  public void setGroups(int groups) {
    if (groups < 1) {
      throw new IllegalArgumentException("groups must be >= 1, got " + groups);
    }
    this.groups = groups;
  }

  public boolean isHasBias() {
    return hasBias;
  }

  public void setHasBias(boolean hasBias) {
    this.hasBias = hasBias;
  }

  /** Whether there is a bias; DL4J's name for it. */
  public boolean hasBias() {
    return hasBias;
  }

  private static int[] pair(String name, int[] v, int min) {
    if (v == null || v.length != 2 || v[0] < min || v[1] < min) {
      throw new IllegalArgumentException(
          name + " must be two values >= " + min + ", got " + Arrays.toString(v));
    }
    return v.clone();
  }

  /** nIn and nOut, where known, divide into the groups. */
  private void checkDivisible() {
    if (nIn > 0 && nIn % groups != 0) {
      throw new IllegalArgumentException(
          "grouped convolution "
              + name()
              + ": nIn "
              + nIn
              + " is not divisible by groups "
              + groups);
    }
    if (nOut > 0 && nOut % groups != 0) {
      throw new IllegalArgumentException(
          "grouped convolution "
              + name()
              + ": nOut "
              + nOut
              + " is not divisible by groups "
              + groups);
    }
  }

  private String name() {
    return layerName == null ? "(unnamed)" : layerName;
  }

  /** {@code floor((in + 2 p - k) / s) + 1}, or a clear error where the kernel does not fit. */
  public long outputSize(long in, int dim) {
    long span = in + 2L * padding[dim] - kernelSize[dim];
    if (span < 0) {
      throw new IllegalStateException(
          "grouped convolution "
              + name()
              + ": kernel "
              + kernelSize[dim]
              + " is larger than the padded input "
              + (in + 2L * padding[dim]));
    }
    return span / stride[dim] + 1;
  }

  // --- DL4J layer contract ----------------------------------------------------------------------

  @Override
  public org.deeplearning4j.nn.api.Layer instantiate(
      NeuralNetConfiguration conf,
      Collection<TrainingListener> trainingListeners,
      int layerIndex,
      INDArray layerParamsView,
      boolean initializeParams,
      DataType networkDataType) {
    if (nIn <= 0 || nOut <= 0) {
      throw new IllegalStateException(
          "grouped convolution " + name() + " needs nIn and nOut; got " + nIn + ", " + nOut);
    }
    checkDivisible();
    return LayerWiring.wire(
        new GroupedConvolutionLayerImpl(conf, networkDataType),
        initializer(),
        conf,
        trainingListeners,
        layerIndex,
        layerParamsView,
        initializeParams);
  }

  @Override
  public ParamInitializer initializer() {
    return GroupedConvolutionParamInitializer.getInstance();
  }

  @Override
  public InputType getOutputType(int layerIndex, InputType inputType) {
    InputType.InputTypeConvolutional c = nchw(inputType);
    if (nIn > 0 && c.getChannels() != nIn) {
      throw new IllegalStateException(
          "grouped convolution "
              + name()
              + " has nIn "
              + nIn
              + " but its input "
              + inputType
              + " has "
              + c.getChannels()
              + " channels");
    }
    return InputType.convolutional(
        outputSize(c.getHeight(), 0), outputSize(c.getWidth(), 1), nOut, CNN2DFormat.NCHW);
  }

  @Override
  public void setNIn(InputType inputType, boolean override) {
    if (nIn <= 0 || override) {
      nIn = nchw(inputType).getChannels();
      checkDivisible();
    }
  }

  private InputType.InputTypeConvolutional nchw(InputType inputType) {
    if (inputType instanceof InputType.InputTypeConvolutional c
        && c.getFormat() == CNN2DFormat.NCHW) {
      return c;
    }
    if (inputType instanceof InputType.InputTypeConvolutionalFlat f) {
      return (InputType.InputTypeConvolutional)
          InputType.convolutional(f.getHeight(), f.getWidth(), f.getDepth());
    }
    throw new IllegalStateException(
        "grouped convolution " + name() + " needs NCHW convolutional input, got " + inputType);
  }

  @Override
  public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
    nchw(inputType);
    return InputTypeUtil.getPreProcessorForInputTypeCnnLayers(inputType, getLayerName());
  }

  @Override
  public LayerMemoryReport getMemoryReport(InputType inputType) {
    InputType.InputTypeConvolutional in = nchw(inputType);
    InputType.InputTypeConvolutional out =
        (InputType.InputTypeConvolutional) getOutputType(-1, inputType);
    long params = initializer().numParams(this);
    long updaterState = getIUpdater() == null ? 0 : getIUpdater().stateSize(params);
    // im2col holds every (input channel, kernel offset, output position): one array for all groups.
    long im2col =
        in.getChannels() * kernelSize[0] * kernelSize[1] * out.getHeight() * out.getWidth();
    // Inference: im2col. Training: im2col, its gradient, and a contiguous copy of dL/dz.
    long training = 2 * im2col + out.arrayElementsPerExample();
    return new LayerMemoryReport.Builder(layerName, GroupedConvolutionLayer.class, inputType, out)
        .standardMemory(params, updaterState)
        .workingMemory(0, im2col, 0, training)
        .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
        .build();
  }

  @Override
  public GroupedConvolutionLayer clone() {
    GroupedConvolutionLayer clone = (GroupedConvolutionLayer) super.clone();
    clone.kernelSize = kernelSize.clone();
    clone.stride = stride.clone();
    clone.padding = padding.clone();
    return clone;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof GroupedConvolutionLayer other
        && super.equals(other)
        && Arrays.equals(other.kernelSize, kernelSize)
        && Arrays.equals(other.stride, stride)
        && Arrays.equals(other.padding, padding)
        && other.groups == groups
        && other.hasBias == hasBias;
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        super.hashCode(),
        Arrays.hashCode(kernelSize),
        Arrays.hashCode(stride),
        Arrays.hashCode(padding),
        groups,
        hasBias);
  }

  @Override
  public String toString() {
    return "GroupedConvolutionLayer(name="
        + layerName
        + ", "
        + nIn
        + " -> "
        + nOut
        + ", kernel "
        + Arrays.toString(kernelSize)
        + ", stride "
        + Arrays.toString(stride)
        + ", padding "
        + Arrays.toString(padding)
        + ", groups "
        + groups
        + (hasBias ? "" : ", no bias")
        + ")";
  }

  // DL4J declares build() as <E extends Layer> E build(); a concrete return type is an unchecked
  // override, which javac only lets the class suppress.
  /** Settings of a {@link GroupedConvolutionLayer}. */
  @SuppressWarnings("unchecked")
  public static class Builder extends FeedForwardLayer.Builder<Builder> {

    private int[] kernelSize;
    private int[] stride = {1, 1};
    private int[] padding = {0, 0};
    private int groups = 1;
    private boolean hasBias = true;

    /** A {@code kernelH x kernelW} kernel. */
    public Builder(int kernelH, int kernelW) {
      this.kernelSize = new int[] {kernelH, kernelW};
    }

    /** Step in height and width; default 1, 1. */
    public Builder stride(int strideH, int strideW) {
      this.stride = new int[] {strideH, strideW};
      return this;
    }

    /** Zeros added on each side in height and width; default 0, 0. */
    public Builder padding(int padH, int padW) {
      this.padding = new int[] {padH, padW};
      return this;
    }

    /** The number of groups; nIn and nOut must be multiples of it. Default 1. */
    public Builder groups(int groups) {
      this.groups = groups;
      return this;
    }

    /** Whether to add a bias per output channel; default true. */
    public Builder hasBias(boolean hasBias) {
      this.hasBias = hasBias;
      return this;
    }

    @Override
    public GroupedConvolutionLayer build() {
      return new GroupedConvolutionLayer(this);
    }
  }
}
