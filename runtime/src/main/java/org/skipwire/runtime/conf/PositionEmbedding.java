package org.skipwire.runtime.conf;

import java.util.Collection;
import java.util.List;
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
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.skipwire.runtime.impl.PositionEmbeddingImpl;
import org.skipwire.runtime.impl.PositionEmbeddingParamInitializer;

/**
 * A learned absolute position embedding (BERT, ViT): adds a trainable vector to every time step of
 * an NCW sequence, one vector per position.
 *
 * <pre>
 *   input  x  [N, C, T]      InputType.recurrent(C, T), T fixed at configuration
 *   y[n, c, t] = activation(x[n, c, t] + P[c, t])      activation default identity
 * </pre>
 *
 * <p>Parameter: {@value #EMBEDDING}, {@code [C, T]}, so {@code C * T} in all. It starts from a
 * normal distribution with mean 0 and standard deviation {@link Builder#initStd(double)} (default
 * {@value #DEFAULT_INIT_STD}, as BERT and ViT), drawn from ND4J's generator, which the network's
 * seed sets; the network-wide weight init is ignored, since no fan-in rule fits an additive table.
 * Like {@link LayerNormalization}'s parameters it is neither weight nor bias to DL4J: no l1, l2 or
 * weight decay (timm excludes ViT's position embedding from weight decay too), the layer's updater.
 *
 * <p>The length T is part of the configuration: input of another length, of another size, channels
 * last (NWC) or not a sequence at all is refused when the network is built. A sequence mask passes
 * through to the layers above unchanged and does not change this layer's output.
 *
 * <p>Build with {@code new PositionEmbedding.Builder().nIn(128).length(28).build()}; {@code nIn}
 * and {@code length} are filled in from the input type when left out, and {@code nOut}, if given,
 * must equal {@code nIn}. The no-argument constructor and the setters exist for DL4J's JSON
 * deserialisation.
 */
public class PositionEmbedding extends FeedForwardLayer {

  /** The embedding table, {@code [C, T]}. */
  public static final String EMBEDDING = "P";

  /** Standard deviation of the initial embedding unless one is given, as BERT and ViT. */
  public static final double DEFAULT_INIT_STD = 0.02;

  private long length;
  private double initStd = DEFAULT_INIT_STD;

  /** For JSON; use the {@link Builder}. */
  public PositionEmbedding() {
    this(new Builder());
  }

  private PositionEmbedding(Builder builder) {
    super(builder);
    setLength(builder.length);
    setInitStd(builder.initStd);
    if (nOut > 0 && nIn > 0 && nOut != nIn) {
      throw new IllegalArgumentException(
          "position embedding keeps its size: nOut " + nOut + " must equal nIn " + nIn);
    }
    if (nOut <= 0) {
      nOut = nIn;
    }
  }

  /** The sequence length T, or 0 until the input type gives it. */
  public long getLength() {
    return length;
  }

  public void setLength(long length) {
    if (length < 0) {
      throw new IllegalArgumentException("position embedding length must be >= 0, got " + length);
    }
    this.length = length;
  }

  /** Standard deviation of the initial embedding, {@code >= 0}. */
  public double getInitStd() {
    return initStd;
  }

