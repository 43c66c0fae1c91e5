package org.skipwire.runtime.conf;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.deeplearning4j.nn.conf.layers.samediff.SDVertexParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffVertex;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.IWeightInit;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.nn.weights.WeightInitXavier;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonIgnore;
import org.skipwire.runtime.impl.HighwayGateVertexImpl;

/**
 * The trainable gate of a highway layer (Srivastava, Greff and Schmidhuber 2015), which DL4J lacks.
 *
 * <p>Two inputs, in this order: {@code x}, the layer's input, and {@code h = H(x)}, the body's
 * output, of the same shape. The output has that shape too:
 *
 * <pre>
 *   y = h * T + x * C
 *   T = sigmoid(W_T x + b_T)                        transform gate
 *   C = 1 - T                                       carry gate, by default
 *   C = sigmoid(W_C x + b_C)                        with {@link Builder#independentCarry(boolean)}
 * </pre>
 *
 * <p>For flat input {@code [N, F]} ({@link #dense(int)}), {@code W x} is {@code x · W} with {@code
 * W} of shape {@code [F, F]} and {@code b} of shape {@code [1, F]}: {@code F*F + F} parameters per
 * gate. For NCHW input {@code [N, C, H, W]} ({@link #conv(int, int)}), {@code W x} is a {@code k x
 * k} convolution, stride 1, zero-padded to keep the size, {@code C -> C} channels, with {@code W}
 * of shape {@code [C, C, k, k]} (DL4J's ConvolutionLayer layout) and {@code b} of shape {@code
 * [C]}: {@code k*k*C*C + C} per gate. The convolutional default kernel is {@value #DEFAULT_KERNEL},
 * as in the paper's convolutional highway networks, whose gates see the same receptive field as the
 * transform; pass 1 for a cheap per-pixel gate.
 *
 * <p>Biases start at {@code gateBias} (default {@value #DEFAULT_GATE_BIAS}), so T is about 0.12 and
 * the layer first carries its input, as the paper recommends for deep highway stacks. The
 * independent carry bias defaults to {@code -gateBias}, so both variants start from the same
 * mixture. Weights use the vertex's {@link IWeightInit} if set, else the network's (the {@code
 * weightInit} of the {@link NeuralNetConfiguration.Builder}), with fan-in and fan-out as DL4J
 * counts them for a dense or convolution layer.
 *
 * <p>Parameter keys are {@value #GATE_WEIGHT}, {@value #GATE_BIAS}, {@value #CARRY_WEIGHT} and
 * {@value #CARRY_BIAS}; they carry no underscore because DL4J splits {@code vertex_key} at the last
 * one.
 *
 * <p>Why a {@link SameDiffVertex} that does not run through SameDiff: it is the one custom vertex
 * type DL4J hands the network's defaults to (updater, regularisation, gradient normalisation,
 * weight init: {@code GraphBuilder} calls {@code applyGlobalConfig} on SameDiffVertex alone), and
 * it implements the {@code TrainingConfig} the updater needs. But in DL4J 1.0.0-M2.1 {@code
 * SameDiffGraphVertex} returns every gradient doubled: its gradient function adds the
 * external-errors placeholder to itself ({@code add[y-grad, y-grad]}), which the gradient check in
 * the tests caught. So {@link #instantiate} returns {@link HighwayGateVertexImpl}, a plain {@code
 * BaseGraphVertex} with a hand-written backward pass; the parameter bookkeeping ({@link
 * SDVertexParams}) is still SameDiffVertex's.
 *
 * <p>The no-argument constructor and the setters exist for DL4J's JSON deserialisation; code should
 * use {@link #dense(int)} or {@link #conv(int, int)}.
 */
public class HighwayGateVertex extends SameDiffVertex {

  /** Transform gate weight, {@code W_T}. */
  public static final String GATE_WEIGHT = "WT";

  /** Transform gate bias, {@code b_T}. */
  public static final String GATE_BIAS = "bT";

  /** Independent carry gate weight, {@code W_C}. */
  public static final String CARRY_WEIGHT = "WC";

  /** Independent carry gate bias, {@code b_C}. */
  public static final String CARRY_BIAS = "bC";

  /** Kernel size of a convolutional gate unless one is given. */
  public static final int DEFAULT_KERNEL = 3;

  /** Initial transform gate bias unless one is given. */
  public static final double DEFAULT_GATE_BIAS = -2.0;

  private static final String X = "x";
  private static final String H = "h";

