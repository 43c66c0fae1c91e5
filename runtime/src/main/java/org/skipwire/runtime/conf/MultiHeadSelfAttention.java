package org.skipwire.runtime.conf;

import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import org.deeplearning4j.exception.DL4JInvalidConfigException;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.controlflow.compat.StopGradient;
import org.nd4j.linalg.factory.Nd4j;
import org.skipwire.runtime.impl.MultiHeadSelfAttentionImpl;

/**
 * Multi-head scaled dot-product self-attention (Vaswani et al. 2017) over the time steps of a
 * sequence, with exact gradients. The math is that of DL4J's {@code SelfAttentionLayer} with {@code
 * projectInput(true)}: the same ND4J op, parameter names and shapes.
 *
 * <pre>
 *   input  x  [N, nIn, T]      NCW, InputType.recurrent(nIn, T)
 *   output y  [N, nOut, T]     InputType.recurrent(nOut, T)
 *
 *   for each head h (headSize = nOut / nHeads):
 *     Q_h = Wq[h] x,  K_h = Wk[h] x,  V_h = Wv[h] x                   [N, headSize, T]
 *     A_h = softmax over s of (Q_h[:, :, t] . K_h[:, :, s]) / sqrt(headSize)
 *     O_h[:, :, t] = sum_s A_h[t, s] V_h[:, :, s]
 *   y = Wo^T concat_h(O_h)
 * </pre>
 *
 * <p>Parameters, no biases: {@value #QUERY_WEIGHT}, {@value #KEY_WEIGHT}, {@value #VALUE_WEIGHT},
 * each {@code [nHeads, headSize, nIn]}, and {@value #OUT_WEIGHT}, {@code [nHeads * headSize,
 * nOut]}: {@code 3 * nHeads * headSize * nIn + nHeads * headSize * nOut} in all, which is {@code 4
 * d^2} for {@code nIn = nOut = d} ({@link #numParams(long, long, int)}). They are weights to DL4J,
 * so the layer's l1, l2 and weight decay apply to all four. Initialisation is the layer's {@link
 * WeightInit} (default XAVIER, as for every DL4J {@code SameDiffLayer}; the network-wide weight
 * init does not reach a SameDiffLayer), with fan-in {@code nIn} and fan-out {@code headSize} for
 * the input projections and {@code nHeads * headSize} to {@code nOut} for the output one, as DL4J's
 * layer does.
 *
 * <p>It runs as {@link MultiHeadSelfAttentionImpl}, a hand-written forward and backward pass on
 * ND4J matrix products, not through SameDiff: DL4J runs a {@code SameDiffLayer} through a SameDiff
 * session that copies its input and gradients and re-associates its arrays on every call, which
 * kept the transformer sample at a small fraction of PyTorch's speed. The class stays a {@code
 * SameDiffLayer} so that its JSON, its parameter keys and their layout (DL4J's {@code
 * SameDiffParamInitializer}) are those of every configuration and checkpoint written before; {@link
 * #defineLayer} is the SameDiff definition of the same math, which {@code
 * -Dskipwire.attention=samediff} ({@link #IMPLEMENTATION_PROPERTY}) runs instead, for comparisons.
 *
 * <p>Why not DL4J's layer: in DL4J 1.0.0-M2.1 a {@code SameDiffLayer}'s backward pass returns every
 * gradient doubled, its parameters' and the one it hands to the layers below, the same defect as in
 * {@code SameDiffGraphVertex} (see {@link HighwayGateVertex}); {@code
 * Dl4jSelfAttentionGradientTest} is the canary that shows it on {@code SelfAttentionLayer}. {@link
 * #defineLayer} therefore returns {@code out / 2 + stopGradient(out) / 2}, which has the value of
 * {@code out} and half its gradient. When the canary fails after a DL4J upgrade, the halving must
 * go.
 *
 * <p>Masks: sequences are expected to be of fixed length. A {@code [N, T]} mask, if one is given,
 * keeps masked steps from being attended to, as in DL4J's layer; without one (DL4J then passes a
 * mask of ones) every step attends to every step.
 *
 * <p>Build with {@code new MultiHeadSelfAttention.Builder().nIn(128).nOut(128).nHeads(4).build()};
 * {@code nIn} is filled in from the input type when left out. The no-argument constructor and the
 * setters exist for DL4J's JSON deserialisation.
 */
public class MultiHeadSelfAttention extends SameDiffLayer {

  /** Query projections, {@code [nHeads, headSize, nIn]}; DL4J's name. */
  public static final String QUERY_WEIGHT = "Wq";

