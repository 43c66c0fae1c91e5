package org.skipwire.runtime.conf;

import java.util.Collection;
import java.util.List;
import java.util.Objects;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.skipwire.runtime.impl.ChannelAffineParamInitializer;
import org.skipwire.runtime.impl.LayerNormalizationImpl;

/**
 * Layer normalisation (Ba, Kiros and Hinton 2016) over the feature or channel dimension, as a layer
 * of its own (DL4J 1.0.0-M2.1 has it only as an option inside DenseLayer and SimpleRnn).
 *
 * <p>Every position is normalised over its C features, independently of the other examples and
 * positions, the same in training and inference:
 *
 * <pre>
 *   input  [N, C]          one position per example (flat input)
 *          [N, C, T]       one per (n, t)            (NCW sequences: transformer, temporal conv)
 *          [N, C, H, W]    one per (n, h, w)         (NCHW maps)
 *
 *   mu    = (1/C) sum_c x_c
 *   var   = (1/C) sum_c (x_c - mu)^2                  biased, as in the paper and PyTorch
 *   xhat  = (x - mu) / sqrt(var + eps)
 *   y_c   = activation(gamma_c * xhat_c + beta_c)     activation default identity
 * </pre>
 *
 * <p>Parameters: {@value #GAMMA} (initialised to 1) and {@value #BETA} (initialised to 0), each of
 * shape {@code [C]}: {@code 2C} in all. Like DL4J's batch norm they take no regularisation (no l2,
 * no weight decay) and use the layer's updater. The output has the input's type. Channels-last
 * formats (NWC, NHWC) are rejected rather than normalised over the wrong axis.
 *
 * <p>A sequence mask {@code [N, T]} zeroes masked steps in the output and in the gradient, as
 * DL4J's Conv1D does; the other positions are unaffected by masked ones, which LN never mixes in.
 *
 * <p>Build with {@code new LayerNormalization.Builder().nIn(c).nOut(c).eps(1e-5).build()}; {@code
 * nIn} is filled in from the input type when left out, and {@code nOut}, if given, must equal it.
 * The no-argument constructor and the setters exist for DL4J's JSON deserialisation.
 */
public class LayerNormalization extends FeedForwardLayer {

  /** The scale parameter, {@code [C]}. */
  public static final String GAMMA = "gamma";

  /** The shift parameter, {@code [C]}. */
  public static final String BETA = "beta";

  /** The variance offset unless one is given, PyTorch's default. */
  public static final double DEFAULT_EPS = 1e-5;

  private double eps = DEFAULT_EPS;

  /** For JSON; use the {@link Builder}. */
  public LayerNormalization() {
    this(new Builder());
  }

  private LayerNormalization(Builder builder) {
    super(builder);
    setEps(builder.eps);
    if (nOut > 0 && nIn > 0 && nOut != nIn) {
      throw new IllegalArgumentException(
          "layer norm keeps its size: nOut " + nOut + " must equal nIn " + nIn);
    }
    if (nOut <= 0) {
      nOut = nIn;
    }
  }

  /** The offset added to the variance, {@code > 0}. */
  public double getEps() {
    return eps;
  }

  public void setEps(double eps) {
    if (!(eps > 0) || Double.isInfinite(eps)) {
      throw new IllegalArgumentException("eps must be positive and finite, got " + eps);
    }
    this.eps = eps;
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
    requireSize();
    return LayerWiring.wire(
        new LayerNormalizationImpl(conf, networkDataType),
        initializer(),
        conf,
        trainingListeners,
        layerIndex,
        layerParamsView,
        initializeParams);
  }

  private void requireSize() {
    if (nIn <= 0 || nOut != nIn) {
      throw new IllegalStateException(
          "layer norm "
              + getLayerName()
              + " needs nIn = nOut > 0 (set nIn, or give the network input types); got nIn "
              + nIn
              + ", nOut "
              + nOut);
    }
  }

  @Override
  public ParamInitializer initializer() {
    return ChannelAffineParamInitializer.getInstance();
  }

  @Override
  public InputType getOutputType(int layerIndex, InputType inputType) {
    long size = size(inputType);
    if (nIn > 0 && size != nIn) {
      throw new IllegalStateException(
          "layer norm "
              + getLayerName()
              + " has "
              + nIn
              + " features but its input "
              + inputType
              + " has "
              + size);
    }
    return inputType;
  }

  @Override
  public void setNIn(InputType inputType, boolean override) {
    long size = size(inputType);
    if (nIn <= 0 || override) {
      nIn = size;
      nOut = size;
    }
  }

  /** Features per position of a supported input type; fails on any other. */
  private long size(InputType inputType) {
    return NormalisedInput.channels(inputType, "layer norm " + getLayerName());
  }

  /** None: flat, sequence and map input are all normalised as they come. */
  @Override
  public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
    size(inputType);
    return null;
  }

  /** None, as for DL4J's batch norm: gamma and beta are few and scale-like. */
  @Override
  public List<Regularization> getRegularizationByParam(String paramName) {
    return null;
  }

  @Override
  public boolean isPretrainParam(String paramName) {
    return false;
  }

  @Override
  public LayerMemoryReport getMemoryReport(InputType inputType) {
    InputType out = getOutputType(-1, inputType);
    long params = initializer().numParams(this);
    long updaterState = getIUpdater() == null ? 0 : getIUpdater().stateSize(params);
    long perExample = out.arrayElementsPerExample();
    // Inference: the centred input, normalised in place, then the affine output. Training adds the
    // gradient's own temporaries (dxhat, dxhat * xhat), each the input's size.
    return new LayerMemoryReport.Builder(layerName, LayerNormalization.class, inputType, out)
        .standardMemory(params, updaterState)
        .workingMemory(0, perExample, 0, 3 * perExample)
        .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
        .build();
  }

  @Override
  public LayerNormalization clone() {
    return (LayerNormalization) super.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LayerNormalization other
        && super.equals(other)
        && Double.compare(other.eps, eps) == 0;
  }

  @Override
  public int hashCode() {
    return Objects.hash(super.hashCode(), eps);
  }

  @Override
  public String toString() {
    return "LayerNormalization(nIn=" + nIn + ", eps=" + eps + ", name=" + layerName + ")";
  }

  // DL4J declares build() as <E extends Layer> E build(); a concrete return type is an unchecked
  // override, which javac only lets the class suppress.
  /** Settings of a {@link LayerNormalization}. */
  @SuppressWarnings("unchecked")
  public static class Builder extends FeedForwardLayer.Builder<Builder> {

    private double eps = DEFAULT_EPS;

    public Builder() {
      // Identity unless asked: the network-wide default activation (sigmoid, unless set) has no
      // business after a normalisation.
      this.activationFn = new ActivationIdentity();
    }

    /** The offset added to the variance; default {@value #DEFAULT_EPS}. */
    public Builder eps(double eps) {
      this.eps = eps;
      return this;
    }

    @Override
    public LayerNormalization build() {
      return new LayerNormalization(this);
    }
  }
}
