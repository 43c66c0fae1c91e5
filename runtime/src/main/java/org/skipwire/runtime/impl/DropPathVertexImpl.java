package org.skipwire.runtime.impl;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.BaseGraphVertex;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Runs {@link org.skipwire.runtime.conf.DropPathVertex}: in training {@code y[n] = F[n] * b[n] / p}
 * with {@code b[n] ~ Bernoulli(p)}, at inference {@code y = F}.
 */
public class DropPathVertexImpl extends BaseGraphVertex {

  private final double survival;

  /**
   * The factors {@code b[n] / p} of the last training forward pass, for the backward pass; null
   * after an inference pass, when the vertex is the identity.
   */
  private double[] factors;

  public DropPathVertexImpl(
      ComputationGraph graph, String name, int vertexIndex, double survival, DataType dataType) {
    super(graph, name, vertexIndex, null, null, dataType);
    this.survival = survival;
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
  public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
    if (!canDoForward()) {
      throw new IllegalStateException(
          "cannot do forward pass of " + vertexName + ": input not set");
    }
    INDArray x = inputs[0];
    factors = training && survival < 1 ? draw(x.size(0)) : null;
    if (factors == null) {
      // A copy, as DL4J's own pass-through vertices make: the input may live in a workspace that
      // closes before the output is used.
      return workspaceMgr.dup(ArrayType.ACTIVATIONS, x);
    }
    INDArray y = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, x.dataType(), x.shape());
    return PerExample.scale(x, factors, y);
  }

  private double[] draw(long examples) {
    double[] f = PerExample.uniform(examples);
    for (int i = 0; i < f.length; i++) {
      f[i] = f[i] < survival ? 1 / survival : 0;
    }
    return f;
  }

  @Override
  public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
    if (!canDoBackward()) {
      throw new IllegalStateException(
          "cannot do backward pass of " + vertexName + ": input or epsilon not set");
    }
    INDArray dx;
    if (factors == null) {
      dx = workspaceMgr.dup(ArrayType.ACTIVATION_GRAD, epsilon);
    } else {
      dx =
          workspaceMgr.createUninitialized(
              ArrayType.ACTIVATION_GRAD, epsilon.dataType(), epsilon.shape());
      PerExample.scale(epsilon, factors, dx);
    }
    return new Pair<>(null, new INDArray[] {dx});
  }

  @Override
  public Pair<INDArray, MaskState> feedForwardMaskArrays(
      INDArray[] maskArrays, MaskState currentMaskState, int minibatchSize) {
    if (maskArrays == null || maskArrays.length == 0 || maskArrays[0] == null) {
      return null;
    }
    return new Pair<>(maskArrays[0], currentMaskState);
  }

  @Override
  public void setBackpropGradientsViewArray(INDArray backpropGradientsViewArray) {
    if (backpropGradientsViewArray != null) {
      throw new IllegalStateException(vertexName + " has no parameters, so no gradient view");
    }
  }

  @Override
  public String toString() {
    return "DropPathVertexImpl(id="
        + vertexIndex
        + ", name=\""
        + vertexName
        + "\", survival="
        + survival
        + ")";
  }
}