  /** Key projections, {@code [nHeads, headSize, nIn]}. */
  public static final String KEY_WEIGHT = "Wk";

  /** Value projections, {@code [nHeads, headSize, nIn]}. */
  public static final String VALUE_WEIGHT = "Wv";

  /** Output projection, {@code [nHeads * headSize, nOut]}. */
  public static final String OUT_WEIGHT = "Wo";

  /**
   * System property: {@code samediff} runs the layer through DL4J's SameDiff layer machinery and
   * {@link #defineLayer}, as before the hand-written implementation; anything else, or unset, runs
   * {@link MultiHeadSelfAttentionImpl}. Read when a network is initialised.
   */
  public static final String IMPLEMENTATION_PROPERTY = "skipwire.attention";

  private long nIn;
  private long nOut;
  private int nHeads;

  /** For JSON; use the {@link Builder}. */
  public MultiHeadSelfAttention() {}

  private MultiHeadSelfAttention(Builder builder) {
    super(builder);
    this.nIn = builder.nIn;
    this.nOut = builder.nOut;
    this.nHeads = builder.nHeads;
  }

  /**
   * Parameters of a layer with these sizes: {@code 3 * nHeads * headSize * nIn + nHeads * headSize
   * * nOut}, with {@code headSize = nOut / nHeads}.
   */
  public static long numParams(long nIn, long nOut, int nHeads) {
    long projected = (long) nHeads * (nOut / nHeads);
    return 3 * projected * nIn + projected * nOut;
  }

  public long getNIn() {
    return nIn;
  }

  public void setNIn(long nIn) {
    this.nIn = nIn;
  }

  public long getNOut() {
    return nOut;
  }

  public void setNOut(long nOut) {
    this.nOut = nOut;
  }

  public int getNHeads() {
    return nHeads;
  }

  public void setNHeads(int nHeads) {
    this.nHeads = nHeads;
  }

  /** {@code nOut / nHeads}, the size of each head's queries, keys and values. */
  public long headSize() {
    return nOut / nHeads;
  }

  // --- DL4J layer contract ----------------------------------------------------------------------

  @Override
  public void defineParameters(SDLayerParams params) {
    requireSizes();
    long headSize = headSize();
    params.clear();
    params.addWeightParam(QUERY_WEIGHT, nHeads, headSize, nIn);
    params.addWeightParam(KEY_WEIGHT, nHeads, headSize, nIn);
    params.addWeightParam(VALUE_WEIGHT, nHeads, headSize, nIn);
    params.addWeightParam(OUT_WEIGHT, nHeads * headSize, nOut);
  }

  private void requireSizes() {
    if (nIn <= 0 || nOut <= 0 || nHeads <= 0 || nOut % nHeads != 0) {
      throw new IllegalStateException(
          "multi-head attention "
              + getLayerName()
              + " needs nIn > 0 (set it, or give the network input types) and nOut a positive"
              + " multiple of nHeads; got nIn "
              + nIn
              + ", nOut "
              + nOut
              + ", nHeads "
              + nHeads);
    }
  }

