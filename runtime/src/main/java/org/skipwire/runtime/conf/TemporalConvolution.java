package org.skipwire.runtime.conf;

import java.util.Collection;
import java.util.Objects;
import org.deeplearning4j.exception.DL4JInvalidConfigException;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.skipwire.runtime.impl.TemporalConvolutionImpl;
import org.skipwire.runtime.impl.TemporalConvolutionParamInitializer;

/**
 * A 1-D convolution over the time steps of an NCW sequence, causal or symmetrically padded, with
 * dilation: the convolution of temporal convolutional networks (WaveNet, Bai et al. 2018). It
 * replaces DL4J's {@code Convolution1DLayer}, whose dilated form fails on skipwire's CPU fast path
 * (see {@link TemporalConvolutionImpl}).
 *
 * <pre>
 *   in:  x [N, nIn, T]                      InputType.recurrent(nIn, T), NCW only
 *   out: y [N, nOut, T']
 *   causal:     L = (k - 1) d zeros on the left, none on the right      T' = ceil(T / s)
 *   symmetric:  L = p zeros on each side            T' = floor((T + 2p - ((k - 1) d + 1)) / s) + 1
 *   y[n, o, t] = activation(b[o] + sum over c < nIn, j < k of W[o, c, j] xpad[n, c, t s + j d])
 * </pre>
 *
 * with {@code xpad} the input after the zeros are added. Causal output step {@code t} (stride 1)
 * depends on input steps {@code t, t - d, ..., t - (k - 1) d} only. Weights {@value #WEIGHT_KEY}
 * have shape {@code [nOut, nIn, k]} (PyTorch's Conv1d layout), bias {@value #BIAS_KEY} {@code
 * [nOut]}: {@code k nIn nOut} parameters plus {@code nOut} with a bias. Weights use the layer's or
 * network's weight init with fan-in {@code k nIn} and fan-out {@code k nOut / s}, as DL4J's
 * convolution layers count them; the bias starts at the bias init (0 unless set).
 *
 * <p>The layer decides its own padding: the network's {@code ConvolutionMode} does not apply. Input
 * other than an NCW sequence is refused when the network is built. A sequence mask {@code [N, T]}
 * zeroes masked output steps, in the output and in the gradient; the output mask is the input mask
 * at each causal output's own step {@code t s} (unchanged for stride 1, as DL4J's causal Conv1D),
 * and for symmetric padding whether any step under the kernel is present (DL4J's rule for Conv1D).
 *
 * <p>Build with {@code new TemporalConvolution.Builder(3).dilation(4).causal(true).nIn(32)
 * .nOut(32).activation(Activation.RELU).build()}; stride 1, dilation 1, non-causal, padding 0 and a
 * bias unless set. The no-argument constructor and the setters exist for DL4J's JSON
 * deserialisation.
 */
public class TemporalConvolution extends FeedForwardLayer {

  /** Weight parameter key, as DL4J's convolution layers name it. */
  public static final String WEIGHT_KEY = "W";

  /** Bias parameter key, as DL4J's convolution layers name it. */
  public static final String BIAS_KEY = "b";

  private int kernelSize = 3;
  private int stride = 1;
  private int dilation = 1;
  private boolean causal;
  private int padding;
  private boolean hasBias = true;

  /** For JSON; use the {@link Builder}. */
  public TemporalConvolution() {
    this(new Builder(3));
  }

  private TemporalConvolution(Builder builder) {
    super(builder);
    setKernelSize(builder.kernelSize);
    setStride(builder.stride);
    setDilation(builder.dilation);
    setCausal(builder.causal);
    setPadding(builder.padding);
    setHasBias(builder.hasBias);
    if (causal && padding != 0) {
      throw new IllegalArgumentException(
          "temporal convolution: causal padding is (k - 1) d zeros on the left, set by the layer;"
              + " padding "
              + padding
              + " applies only with causal(false)");
    }
  }

  // --- settings, as JSON properties -------------------------------------------------------------

  /** The kernel size k, in time steps. */
  public int getKernelSize() {
    return kernelSize;
  }

  public void setKernelSize(int kernelSize) {
    this.kernelSize = atLeast("kernel size", kernelSize, 1);
  }

  /** The step s between output positions, in input time steps. */
  public int getStride() {
    return stride;
  }

  public void setStride(int stride) {
    this.stride = atLeast("stride", stride, 1);
  }

  /** The gap d between the kernel's taps, in time steps; 1 is an ordinary convolution. */
  public int getDilation() {
    return dilation;
  }

  public void setDilation(int dilation) {
    this.dilation = atLeast("dilation", dilation, 1);
  }

  /** Whether the padding is causal: {@code (k - 1) d} zeros on the left, none on the right. */
  public boolean isCausal() {
    return causal;
  }

  public void setCausal(boolean causal) {
    this.causal = causal;
  }

  /** Zeros added on each side when not causal. */
  public int getPadding() {
    return padding;
  }