  public void setInitStd(double initStd) {
    if (!(initStd >= 0) || Double.isInfinite(initStd)) {
      throw new IllegalArgumentException(
          "position embedding initStd must be >= 0 and finite, got " + initStd);
    }
    this.initStd = initStd;
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
        new PositionEmbeddingImpl(conf, networkDataType),
        initializer(),
        conf,
        trainingListeners,
        layerIndex,
        layerParamsView,
        initializeParams);
  }

  private void requireSize() {
    if (nIn <= 0 || nOut != nIn || length <= 0) {
      throw new IllegalStateException(
          "position embedding "
              + getLayerName()
              + " needs nIn = nOut > 0 and length > 0 (set them, or give the network input"
              + " types); got nIn "
              + nIn
              + ", nOut "
              + nOut
              + ", length "
              + length);
    }
  }

  @Override
  public ParamInitializer initializer() {
    return PositionEmbeddingParamInitializer.getInstance();
  }

  @Override
  public InputType getOutputType(int layerIndex, InputType inputType) {
    InputType.InputTypeRecurrent r = check(inputType);
    return InputType.recurrent(r.getSize(), r.getTimeSeriesLength());
  }

  @Override
  public void setNIn(InputType inputType, boolean override) {
    InputType.InputTypeRecurrent r = check(inputType);
    if (nIn <= 0 || override) {
      nIn = r.getSize();
      nOut = r.getSize();
    }
    if (length <= 0 || override) {
      length = r.getTimeSeriesLength();
    }
  }

  /** None: the input must already be the sequence the table was made for. */
  @Override
  public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
    check(inputType);
    return null;
  }

  /**
   * The input type as an NCW sequence of a known length that matches the settings made so far;
   * fails naming both shapes otherwise.
   */
  private InputType.InputTypeRecurrent check(InputType inputType) {
    if (!(inputType instanceof InputType.InputTypeRecurrent r)
        || r.getFormat() != RNNFormat.NCW
        || r.getTimeSeriesLength() <= 0) {
      throw new DL4JInvalidConfigException(
          "position embedding "
              + getLayerName()
              + " needs an NCW sequence of fixed length, InputType.recurrent(C, T), got "
              + inputType);
    }
    boolean sizeFits = nIn <= 0 || r.getSize() == nIn;
    boolean lengthFits = length <= 0 || r.getTimeSeriesLength() == length;
    if (!sizeFits || !lengthFits) {
      throw new DL4JInvalidConfigException(
          "position embedding "
              + getLayerName()
              + " was made for [N, "
              + (nIn > 0 ? nIn : r.getSize())
              + ", "
              + (length > 0 ? length : r.getTimeSeriesLength())
              + "] but its input is [N, "
              + r.getSize()
              + ", "
              + r.getTimeSeriesLength()
              + "]; its parameters are one vector per position, so the length cannot change");
    }
    return r;
  }

  /** None, as for {@link LayerNormalization}: see the class comment. */
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
    return new LayerMemoryReport.Builder(layerName, PositionEmbedding.class, inputType, out)
        .standardMemory(params, updaterState)
        .workingMemory(0, 0, 0, perExample)
        .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
        .build();
  }

  @Override
  public PositionEmbedding clone() {
    return (PositionEmbedding) super.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PositionEmbedding other
        && super.equals(other)
        && length == other.length
        && Double.compare(other.initStd, initStd) == 0;
  }

  @Override
  public int hashCode() {
    return Objects.hash(super.hashCode(), length, initStd);
  }

  @Override
  public String toString() {
    return "PositionEmbedding(nIn="
        + nIn
        + ", length="
        + length
        + ", initStd="
        + initStd
        + ", name="
        + layerName
        + ")";
  }

  // DL4J declares build() as <E extends Layer> E build(); a concrete return type is an unchecked
  // override, which javac only lets the class suppress.
  /** Settings of a {@link PositionEmbedding}. */
  @SuppressWarnings("unchecked")
  public static class Builder extends FeedForwardLayer.Builder<Builder> {

    private long length;
    private double initStd = DEFAULT_INIT_STD;

    public Builder() {
      // Identity unless asked: the network-wide default activation (sigmoid, unless set) has no
      // business on an embedding sum.
      this.activationFn = new ActivationIdentity();
    }

    /** The sequence length T; default from the input type. */
    public Builder length(long length) {
      this.length = length;
      return this;
    }

    /** Standard deviation of the initial embedding; default {@value #DEFAULT_INIT_STD}. */
    public Builder initStd(double initStd) {
      this.initStd = initStd;
      return this;
    }

    @Override
    public PositionEmbedding build() {
      return new PositionEmbedding(this);
    }
  }
}