  private boolean convolutional;
  private int size = 1;
  private int kernel = 1;
  private double gateBias = DEFAULT_GATE_BIAS;
  private boolean independentCarry;
  private double carryBias = -DEFAULT_GATE_BIAS;
  private IWeightInit weightInit;

  /** For JSON; use {@link #dense(int)} or {@link #conv(int, int)}. */
  public HighwayGateVertex() {}

  /** A gate for flat input {@code [N, features]}. */
  public static Builder dense(int features) {
    return new Builder(false, features, 1);
  }

  /** A gate for NCHW input with the given channels and a {@value #DEFAULT_KERNEL}-square kernel. */
  public static Builder conv(int channels) {
    return conv(channels, DEFAULT_KERNEL);
  }

  /** A gate for NCHW input with the given channels and an odd {@code kernel}-square kernel. */
  public static Builder conv(int channels, int kernel) {
    return new Builder(true, channels, kernel);
  }

  /** Settings of a {@link HighwayGateVertex}; start from {@link #dense} or {@link #conv}. */
  public static final class Builder {
    private final boolean convolutional;
    private final int size;
    private final int kernel;
    private double gateBias = DEFAULT_GATE_BIAS;
    private boolean independentCarry;
    private Double carryBias;
    private IWeightInit weightInit;

    private Builder(boolean convolutional, int size, int kernel) {
      this.convolutional = convolutional;
      this.size = size;
      this.kernel = kernel;
    }

    /** Initial value of every {@code b_T}; default {@value #DEFAULT_GATE_BIAS}. */
    public Builder gateBias(double gateBias) {
      this.gateBias = gateBias;
      return this;
    }

    /** Whether C has its own parameters instead of {@code 1 - T}; default false. */
    public Builder independentCarry(boolean independentCarry) {
      this.independentCarry = independentCarry;
      return this;
    }

    /** Initial value of every {@code b_C} with an independent carry; default {@code -gateBias}. */
    public Builder carryBias(double carryBias) {
      this.carryBias = carryBias;
      return this;
    }

    /** Initialisation of the gate weights; default the network's. */
    public Builder weightInit(IWeightInit weightInit) {
      this.weightInit = weightInit;
      return this;
    }

    /** Initialisation of the gate weights; default the network's. */
    public Builder weightInit(WeightInit weightInit) {
      return weightInit(weightInit.getWeightInitFunction());
    }

    public HighwayGateVertex build() {
      HighwayGateVertex v = new HighwayGateVertex();
      v.setConvolutional(convolutional);
      v.setSize(size);
      v.setKernel(kernel);
      v.setGateBias(gateBias);
      v.setIndependentCarry(independentCarry);
      v.setCarryBias(carryBias != null ? carryBias : -gateBias);
      v.setWeightInit(weightInit);
      return v;
    }
  }

  // --- settings, as JSON properties -----------------------------------------------------------

  /** True for NCHW input and convolutional gates, false for flat input and dense gates. */
  public boolean isConvolutional() {
    return convolutional;
  }

  public void setConvolutional(boolean convolutional) {
    this.convolutional = convolutional;
    resetParams();
  }

  /** Features (dense) or channels (convolutional) of x, h and y. */
  public int getSize() {
    return size;
  }

  public void setSize(int size) {
    if (size < 1) {
      throw new IllegalArgumentException("highway gate size must be >= 1, got " + size);
    }
    this.size = size;
    resetParams();
  }

  /** Square kernel of a convolutional gate; 1 for a dense gate. */
  public int getKernel() {
    return kernel;
  }

  public void setKernel(int kernel) {
    if (kernel < 1 || kernel % 2 == 0) {
      // An even kernel cannot keep the size with symmetric padding.
      throw new IllegalArgumentException("highway gate kernel must be odd and >= 1, got " + kernel);
    }
    this.kernel = kernel;
    resetParams();
  }

  public double getGateBias() {
    return gateBias;
  }

  public void setGateBias(double gateBias) {
    this.gateBias = finite("gateBias", gateBias);
  }

  public boolean isIndependentCarry() {
    return independentCarry;
  }

  public void setIndependentCarry(boolean independentCarry) {
    this.independentCarry = independentCarry;
    resetParams();
  }

  public double getCarryBias() {
    return carryBias;
  }

  public void setCarryBias(double carryBias) {
    this.carryBias = finite("carryBias", carryBias);
  }

  /** The vertex's own weight initialisation, or the network's once the graph is built. */
  public IWeightInit getWeightInit() {
    return weightInit;
  }

  public void setWeightInit(IWeightInit weightInit) {
    this.weightInit = weightInit;
  }

