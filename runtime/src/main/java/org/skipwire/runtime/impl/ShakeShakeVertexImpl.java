package org.skipwire.runtime.impl;

import java.util.Arrays;
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
import org.skipwire.runtime.conf.ShakeShakeVertex;
import org.skipwire.runtime.conf.ShakeShakeVertex.Mix;

/**
 * Runs {@link ShakeShakeVertex}: {@code y = b + alpha (a - b)} forward, {@code dL/da = beta g} and
 * {@code dL/db = g - beta g} backward, with per-example weights.
 */
public class ShakeShakeVertexImpl extends BaseGraphVertex {

  private final Mix forward;
  private final Mix backward;

  /** alpha of the last training forward pass; null after an inference pass (alpha = 0.5). */
  private double[] alpha;

  public ShakeShakeVertexImpl(
      ComputationGraph graph,
      String name,
      int vertexIndex,
      Mix forward,
      Mix backward,
      DataType dataType) {
    super(graph, name, vertexIndex, null, null, dataType);
    this.forward = forward;
    this.backward = backward;
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
          "cannot do forward pass of " + vertexName + ": inputs not set");
    }
    INDArray a = inputs[0];
    INDArray b = inputs[1];
    if (!Arrays.equals(a.shape(), b.shape())) {
      throw new IllegalStateException(
          vertexName
              + ": ShakeShakeVertex needs a and b of one shape, got "
              + Arrays.toString(a.shape())
              + " and "
              + Arrays.toString(b.shape()));
    }
    INDArray y = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, a.dataType(), a.shape());
    alpha = training && forward == Mix.SHAKE ? PerExample.uniform(a.size(0)) : null;
    if (alpha == null) {
      return y.assign(a).addi(b).muli(0.5);
    }
    y.assign(a).subi(b);
    return PerExample.scale(y, alpha, y).addi(b);
  }

  @Override
  public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
    if (!canDoBackward()) {
      throw new IllegalStateException(
          "cannot do backward pass of " + vertexName + ": inputs or epsilon not set");
    }
    INDArray g = epsilon;
    INDArray da =
        workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, g.dataType(), g.shape());
    INDArray db =
        workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, g.dataType(), g.shape());
    double[] beta = beta(g.size(0));
    if (beta == null) {
      da.assign(g).muli(0.5);
    } else {
      PerExample.scale(g, beta, da);
    }
    db.assign(g).subi(da);
    return new Pair<>(null, new INDArray[] {da, db});
  }

  /** Per-example beta, or null for 0.5 everywhere. */
  private double[] beta(long examples) {
    return switch (backward) {
      case SHAKE -> PerExample.uniform(examples);
      case EVEN -> null;
      case KEEP -> alpha;
    };
  }

  @Override
  public Pair<INDArray, MaskState> feedForwardMaskArrays(
      INDArray[] maskArrays, MaskState currentMaskState, int minibatchSize) {
    // Both branches read the same block input, so they carry the same mask: pass a's on.
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
    return "ShakeShakeVertexImpl(id="
        + vertexIndex
        + ", name=\""
        + vertexName
        + "\", forward="
        + forward
        + ", backward="
        + backward
        + ")";
  }
}
