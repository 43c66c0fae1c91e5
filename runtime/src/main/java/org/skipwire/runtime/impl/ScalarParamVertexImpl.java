package org.skipwire.runtime.impl;

import static org.skipwire.runtime.conf.ScalarParamVertex.ALPHA;

import java.util.Collections;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.api.TrainingConfig;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.BaseGraphVertex;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.skipwire.runtime.conf.ScalarParamVertex;

/**
 * The parameter bookkeeping of a vertex with one trainable scalar alpha; subclasses write the
 * forward and backward passes.
 */
public abstract class ScalarParamVertexImpl extends BaseGraphVertex {

  private final ScalarParamVertex conf;
  private final INDArray params;
  private final Map<String, INDArray> paramTable;
  private INDArray gradientView;

  protected ScalarParamVertexImpl(
      ScalarParamVertex conf,
      ComputationGraph graph,
      String name,
      int vertexIndex,
      INDArray paramsView,
      boolean initializeParams,
      DataType dataType) {
    super(graph, name, vertexIndex, null, null, dataType);
    this.conf = conf;
    this.params = paramsView;
    this.paramTable = Collections.singletonMap(ALPHA, paramsView.reshape(1, 1));
    if (initializeParams) {
      conf.initializeParameters(paramTable);
    }
  }

  /** The current value of alpha. */
  protected final double alpha() {
    return params.getDouble(0);
  }

  /** A gradient holding {@code dL/dalpha}, written into this vertex's gradient view. */
  protected final Gradient alphaGradient(double dAlpha) {
    gradientView.assign(dAlpha);
    Gradient g = new DefaultGradient();
    g.gradientForVariable().put(ALPHA, gradientView.reshape(1, 1));
    return g;
  }

  /** Fails as DL4J's own vertices do when called out of order. */
  protected final void requireForward() {
    if (!canDoForward()) {
      throw new IllegalStateException(
          "cannot do forward pass of " + vertexName + ": inputs not set");
    }
  }

  /** Fails as DL4J's own vertices do when called out of order. */
  protected final void requireBackward() {
    if (!canDoBackward()) {
      throw new IllegalStateException(
          "cannot do backward pass of " + vertexName + ": inputs or epsilon not set");
    }
  }

  @Override
  public TrainingConfig getConfig() {
    return conf;
  }

  @Override
  public INDArray params() {
    return params;
  }

  @Override
  public Map<String, INDArray> paramTable(boolean backpropOnly) {
    return paramTable;
  }

  @Override
  public INDArray getGradientsViewArray() {
    return gradientView;
  }

  @Override
  public void setBackpropGradientsViewArray(INDArray backpropGradientsViewArray) {
    this.gradientView = backpropGradientsViewArray;
  }

  @Override
  public boolean hasLayer() {
    return false;
  }

  @Override
  public Layer getLayer() {
    return null;
  }

  @Override
  public Pair<INDArray, MaskState> feedForwardMaskArrays(
      INDArray[] maskArrays, MaskState currentMaskState, int minibatchSize) {
    // Elementwise in inputs that come from one block input: pass the first input's mask on.
    if (maskArrays == null || maskArrays.length == 0 || maskArrays[0] == null) {
      return null;
    }
    return new Pair<>(maskArrays[0], currentMaskState);
  }

  @Override
  public String toString() {
    return getClass().getSimpleName()
        + "(id="
        + vertexIndex
        + ", name=\""
        + vertexName
        + "\", alpha="
        + (params == null ? "?" : alpha())
        + ")";
  }
}