  // --- parameters -------------------------------------------------------------------------------

  /**
   * The parameter layout, derived from the settings. Left out of JSON so a stored copy can never
   * disagree with the settings it was derived from.
   */
  @JsonIgnore
  @Override
  public SDVertexParams getVertexParams() {
    return super.getVertexParams();
  }

  @Override
  public void defineParametersAndInputs(SDVertexParams params) {
    params.defineInputs(X, H);
    addGateParams(params, GATE_WEIGHT, GATE_BIAS);
    if (independentCarry) {
      addGateParams(params, CARRY_WEIGHT, CARRY_BIAS);
    }
  }

  private void addGateParams(SDVertexParams params, String weight, String bias) {
    if (convolutional) {
      params.addWeightParam(weight, size, size, kernel, kernel);
      params.addBiasParam(bias, size);
    } else {
      params.addWeightParam(weight, size, size);
      params.addBiasParam(bias, 1, size);
    }
  }

  /**
   * Not used: {@link HighwayGateVertexImpl} computes the gate by hand (see the class comment).
   *
   * @throws UnsupportedOperationException always
   */
  @Override
  public SDVariable defineVertex(
      SameDiff sd,
      Map<String, SDVariable> layerInput,
      Map<String, SDVariable> paramTable,
      Map<String, SDVariable> maskVars) {
    throw new UnsupportedOperationException(
        "HighwayGateVertex runs in HighwayGateVertexImpl, not through SameDiff");
  }

  @Override
  public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(
      ComputationGraph graph,
      String name,
      int idx,
      INDArray paramsView,
      boolean initializeParams,
      DataType networkDatatype) {
    // SameDiffVertex.instantiate sets the name the updater looks the vertex up by; so must we.
    setName(name);
    return new HighwayGateVertexImpl(
        this, graph, name, idx, paramsView, initializeParams, networkDatatype);
  }

  @Override
  public void initializeParameters(Map<String, INDArray> params) {
    IWeightInit init = weightInit != null ? weightInit : new WeightInitXavier();
    // Fan-in and fan-out as DL4J's DenseLayer and ConvolutionLayer (stride 1) count them.
    double fan = (double) size * kernel * kernel;
    long[] shape =
        convolutional ? new long[] {size, size, kernel, kernel} : new long[] {size, size};
    initGate(params, init, fan, shape, GATE_WEIGHT, GATE_BIAS, gateBias);
    if (independentCarry) {
      initGate(params, init, fan, shape, CARRY_WEIGHT, CARRY_BIAS, carryBias);
    }
  }

  private static void initGate(
      Map<String, INDArray> params,
      IWeightInit init,
      double fan,
      long[] shape,
      String weight,
      String bias,
      double biasValue) {
    INDArray w = params.get(weight);
    INDArray filled = init.init(fan, fan, shape, 'c', w);
    // Most initialisers fill the view in place; the rest return a new array to copy in.
    if (filled != w) {
      w.assign(filled.reshape('c', shape));
    }
    params.get(bias).assign(biasValue);
  }

  // --- the rest of DL4J's vertex contract
  // ---------------------------------------------------------

  @Override
  public int minVertexInputs() {
    return 2;
  }

  @Override
  public int maxVertexInputs() {
    return 2;
  }

  @Override
  public InputType getOutputType(int layerIndex, InputType... vertexInputs)
      throws InvalidInputTypeException {
    if (vertexInputs.length != 2) {
      throw new InvalidInputTypeException(
          "HighwayGateVertex takes two inputs (x, h), got " + vertexInputs.length);
    }
    for (InputType in : vertexInputs) {
      if (!fits(in)) {
        throw new InvalidInputTypeException(
            "HighwayGateVertex expects x and h as "
                + expected()
                + ", got "
                + Arrays.toString(vertexInputs));
      }
    }
    if (!vertexInputs[0].equals(vertexInputs[1])) {
      throw new InvalidInputTypeException(
          "HighwayGateVertex needs x and h of one shape, got " + Arrays.toString(vertexInputs));
    }
    return vertexInputs[0];
  }

  private boolean fits(InputType in) {
    if (convolutional) {
      return in instanceof InputType.InputTypeConvolutional c
          && c.getFormat() == CNN2DFormat.NCHW
          && c.getChannels() == size;
    }
    return in instanceof InputType.InputTypeFeedForward f && f.getSize() == size;
  }

  private String expected() {
    return convolutional ? "NCHW [" + size + ", H, W]" : "flat [" + size + "]";
  }

