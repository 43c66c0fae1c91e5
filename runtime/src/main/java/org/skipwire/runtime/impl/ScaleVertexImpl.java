package org.skipwire.runtime.impl;

import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.skipwire.runtime.conf.ScaleVertex;

/** Runs {@link ScaleVertex}: {@code y = alpha x}. */
public class ScaleVertexImpl extends ScalarParamVertexImpl {

  public ScaleVertexImpl(
      ScaleVertex conf,
      ComputationGraph graph,
      String name,
      int vertexIndex,
      INDArray paramsView,
      boolean initializeParams,
      DataType dataType) {
    super(conf, graph, name, vertexIndex, paramsView, initializeParams, dataType);
  }

  @Override
  public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
    requireForward();
    INDArray x = inputs[0];
    INDArray y = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, x.dataType(), x.shape());
    return y.assign(x).muli(alpha());
  }

  @Override
  public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
    requireBackward();
    INDArray x = inputs[0];
    INDArray e = epsilon;
    INDArray dx =
        workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, e.dataType(), e.shape());
    dx.assign(e).muli(alpha());
    // e * x is a temporary of the working-memory workspace DL4J has open around doBackward.
    double dAlpha = e.mul(x).sumNumber().doubleValue();
    return new Pair<>(alphaGradient(dAlpha), new INDArray[] {dx});
  }
}
