package org.skipwire.runtime.impl;

import static org.skipwire.runtime.conf.HighwayGateVertex.CARRY_BIAS;
import static org.skipwire.runtime.conf.HighwayGateVertex.CARRY_WEIGHT;
import static org.skipwire.runtime.conf.HighwayGateVertex.GATE_BIAS;
import static org.skipwire.runtime.conf.HighwayGateVertex.GATE_WEIGHT;

import java.util.Collections;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.api.TrainingConfig;
import org.deeplearning4j.nn.conf.layers.samediff.SDVertexParams;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.BaseGraphVertex;
import org.deeplearning4j.nn.params.SameDiffParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.skipwire.runtime.conf.HighwayGateVertex;

/**
 * Runs {@link HighwayGateVertex}: {@code y = h * T + x * C}, with forward and backward written out
 * by hand (the config's Javadoc says why not through SameDiff).
 *
 * <p>Backward, with {@code e = dL/dy} and {@code s(z) = sigmoid(z)}:
 *
 * <pre>
 *   dL/dh   = e * T
 *   dL/dz_T = e * (h - x) * T (1 - T)         coupled carry, C = 1 - T
 *           = e * h * T (1 - T)               independent carry
 *   dL/dz_C = e * x * C (1 - C)               independent carry only
 *   dL/dx   = e * C + W_T' dL/dz_T [+ W_C' dL/dz_C]
 * </pre>
 *
 * where {@code W'} applies the transpose of the gate's linear map (matrix transpose, or the
 * convolution's input gradient), which also yields {@code dL/dW} and {@code dL/db}. Gates are
 * recomputed in backward rather than kept from forward, as DL4J's own layers do, so nothing
 * outlives the working-memory workspace it was made in.
 */
public class HighwayGateVertexImpl extends BaseGraphVertex {

  private final HighwayGateVertex conf;
  private final INDArray params;
  private final Map<String, INDArray> paramTable;
  private INDArray gradientView;
  private Map<String, INDArray> gradientTable = Collections.emptyMap();

  public HighwayGateVertexImpl(
      HighwayGateVertex conf,
      ComputationGraph graph,
      String name,
      int vertexIndex,
      INDArray paramsView,
      boolean initializeParams,
      DataType dataType) {
    super(graph, name, vertexIndex, null, null, dataType);
    this.conf = conf;
    this.params = paramsView;
    this.paramTable = views(conf, paramsView);
    if (initializeParams) {
      conf.initializeParameters(paramTable);
    }
  }

  /** Splits a flat parameter or gradient array into one reshaped view per parameter. */
  private static Map<String, INDArray> views(HighwayGateVertex conf, INDArray flat) {
    SDVertexParams vp = conf.getVertexParams();
    return Collections.unmodifiableMap(
        SameDiffParamInitializer.getInstance()
            .subsetAndReshape(vp.getParameterKeys(), vp.getParamShapes(), flat, null, conf));
  }

  // --- forward ----------------------------------------------------------------------------------

