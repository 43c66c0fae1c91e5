package org.skipwire.runtime.impl;

import java.util.Arrays;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.skipwire.runtime.conf.GatedSkipVertex;

/** Runs {@link GatedSkipVertex}: {@code y = x + alpha (f - x)}. */
public class GatedSkipVertexImpl extends ScalarParamVertexImpl {

  public GatedSkipVertexImpl(
      GatedSkipVertex conf,
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
    INDArray f = inputs[1];
    if (!Arrays.equals(x.shape(), f.shape())) {
      throw new IllegalStateException(
          vertexName
              + ": GatedSkipVertex needs x and f of one shape, got "
              + Arrays.toString(x.shape())
              + " and "
              + Arrays.toString(f.shape()));
    }
    INDArray y = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, x.dataType(), x.shape());
    return y.assign(f).subi(x).muli(alpha()).addi(x);
  }

  @Override
  public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
    requireBackward();
    INDArray x = inputs[0];
    INDArray f = inputs[1];
    INDArray e = epsilon;
    DataType type = e.dataType();
    INDArray df = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, type, e.shape());
    df.assign(e).muli(alpha());
    INDArray dx = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, type, e.shape());
    dx.assign(e).subi(df);
    // A temporary of the working-memory workspace DL4J has open around doBackward.
    double dAlpha = f.sub(x).muli(e).sumNumber().doubleValue();
    return new Pair<>(alphaGradient(dAlpha), new INDArray[] {dx, df});
  }
}