  @Override
  public void initializeParameters(Map<String, INDArray> params) {
    // Out of any workspace, as DL4J's SelfAttentionLayer: the arrays are views of the parameters.
    try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
      long headSize = headSize();
      WeightInit init = weightInit == null ? WeightInit.XAVIER : weightInit;
      for (Map.Entry<String, INDArray> e : params.entrySet()) {
        INDArray p = e.getValue();
        boolean out = OUT_WEIGHT.equals(e.getKey());
        double fanIn = out ? nHeads * headSize : nIn;
        double fanOut = out ? nOut : headSize;
        init.getWeightInitFunction()
            .init(fanIn, fanOut, p.shape(), paramReshapeOrder(e.getKey()), p);
      }
    }
  }

  /**
   * {@link MultiHeadSelfAttentionImpl}, or DL4J's SameDiff layer under {@link
   * #IMPLEMENTATION_PROPERTY}.
   */
  @Override
  public org.deeplearning4j.nn.api.Layer instantiate(
      NeuralNetConfiguration conf,
      Collection<TrainingListener> trainingListeners,
      int layerIndex,
      INDArray layerParamsView,
      boolean initializeParams,
      DataType networkDataType) {
    if ("samediff".equals(System.getProperty(IMPLEMENTATION_PROPERTY))) {
      return super.instantiate(
          conf, trainingListeners, layerIndex, layerParamsView, initializeParams, networkDataType);
    }
    return LayerWiring.wire(
        new MultiHeadSelfAttentionImpl(conf, networkDataType),
        initializer(),
        conf,
        trainingListeners,
        layerIndex,
        layerParamsView,
        initializeParams);
  }

  /**
   * The same attention in SameDiff, which DL4J runs only under {@link #IMPLEMENTATION_PROPERTY}.
   */
  @Override
  public SDVariable defineLayer(
      SameDiff sd, SDVariable input, Map<String, SDVariable> params, SDVariable mask) {
    SDVariable out =
        sd.nn.multiHeadDotProductAttention(
            input,
            input,
            input,
            params.get(QUERY_WEIGHT),
            params.get(KEY_WEIGHT),
            params.get(VALUE_WEIGHT),
            params.get(OUT_WEIGHT),
            mask,
            true);
    // DL4J M2.1 doubles a SameDiffLayer's gradients (see the class comment and
    // Dl4jSelfAttentionGradientTest): same value, half the gradient, exact after the doubling.
    SDVariable frozen = new StopGradient(sd, out).outputVariable();
    return out.mul(0.5).add(frozen.mul(0.5));
  }

  @Override
  public InputType getOutputType(int layerIndex, InputType inputType) {
    InputType.InputTypeRecurrent r = recurrent(inputType);
    if (nIn > 0 && r.getSize() != nIn) {
      throw new DL4JInvalidConfigException(
          "multi-head attention "
              + getLayerName()
              + " has nIn "
              + nIn
              + " but its input "
              + inputType
              + " has "
              + r.getSize()
              + " features");
    }
    return InputType.recurrent(nOut, r.getTimeSeriesLength());
  }

  @Override
  public void setNIn(InputType inputType, boolean override) {
    InputType.InputTypeRecurrent r = recurrent(inputType);
    if (nIn <= 0 || override) {
      nIn = r.getSize();
    }
  }

  /** None: the op takes NCW sequences as they come. */
  @Override
  public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
    recurrent(inputType);
    return null;
  }

  /** The input type as an NCW sequence; fails on any other, NWC included (wrong axis). */
  private InputType.InputTypeRecurrent recurrent(InputType inputType) {
    if (inputType instanceof InputType.InputTypeRecurrent r && r.getFormat() == RNNFormat.NCW) {
      return r;
    }
    throw new DL4JInvalidConfigException(
        "multi-head attention "
            + getLayerName()
            + " needs NCW sequence input [N, C, T] (InputType.recurrent(C, T)), got "
            + inputType);
  }

  @Override
  public MultiHeadSelfAttention clone() {
    return (MultiHeadSelfAttention) super.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MultiHeadSelfAttention other
        && super.equals(other)
        && nIn == other.nIn
        && nOut == other.nOut
        && nHeads == other.nHeads;
  }

  @Override
  public int hashCode() {
    return Objects.hash(super.hashCode(), nIn, nOut, nHeads);
  }

  @Override
  public String toString() {
    return "MultiHeadSelfAttention(nIn="
        + nIn
        + ", nOut="
        + nOut
        + ", nHeads="
        + nHeads
        + ", name="
        + layerName
        + ")";
  }

  // DL4J declares build() as <E extends Layer> E build(); a concrete return type is an unchecked
  // override, which javac only lets the class suppress.
  /** Settings of a {@link MultiHeadSelfAttention}. */
  @SuppressWarnings("unchecked")
  public static class Builder extends SameDiffLayer.Builder<Builder> {

    private long nIn;
    private long nOut;
    private int nHeads;

    /** Features per input step; default from the input type. */
    public Builder nIn(long nIn) {
      this.nIn = nIn;
      return this;
    }

    /** Features per output step; required, a multiple of {@link #nHeads(int)}. */
    public Builder nOut(long nOut) {
      this.nOut = nOut;
      return this;
    }

    /** Number of attention heads; required, each of size {@code nOut / nHeads}. */
    public Builder nHeads(int nHeads) {
      this.nHeads = nHeads;
      return this;
    }

    @Override
    public MultiHeadSelfAttention build() {
      if (nHeads <= 0) {
        throw new IllegalArgumentException(
            "multi-head attention needs nHeads > 0, got " + nHeads + "; set nHeads");
      }
      if (nOut <= 0) {
        throw new IllegalArgumentException(
            "multi-head attention needs nOut > 0, got " + nOut + "; set nOut");
      }
      if (nOut % nHeads != 0) {
        throw new IllegalArgumentException(
            "multi-head attention cannot split nOut "
                + nOut
                + " into "
                + nHeads
                + " heads of equal size; make nOut a multiple of nHeads");
      }
      if (nIn < 0) {
        throw new IllegalArgumentException("multi-head attention needs nIn >= 0, got " + nIn);
      }
      return new MultiHeadSelfAttention(this);
    }
  }
}
