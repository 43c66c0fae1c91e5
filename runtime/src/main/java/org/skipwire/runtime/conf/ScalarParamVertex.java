package org.skipwire.runtime.conf;

import java.util.ArrayList;
import java.util.Map;
import java.util.Objects;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.deeplearning4j.nn.conf.layers.samediff.SDVertexParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffVertex;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonIgnore;

/**
 * A vertex whose one parameter is a trainable scalar {@code alpha}, stored as a {@code [1, 1]}
 * array under the key {@value #ALPHA} (DL4J names it {@code <vertex>_alpha}), initialised to {@link
 * #getAlphaInit()}; the base of {@link ScaleVertex} and {@link GatedSkipVertex}.
 *
 * <p>alpha is registered as a bias parameter, so the network's bias settings apply to it: its
 * {@code biasUpdater} if one is set, and its bias regularisation ({@code l2Bias}, {@code
 * weightDecayBias}) but not the weight regularisation ({@code l2}, {@code weightDecay}). A scalar
 * gate is like a bias or a batch-norm gamma, which weight decay conventionally leaves alone;
 * decaying it would pull a ReZero branch towards off and a gated skip towards the shortcut.
 *
 * <p>Why a {@link SameDiffVertex} that does not run through SameDiff: see {@link
 * HighwayGateVertex}. In short, it is the custom vertex type DL4J gives the network's updater and
 * regularisation to, but its {@code SameDiffGraphVertex} doubles every gradient in DL4J 1.0.0-M2.1,
 * so {@code instantiate} returns a hand-written vertex instead.
 */
public abstract class ScalarParamVertex extends SameDiffVertex {

  /** The parameter key of alpha. No underscore: DL4J splits {@code vertex_key} at the last one. */
  public static final String ALPHA = "alpha";

  private double alphaInit;

  protected ScalarParamVertex() {}

  protected ScalarParamVertex(double alphaInit) {
    setAlphaInit(alphaInit);
  }

  /** The value alpha starts from. */
  public double getAlphaInit() {
    return alphaInit;
  }

  public void setAlphaInit(double alphaInit) {
    if (!Double.isFinite(alphaInit)) {
      throw new IllegalArgumentException("alphaInit must be finite, got " + alphaInit);
    }
    this.alphaInit = alphaInit;
  }

  /** The names of the inputs, in order. */
  protected abstract String[] inputNames();

  // --- parameters -------------------------------------------------------------------------------

  /** Fixed by the class; left out of JSON so a stored copy cannot disagree with it. */
  @JsonIgnore
  @Override
  public SDVertexParams getVertexParams() {
    return super.getVertexParams();
  }

  @Override
  public void defineParametersAndInputs(SDVertexParams params) {
    params.defineInputs(inputNames());
    params.addBiasParam(ALPHA, 1, 1);
  }

  @Override
  public void initializeParameters(Map<String, INDArray> params) {
    params.get(ALPHA).assign(alphaInit);
  }

  /**
   * Not used: the vertex computes by hand (see the class comment).
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
        getClass().getSimpleName() + " runs by hand, not through SameDiff");
  }

  // --- the rest of DL4J's vertex contract -------------------------------------------------------

  @Override
  public int minVertexInputs() {
    return inputNames().length;
  }

  @Override
  public int maxVertexInputs() {
    return inputNames().length;
  }

  /** The type of every input, which must all be the same; the output has it too. */
  @Override
  public InputType getOutputType(int layerIndex, InputType... vertexInputs)
      throws InvalidInputTypeException {
    String[] names = inputNames();
    if (vertexInputs.length != names.length) {
      throw new InvalidInputTypeException(
          getClass().getSimpleName()
              + " takes "
              + String.join(", ", names)
              + ", got "
              + vertexInputs.length
              + " inputs");
    }
    for (InputType in : vertexInputs) {
      if (!in.equals(vertexInputs[0])) {
        throw new InvalidInputTypeException(
            getClass().getSimpleName()
                + " needs inputs of one shape, got "
                + java.util.Arrays.toString(vertexInputs));
      }
    }
    return vertexInputs[0];
  }

  @Override
  public MemoryReport getMemoryReport(InputType... inputTypes) {
    InputType out = getOutputType(-1, inputTypes);
    long updaterState = getUpdater() == null ? 0 : getUpdater().stateSize(1);
    // Training makes one temporary of the output's size to sum into dL/dalpha.
    return new LayerMemoryReport.Builder(getName(), getClass(), inputTypes[0], out)
        .standardMemory(1, updaterState)
        .workingMemory(0, 0, 0, out.arrayElementsPerExample())
        .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
        .build();
  }

  /** Copies alphaInit, the name and the training configuration DL4J set into {@code v}. */
  protected <T extends ScalarParamVertex> T copyInto(T v) {
    v.setAlphaInit(alphaInit);
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

  /** Same class, alphaInit and training configuration; the vertex name DL4J assigns is left out. */
  @Override
  public boolean equals(Object o) {
    return o != null
        && o.getClass() == getClass()
        && o instanceof ScalarParamVertex v
        && Double.compare(v.alphaInit, alphaInit) == 0
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
    return Objects.hash(getClass(), alphaInit, updater);
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "(alphaInit=" + alphaInit + ")";
  }
}