  @Override
  public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
    if (!canDoForward()) {
      throw new IllegalStateException(
          "cannot do forward pass of " + vertexName + ": inputs not set");
    }
    conf.validateInput(inputs);
    INDArray x = inputs[0];
    INDArray h = inputs[1];
    // DL4J runs doForward inside the FF working-memory workspace, so the gate arrays land there
    // and are freed after this vertex; only y goes to the activations workspace.
    INDArray t = gate(x, GATE_WEIGHT, GATE_BIAS);
    INDArray y = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, x.dataType(), x.shape());
    if (conf.isIndependentCarry()) {
      INDArray c = gate(x, CARRY_WEIGHT, CARRY_BIAS);
      y.assign(h).muli(t).addi(c.muli(x));
    } else {
      y.assign(h).subi(x).muli(t).addi(x); // x + T (h - x) = h T + x (1 - T)
    }
    return y;
  }

  /**
   * The transform gate {@code T(x) = sigmoid(W_T x + b_T)} for an input {@code x} (the vertex's
   * first input), with the current parameters: how much of H(x) the layer lets through.
   */
  public INDArray transformGate(INDArray x) {
    return gate(x, GATE_WEIGHT, GATE_BIAS);
  }

  /** sigmoid(W x + b) for the gate whose parameters are {@code weight} and {@code bias}. */
  private INDArray gate(INDArray x, String weight, String bias) {
    INDArray w = paramTable.get(weight);
    INDArray b = paramTable.get(bias);
    INDArray z;
    if (conf.isConvolutional()) {
      z = Nd4j.createUninitialized(x.dataType(), x.shape());
      Nd4j.exec(
          DynamicCustomOp.builder("conv2d")
              .addInputs(x, w, b)
              .addOutputs(z)
              .addIntegerArguments(convArgs())
              .build());
    } else {
      z = x.mmul(w).addiRowVector(b);
    }
    return Transforms.sigmoid(z, false);
  }

  /**
   * libnd4j conv2d arguments: k x k kernel, stride 1, symmetric padding (k - 1) / 2 so the size is
   * kept, no dilation, explicit padding, NCHW, weights [out, in, kH, kW] as DL4J stores them.
   */
  private int[] convArgs() {
    int k = conf.getKernel();
    int pad = (k - 1) / 2;
    return new int[] {k, k, 1, 1, pad, pad, 1, 1, 0, 0, 1};
  }

  // --- backward ---------------------------------------------------------------------------------

  @Override
  public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
    if (!canDoBackward()) {
      throw new IllegalStateException(
          "cannot do backward pass of " + vertexName + ": inputs or epsilon not set");
    }
    INDArray x = inputs[0];
    INDArray h = inputs[1];
    INDArray e = epsilon;
    DataType type = x.dataType();
    // Temporaries go to the BP working-memory workspace DL4J has open around doBackward; the two
    // input gradients must outlive it, so they go to the activation-gradient workspace.
    INDArray t = gate(x, GATE_WEIGHT, GATE_BIAS);
    INDArray dh = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, type, x.shape());
    dh.assign(e).muli(t);
    INDArray dx = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, type, x.shape());
    INDArray dzT;
    if (conf.isIndependentCarry()) {
      INDArray c = gate(x, CARRY_WEIGHT, CARRY_BIAS);
      dx.assign(e).muli(c);
      dzT = e.mul(h).muli(sigmoidSlope(t));
      INDArray dzC = e.mul(x).muli(sigmoidSlope(c));
      backpropLinear(x, dzC, CARRY_WEIGHT, CARRY_BIAS, dx);
    } else {
      dx.assign(e).subi(dh); // e (1 - T)
      dzT = h.sub(x).muli(e).muli(sigmoidSlope(t));
    }
    backpropLinear(x, dzT, GATE_WEIGHT, GATE_BIAS, dx);

    Gradient g = new DefaultGradient();
    for (Map.Entry<String, INDArray> p : gradientTable.entrySet()) {
      g.gradientForVariable().put(p.getKey(), p.getValue());
    }
    return new Pair<>(g, new INDArray[] {dx, dh});
  }

  /** s'(z) = s (1 - s), from the sigmoid's value s; overwrites nothing. */
  private static INDArray sigmoidSlope(INDArray s) {
    return s.rsub(1.0).muli(s);
  }

  /**
   * For z = W x + b: writes dL/dW and dL/db into this vertex's gradient views and adds W' dL/dz to
   * {@code dx}.
   */
  private void backpropLinear(INDArray x, INDArray dz, String weight, String bias, INDArray dx) {
    INDArray w = paramTable.get(weight);
    INDArray dw = gradientTable.get(weight);
    INDArray db = gradientTable.get(bias);
    if (conf.isConvolutional()) {
      INDArray dxGate = Nd4j.createUninitialized(x.dataType(), x.shape());
      Nd4j.exec(
          DynamicCustomOp.builder("conv2d_bp")
              .addInputs(x, w, paramTable.get(bias), dz)
              .addOutputs(dxGate, dw, db)
              .addIntegerArguments(convArgs())
              .build());
      dx.addi(dxGate);
    } else {
      dw.assign(x.transpose().mmul(dz));
      db.assign(dz.sum(true, 0));
      dx.addi(dz.mmul(w.transpose()));
    }
  }

  // --- parameters and the rest of the vertex contract -------------------------------------------

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
    this.gradientTable = views(conf, backpropGradientsViewArray);
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
    return conf.feedForwardMaskArrays(maskArrays, currentMaskState, minibatchSize);
  }

  @Override
  public String toString() {
    return "HighwayGateVertexImpl(id="
        + vertexIndex
        + ", name=\""
        + vertexName
        + "\", "
        + conf
        + ")";
  }
}