  public void setPadding(int padding) {
    this.padding = atLeast("padding", padding, 0);
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

  private static int atLeast(String name, int value, int min) {
    if (value < min) {
      throw new IllegalArgumentException(
          "temporal convolution " + name + " must be >= " + min + ", got " + value);
    }
    return value;
  }

  private String name() {
    return layerName == null ? "(unnamed)" : layerName;
  }

  /** Zeros added before the first step: {@code (k - 1) d} when causal, else the padding. */
  public long leftPadding() {
    return causal ? (long) (kernelSize - 1) * dilation : padding;
  }

  /** Zeros added after the last step: none when causal, else the padding. */
  public long rightPadding() {
    return causal ? 0 : padding;
  }

  /**
   * The output length T' for an input of length T (see the class comment), or a clear error where
   * the dilated kernel, {@code (k - 1) d + 1} steps, does not fit the padded input.
   */
  public long outputLength(long length) {
    long padded = leftPadding() + length + rightPadding();
    long span = (long) (kernelSize - 1) * dilation + 1;
    if (length < 1 || padded < span) {
      throw new DL4JInvalidConfigException(
          "temporal convolution "
              + name()
              + ": kernel "
              + kernelSize
              + " with dilation "
              + dilation
              + " spans "
              + span
              + " steps, more than the padded input of "
              + padded
              + " (length "
              + length
              + "); pad more, or use causal(true)");
    }
    return (padded - span) / stride + 1;
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
          "temporal convolution "
              + name()
              + " needs nIn and nOut (set them, or give the network input types); got "
              + nIn
              + ", "
              + nOut);
    }
    return LayerWiring.wire(
        new TemporalConvolutionImpl(conf, networkDataType),
        initializer(),
        conf,
        trainingListeners,
        layerIndex,
        layerParamsView,
        initializeParams);
  }

  @Override
  public ParamInitializer initializer() {
    return TemporalConvolutionParamInitializer.getInstance();
  }

  @Override
  public InputType getOutputType(int layerIndex, InputType inputType) {
    InputType.InputTypeRecurrent r = ncw(inputType);
    if (nIn > 0 && r.getSize() != nIn) {
      throw new DL4JInvalidConfigException(
          "temporal convolution "
              + name()
              + " has nIn "
              + nIn
              + " but its input "
              + inputType
              + " has "
              + r.getSize()
              + " channels");
    }
    long length = r.getTimeSeriesLength();
    return length > 0 ? InputType.recurrent(nOut, outputLength(length)) : InputType.recurrent(nOut);
  }

  @Override
  public void setNIn(InputType inputType, boolean override) {
    if (nIn <= 0 || override) {
      nIn = ncw(inputType).getSize();
    }
  }

  /** None: the input must already be an NCW sequence. */
  @Override
  public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
    ncw(inputType);
    return null;
  }

  private InputType.InputTypeRecurrent ncw(InputType inputType) {
    if (inputType instanceof InputType.InputTypeRecurrent r && r.getFormat() == RNNFormat.NCW) {
      return r;
    }
    throw new DL4JInvalidConfigException(
        "temporal convolution "
            + name()
            + " needs an NCW sequence [N, C, T], InputType.recurrent(C, T), got "
            + inputType
            + "; reshape the input to a sequence first");
  }

  @Override
  public LayerMemoryReport getMemoryReport(InputType inputType) {
    InputType.InputTypeRecurrent in = ncw(inputType);
    InputType out = getOutputType(-1, inputType);
    long length = Math.max(in.getTimeSeriesLength(), 1);
    long params = initializer().numParams(this);
    long updaterState = getIUpdater() == null ? 0 : getIUpdater().stateSize(params);
    // Per example: the padded input and its phase-major copy, the convolution's output and its
    // time-major copy (TemporalConvolutionImpl), each at most the padded length rounded up to a
    // multiple of d. Training holds as many again for the gradients.
    long padded = leftPadding() + length + rightPadding() + dilation - 1;
    long inference = 2 * (nIn + nOut) * padded;
    long training = 2 * inference;
    return new LayerMemoryReport.Builder(layerName, TemporalConvolution.class, inputType, out)
        .standardMemory(params, updaterState)
        .workingMemory(0, inference, 0, training)
        .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
        .build();
  }

  @Override
  public TemporalConvolution clone() {
    return (TemporalConvolution) super.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TemporalConvolution other
        && super.equals(other)
        && other.kernelSize == kernelSize
        && other.stride == stride
        && other.dilation == dilation
        && other.causal == causal
        && other.padding == padding
        && other.hasBias == hasBias;
  }

  @Override
  public int hashCode() {
    return Objects.hash(super.hashCode(), kernelSize, stride, dilation, causal, padding, hasBias);
  }

  @Override
  public String toString() {
    return "TemporalConvolution(name="
        + layerName
        + ", "
        + nIn
        + " -> "
        + nOut
        + ", kernel "
        + kernelSize
        + ", stride "
        + stride
        + ", dilation "
        + dilation
        + (causal ? ", causal" : ", padding " + padding)
        + (hasBias ? "" : ", no bias")
        + ")";
  }

  // DL4J declares build() as <E extends Layer> E build(); a concrete return type is an unchecked
  // override, which javac only lets the class suppress.
  /** Settings of a {@link TemporalConvolution}. */
  @SuppressWarnings("unchecked")
  public static class Builder extends FeedForwardLayer.Builder<Builder> {

    private final int kernelSize;
    private int stride = 1;
    private int dilation = 1;
    private boolean causal;
    private int padding;
    private boolean hasBias = true;

    /** A kernel of {@code kernelSize} time steps. */
    public Builder(int kernelSize) {
      this.kernelSize = kernelSize;
    }

    /** Step between output positions; default 1. */
    public Builder stride(int stride) {
      this.stride = stride;
      return this;
    }

    /** Gap between the kernel's taps; default 1. */
    public Builder dilation(int dilation) {
      this.dilation = dilation;
      return this;
    }

    /**
     * Causal padding, {@code (k - 1) d} zeros on the left and none on the right, instead of {@link
     * #padding(int)}; default false.
     */
    public Builder causal(boolean causal) {
      this.causal = causal;
      return this;
    }

    /** Zeros added on each side, when not causal; default 0. */
    public Builder padding(int padding) {
      this.padding = padding;
      return this;
    }

    /** Whether to add a bias per output channel; default true. */
    public Builder hasBias(boolean hasBias) {
      this.hasBias = hasBias;
      return this;
    }

    @Override
    public TemporalConvolution build() {
      return new TemporalConvolution(this);
    }
  }
}