  @Override
  public void validateInput(INDArray[] input) {
    // Checked here because a mismatch would otherwise surface as a libnd4j shape error.
    INDArray x = input[0];
    INDArray h = input[1];
    int rank = convolutional ? 4 : 2;
    if (x.rank() != rank || x.size(1) != size || !Arrays.equals(x.shape(), h.shape())) {
      throw new IllegalStateException(
          getName()
              + ": HighwayGateVertex expects x and h of one shape, "
              + expected()
              + ", got x "
              + Arrays.toString(x.shape())
              + " and h "
              + Arrays.toString(h.shape()));
    }
  }

  @Override
  public Pair<INDArray, MaskState> feedForwardMaskArrays(
      INDArray[] maskArrays, MaskState currentMaskState, int minibatchSize) {
    // y is elementwise in x and h, so it is masked where x is (and h, which comes from x).
    if (maskArrays == null || maskArrays.length == 0 || maskArrays[0] == null) {
      return null;
    }
    return new Pair<>(maskArrays[0], currentMaskState);
  }

  @Override
  public void applyGlobalConfigToLayer(NeuralNetConfiguration.Builder globalConfig) {
    if (weightInit == null) {
      weightInit = globalConfig.getWeightInitFn();
    }
  }

  @Override
  public MemoryReport getMemoryReport(InputType... inputTypes) {
    InputType out = getOutputType(-1, inputTypes);
    long params = numParams(true);
    long updaterState = getUpdater() == null ? 0 : getUpdater().stateSize(params);
    // Per example, beyond the output: each gate's pre-activation and value, then h*T and x*C;
    // training keeps as many again for their gradients.
    int gates = independentCarry ? 2 : 1;
    long perExample = (2L * gates + 2) * out.arrayElementsPerExample();
    return new LayerMemoryReport.Builder(getName(), HighwayGateVertex.class, inputTypes[0], out)
        .standardMemory(params, updaterState)
        .workingMemory(0, perExample, 0, 2 * perExample)
        .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
        .build();
  }

  @Override
  public HighwayGateVertex clone() {
    HighwayGateVertex v = new HighwayGateVertex();
    v.convolutional = convolutional;
    v.size = size;
    v.kernel = kernel;
    v.gateBias = gateBias;
    v.independentCarry = independentCarry;
    v.carryBias = carryBias;
    v.weightInit = weightInit;
    v.setName(getName());
    v.regularization = regularization == null ? null : new ArrayList<>(regularization);
    v.regularizationBias = regularizationBias == null ? null : new ArrayList<>(regularizationBias);
    v.updater = updater == null ? null : updater.clone();
    v.biasUpdater = biasUpdater == null ? null : biasUpdater.clone();
    v.gradientNormalization = gradientNormalization;
    v.gradientNormalizationThreshold = gradientNormalizationThreshold;
    v.dataType = dataType;
    return v;
  }

  /**
   * Equal settings and equal training configuration. The vertex name DL4J assigns and the parameter
   * layout derived from the settings are left out.
   */
  @Override
  public boolean equals(Object o) {
    return o instanceof HighwayGateVertex v
        && v.convolutional == convolutional
        && v.size == size
        && v.kernel == kernel
        && Double.compare(v.gateBias, gateBias) == 0
        && v.independentCarry == independentCarry
        && Double.compare(v.carryBias, carryBias) == 0
        && Objects.equals(v.weightInit, weightInit)
        && Objects.equals(v.regularization, regularization)
        && Objects.equals(v.regularizationBias, regularizationBias)
        && Objects.equals(v.updater, updater)
        && Objects.equals(v.biasUpdater, biasUpdater)
        && v.gradientNormalization == gradientNormalization
        && Double.compare(v.gradientNormalizationThreshold, gradientNormalizationThreshold) == 0
        && v.dataType == dataType;
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        convolutional, size, kernel, gateBias, independentCarry, carryBias, weightInit, updater);
  }

  @Override
  public String toString() {
    return "HighwayGateVertex("
        + (convolutional ? "conv " + kernel + "x" + kernel + ", channels=" : "dense, features=")
        + size
        + ", gateBias="
        + gateBias
        + (independentCarry ? ", independentCarry, carryBias=" + carryBias : "")
        + ")";
  }

  /** The parameter layout follows the settings, so it is recomputed when they change. */
  private void resetParams() {
    setVertexParams(null);
  }

  private static double finite(String name, double value) {
    if (!Double.isFinite(value)) {
      throw new IllegalArgumentException(name + " must be finite, got " + value);
    }
    return value;
  }
}
