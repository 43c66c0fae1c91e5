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
import org.skipwire.runtime.impl.GroupNormalizationImpl;

/**
 * Group normalisation (Wu and He 2018) over groups of channels, as a layer (DL4J 1.0.0-M2.1 has
 * none). It is what {@code torch.nn.GroupNorm(groups, C, eps)} computes: the C channels are split
 * into {@code groups} consecutive groups of {@code C / groups}, and every (example, group) is
 * normalised over its channels and all its positions, independently of the other examples and the
 * same in training and inference (no running statistics, so it works with batches of one):
 *
 * <pre>
 *   input  [N, C]          one group = C/G features           (flat input)
 *          [N, C, T]       one group = C/G channels x T steps (NCW sequences)
 *          [N, C, H, W]    one group = C/G channels x H x W   (NCHW maps)
 *
 *   mu    = mean of x over the group
 *   var   = mean of (x - mu)^2 over the group         biased, as in the paper and PyTorch
 *   xhat  = (x - mu) / sqrt(var + eps)
 *   y_c   = activation(gamma_c * xhat_c + beta_c)     per channel; activation default identity
 * </pre>
 *
 * <p>One group is layer norm over (C, positions); C groups is instance norm. Parameters: {@value
 * #GAMMA} (initialised to 1) and {@value #BETA} (initialised to 0), each {@code [C]}: {@code 2C} in
 * all, without regularisation (as DL4J's batch norm). Channels-last formats are rejected rather
 * than normalised over the wrong axis.
 *
 * <p>A sequence mask {@code [N, T]} takes masked steps out of the statistics (a padded sequence is
 * normalised as if it were its unpadded length) and zeroes them in the output and the gradient.
 *
 * <p>Build with {@code new GroupNormalization.Builder().groups(32).eps(1e-5).build()}; {@code nIn}
 * comes from the input type when left out and must divide by {@code groups}.
 */
public class GroupNormalization extends FeedForwardLayer {

  /** The scale parameter, {@code [C]} (PyTorch's {@code weight}). */
  public static final String GAMMA = "gamma";

  /** The shift parameter, {@code [C]} (PyTorch's {@code bias}). */
  public static final String BETA = "beta";

  /** The variance offset unless one is given, PyTorch's default. */
  public static final double DEFAULT_EPS = 1e-5;

  private double eps = DEFAULT_EPS;
  private int groups = 1;

  /** For JSON; use the {@link Builder}. */
  public GroupNormalization() {
    this(new Builder());
  }

  private GroupNormalization(Builder builder) {
    super(builder);
    setEps(builder.eps);
    setGroups(builder.groups);
    if (nOut > 0 && nIn > 0 && nOut != nIn) {
      throw new IllegalArgumentException(
          "group norm keeps its size: nOut " + nOut + " must equal nIn " + nIn);
    }
    if (nOut <= 0) {
      nOut = nIn;
    }
    if (nIn > 0) {
      requireDivisible(nIn);
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

  /** The number of channel groups, {@code >= 1}; the channels divide by it. */
  public int getGroups() {
    return groups;
  }

  public void setGroups(int groups) {
    if (groups < 1) {
      throw new IllegalArgumentException("groups must be at least 1, got " + groups);
    }
    this.groups = groups;
  }

  private void requireDivisible(long channels) {
    if (channels % groups != 0) {
      throw new IllegalStateException(
          "group norm "
              + getLayerName()
              + ": "
              + channels
              + " channels do not divide into "
              + groups
              + " groups");
    }
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
        new GroupNormalizationImpl(conf, networkDataType),
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
          "group norm "
              + getLayerName()
              + " needs nIn = nOut > 0 (set nIn, or give the network input types); got nIn "
              + nIn
              + ", nOut "
              + nOut);
    }
    requireDivisible(nIn);
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
          "group norm "
              + getLayerName()
              + " has "
              + nIn
              + " channels but its input "
              + inputType
              + " has "
              + size);
    }
    requireDivisible(size);
    return inputType;
  }

  @Override
  public void setNIn(InputType inputType, boolean override) {
    long size = size(inputType);
    if (nIn <= 0 || override) {
      requireDivisible(size);
      nIn = size;
      nOut = size;
    }
  }

  /** Channels of a supported input type; fails on any other. */
  private long size(InputType inputType) {
    return NormalisedInput.channels(inputType, "group norm " + getLayerName());
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
    // Inference: a contiguous copy of the input, centred and scaled in place, then the affine
    // output. Training adds the gradient's temporaries (dxhat, dxhat * xhat, the recomputed z).
    return new LayerMemoryReport.Builder(layerName, GroupNormalization.class, inputType, out)
        .standardMemory(params, updaterState)
        .workingMemory(0, 2 * perExample, 0, 5 * perExample)
        .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
        .build();
  }

  @Override
  public GroupNormalization clone() {
    return (GroupNormalization) super.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof GroupNormalization other
        && super.equals(other)
        && Double.compare(other.eps, eps) == 0
        && other.groups == groups;
  }

  @Override
  public int hashCode() {
    return Objects.hash(super.hashCode(), eps, groups);
  }

  @Override
  public String toString() {
    return "GroupNormalization(nIn="
        + nIn
        + ", groups="
        + groups
        + ", eps="
        + eps
        + ", name="
        + layerName
        + ")";
  }

  // DL4J declares build() as <E extends Layer> E build(); a concrete return type is an unchecked
  // override, which javac only lets the class suppress.
  /** Settings of a {@link GroupNormalization}. */
  @SuppressWarnings("unchecked")
  public static class Builder extends FeedForwardLayer.Builder<Builder> {

    private double eps = DEFAULT_EPS;
    private int groups = 1;

    public Builder() {
      // Identity unless asked: the network-wide default activation (sigmoid, unless set) has no
      // business after a normalisation.
      this.activationFn = new ActivationIdentity();
    }

    /** The number of channel groups; default 1 (layer norm over channels and positions). */
    public Builder groups(int groups) {
      this.groups = groups;
      return this;
    }

    /** The offset added to the variance; default {@value #DEFAULT_EPS}. */
    public Builder eps(double eps) {
      this.eps = eps;
      return this;
    }

    @Override
    public GroupNormalization build() {
      return new GroupNormalization(this);
    }
  }
}
