package org.skipwire.runtime.impl;

import static org.skipwire.runtime.conf.MultiHeadSelfAttention.KEY_WEIGHT;
import static org.skipwire.runtime.conf.MultiHeadSelfAttention.OUT_WEIGHT;
import static org.skipwire.runtime.conf.MultiHeadSelfAttention.QUERY_WEIGHT;
import static org.skipwire.runtime.conf.MultiHeadSelfAttention.VALUE_WEIGHT;

import java.util.Arrays;
import java.util.Map;
import org.deeplearning4j.exception.DL4JInvalidInputException;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.AbstractLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.blas.params.MMulTranspose;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastSubOp;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.skipwire.runtime.conf.MultiHeadSelfAttention;

/**
 * Runs {@link MultiHeadSelfAttention} with a hand-written forward and backward pass on ND4J matrix
 * products (libnd4j's {@code matmul}, oneDNN's on the fast path), instead of the SameDiff graph
 * DL4J builds for a {@code SameDiffLayer}: that graph re-associates its arrays, runs an inference
 * session and copies input and gradients on every call, and it made the transformer sample train at
 * a tenth of PyTorch's speed. The math is the op's ({@code multi_head_dot_product_attention}), with
 * N examples, T steps, H heads of size d and P = H d:
 *
 * <pre>
 *   X   = x as [N T, C] rows                  QKV = X [Wq; Wk; Wv]^T       [N T, 3P]
 *   Q, K, V per (example, head)               [N H, T, d]
 *   S   = Q K^T / sqrt(d)  (+ (mask - 1) 1e9 on masked keys)                [N H, T, T]
 *   A   = softmax of S over the keys (max subtracted first: stable)
 *   O   = A V, heads concatenated per step    [N T, P]       y = O Wo       [N T, nOut] as [N, nOut, T]
 *
 *   backward, from E = dL/dy as [N T, nOut]:
 *   dWo = O^T E      dO = E Wo^T      dA = dO V^T      dV = A^T dO
 *   dS  = A * (dA - rowsum(dA * A)) / sqrt(d)
 *   dQ  = dS K       dK = dS^T Q      dWqkv = dQKV^T X      dX = dQKV Wqkv
 * </pre>
 *
 * <p>The three input projections are one product: the parameters lie in the layer's flat view in
 * the order {@link MultiHeadSelfAttention#defineParameters} gives them, so {@code Wq, Wk, Wv} are
 * one contiguous {@code [3P, C]} matrix, and so are their gradients; where a view is not laid out
 * so (never with DL4J's initializer) the three are concatenated instead.
 *
 * <p>Training keeps Q, K, V and A from the forward pass for the backward one, in the activations
 * workspace (which lives until backprop is done, as the layer outputs do); they are dropped when a
 * new input is set, so a backward pass without its own forward recomputes them.
 */
public class MultiHeadSelfAttentionImpl extends AbstractLayer<MultiHeadSelfAttention> {

  private INDArray params;
  private INDArray gradients;
  private Map<String, INDArray> paramTable;
  private Map<String, INDArray> gradientTable;

  /** What the last training forward pass kept: Q, K, V as [3, N H, T, d] and A, for input. */
  private Forward kept;

  private record Forward(INDArray input, INDArray qkv, INDArray attention, INDArray heads) {}

  public MultiHeadSelfAttentionImpl(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  @Override
  public boolean isPretrainLayer() {
    return false;
  }

  @Override
  public void clearNoiseWeightParams() {}

  @Override
  public void setInput(INDArray input, LayerWorkspaceMgr workspaceMgr) {
    super.setInput(input, workspaceMgr);
    kept = null;
  }

  @Override
  public void clear() {
    super.clear();
    kept = null;
  }

  // --- forward ----------------------------------------------------------------------------------

  @Override
  public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
    assertInputSet(false);
    INDArray x = checkedInput();
    Forward f = forward(x, training ? workspaceMgr : null);
    kept = training ? f : null;
    long n = x.size(0);
    long t = x.size(2);
    long nOut = layerConf().getNOut();
    INDArray y2 = mmul(f.heads(), paramTable.get(OUT_WEIGHT), null, false, false); // [N T, nOut]
    INDArray y = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, x.dataType(), n, nOut, t);
    y.assign(y2.reshape('c', n, t, nOut).permute(0, 2, 1));
    return y;
  }

  /**
   * Everything up to the output projection. With {@code keep} (training), the arrays the backward
   * pass needs are made in its activations workspace; otherwise in the current one.
   */
  private Forward forward(INDArray x, LayerWorkspaceMgr keep) {
    MultiHeadSelfAttention c = layerConf();
    long n = x.size(0);
    long t = x.size(2);
    int h = c.getNHeads();
    long d = c.headSize();
    long p = h * d;
    long b = n * h;
    DataType type = x.dataType();

    INDArray rows = rows(x); // [N T, C]
    INDArray qkv2 = mmul(rows, inputProjections(), null, false, true); // [N T, 3P]
    INDArray qkv = create(keep, type, 3, b, t, d);
    qkv.reshape('c', 3, n, h, t, d).assign(qkv2.reshape('c', n, t, 3, h, d).permute(2, 0, 3, 1, 4));
    INDArray q = qkv.get(NDArrayIndex.point(0));
    INDArray k = qkv.get(NDArrayIndex.point(1));
    INDArray v = qkv.get(NDArrayIndex.point(2));

    INDArray scores = mmul(q, k, null, false, true); // [N H, T, T]
    scores.muli(1.0 / Math.sqrt(d));
    if (maskArray != null) {
      // libnd4j's additive mask: masked keys get -1e9, so exp() makes their weight exactly 0.
      INDArray bias = maskArray.castTo(type).reshape('c', n, t).sub(1.0).muli(1e9);
      INDArray byExample = scores.reshape('c', n, h * t, t);
      Nd4j.getExecutioner().exec(new BroadcastAddOp(byExample, bias, byExample, 0, 2));
    }
    INDArray attention = create(keep, type, b, t, t);
    Nd4j.exec(new SoftMax(scores, attention, 2));

    INDArray o = mmul(attention, v, null, false, false); // [N H, T, d]
    INDArray heads = create(keep, type, n, t, h, d);
    heads.assign(o.reshape('c', n, h, t, d).permute(0, 2, 1, 3));
    return new Forward(x, qkv, attention, heads.reshape('c', n * t, p));
  }

  // --- backward ---------------------------------------------------------------------------------

  @Override
  public Pair<Gradient, INDArray> backpropGradient(
      INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
    assertInputSet(true);
    INDArray x = checkedInput();
    Forward f = kept != null && kept.input() == input ? kept : forward(x, null);
    kept = null;
    MultiHeadSelfAttention c = layerConf();
    long n = x.size(0);
    long cIn = x.size(1);
    long t = x.size(2);
    int h = c.getNHeads();
    long d = c.headSize();
    long p = h * d;
    long b = n * h;
    long nOut = c.getNOut();
    DataType type = x.dataType();
    if (epsilon.rank() != 3
        || epsilon.size(0) != n
        || epsilon.size(1) != nOut
        || epsilon.size(2) != t) {
      throw new DL4JInvalidInputException(
          "multi-head attention "
              + layerId()
              + " expects a gradient [N, nOut, T] = ["
              + n
              + ", "
              + nOut
              + ", "
              + t
              + "], got "
              + Arrays.toString(epsilon.shape()));
    }

    INDArray e = Nd4j.createUninitialized(type, n, t, nOut);
    e.assign(epsilon.castTo(type).permute(0, 2, 1));
    INDArray e2 = e.reshape('c', n * t, nOut);
    INDArray wo = paramTable.get(OUT_WEIGHT);
    mmul(f.heads(), e2, gradientTable.get(OUT_WEIGHT), true, false); // dWo = O^T E
    INDArray dHeads = mmul(e2, wo, null, false, true); // [N T, P]
    INDArray dO = Nd4j.createUninitialized(type, n, h, t, d);
    dO.assign(dHeads.reshape('c', n, t, h, d).permute(0, 2, 1, 3));
    dO = dO.reshape('c', b, t, d);

    INDArray q = f.qkv().get(NDArrayIndex.point(0));
    INDArray k = f.qkv().get(NDArrayIndex.point(1));
    INDArray v = f.qkv().get(NDArrayIndex.point(2));
    INDArray a = f.attention();
    INDArray dQkv = Nd4j.createUninitialized(type, 3, b, t, d);
    mmul(a, dO, dQkv.get(NDArrayIndex.point(2)), true, false); // dV = A^T dO

    INDArray dS = mmul(dO, v, null, false, true); // dA, then dS in place
    INDArray rowSums = dS.mul(a).sum(2); // [N H, T]
    Nd4j.getExecutioner().exec(new BroadcastSubOp(dS, rowSums, dS, 0, 1));
    dS.muli(a).muli(1.0 / Math.sqrt(d));
    mmul(dS, k, dQkv.get(NDArrayIndex.point(0)), false, false); // dQ = dS K
    mmul(dS, q, dQkv.get(NDArrayIndex.point(1)), true, false); // dK = dS^T Q

    INDArray dQkv2 = Nd4j.createUninitialized(type, n, t, 3, h, d);
    dQkv2.assign(dQkv.reshape('c', 3, n, h, t, d).permute(1, 3, 0, 2, 4));
    dQkv2 = dQkv2.reshape('c', n * t, 3 * p);
    INDArray rows = rows(x);
    INDArray projections = inputProjections();
    INDArray dProjections = stacked(gradients, gradientTable);
    if (dProjections != null) {
      mmul(dQkv2, rows, dProjections, true, false); // dWqkv = dQKV^T X, into the gradient view
    } else {
      INDArray all = mmul(dQkv2, rows, null, true, false);
      long rowsPerWeight = p;
      String[] keys = {QUERY_WEIGHT, KEY_WEIGHT, VALUE_WEIGHT};
      for (int i = 0; i < 3; i++) {
        INDArray target = gradientTable.get(keys[i]);
        target.assign(
            all.get(NDArrayIndex.interval(i * rowsPerWeight, (i + 1) * rowsPerWeight))
                .reshape(target.shape()));
      }
    }
    INDArray dRows = mmul(dQkv2, projections, null, false, false); // [N T, C]
    INDArray dx = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, type, n, cIn, t);
    dx.assign(dRows.reshape('c', n, t, cIn).permute(0, 2, 1));

    Gradient g = new DefaultGradient(gradients);
    for (String key : new String[] {QUERY_WEIGHT, KEY_WEIGHT, VALUE_WEIGHT, OUT_WEIGHT}) {
      g.gradientForVariable().put(key, gradientTable.get(key));
    }
    return new Pair<>(g, dx);
  }

  // --- helpers ----------------------------------------------------------------------------------

  private INDArray checkedInput() {
    INDArray x = input.castTo(dataType);
    long nIn = layerConf().getNIn();
    if (x.rank() != 3 || x.size(1) != nIn) {
      throw new DL4JInvalidInputException(
          "multi-head attention "
              + layerId()
              + " expects NCW input [N, "
              + nIn
              + ", T], got "
              + Arrays.toString(x.shape()));
    }
    if (maskArray != null && maskArray.length() != x.size(0) * x.size(2)) {
      throw new DL4JInvalidInputException(
          "multi-head attention "
              + layerId()
              + " expects a mask [N, T] = ["
              + x.size(0)
              + ", "
              + x.size(2)
              + "], got "
              + Arrays.toString(maskArray.shape()));
    }
    return x;
  }

  /** x [N, C, T] as rows [N T, C], one per (example, step). */
  private static INDArray rows(INDArray x) {
    INDArray r = Nd4j.createUninitialized(x.dataType(), x.size(0), x.size(2), x.size(1));
    r.assign(x.permute(0, 2, 1));
    return r.reshape('c', x.size(0) * x.size(2), x.size(1));
  }

  private static INDArray create(LayerWorkspaceMgr keep, DataType type, long... shape) {
    return keep == null
        ? Nd4j.createUninitialized(type, shape)
        : keep.createUninitialized(ArrayType.ACTIVATIONS, type, shape);
  }

  /** {@code op(a) op(b)}, into {@code out} where given (a view is fine). */
  private static INDArray mmul(
      INDArray a, INDArray b, INDArray out, boolean transposeA, boolean transposeB) {
    MMulTranspose mt =
        MMulTranspose.builder().transposeA(transposeA).transposeB(transposeB).build();
    return Nd4j.exec(new Mmul(a, b, out, 1.0, 0.0, mt))[0];
  }

  /** [Wq; Wk; Wv] as one [3P, C] matrix: a view of the parameters where they are contiguous. */
  private INDArray inputProjections() {
    INDArray view = stacked(params, paramTable);
    return view != null ? view : concatenated(paramTable);
  }

  /**
   * The three projections of {@code table} as one [3P, C] view of {@code flat} (the layer's
   * parameters or gradients), or null where they are not its first 3PC elements in the order Wq,
   * Wk, Wv.
   */
  private static INDArray stacked(INDArray flat, Map<String, INDArray> table) {
    INDArray q = table.get(QUERY_WEIGHT);
    INDArray k = table.get(KEY_WEIGHT);
    INDArray v = table.get(VALUE_WEIGHT);
    long size = q.length();
    boolean laidOut =
        flat != null
            && flat.isVector()
            && flat.elementWiseStride() == 1
            && dense(q)
            && dense(k)
            && dense(v)
            && q.offset() == flat.offset()
            && k.offset() == q.offset() + size
            && v.offset() == k.offset() + size;
    if (!laidOut) {
      return null;
    }
    return flat.reshape('c', new long[] {flat.length()})
        .get(NDArrayIndex.interval(0, 3 * size))
        .reshape('c', 3 * q.size(0) * q.size(1), q.size(2));
  }

  private static boolean dense(INDArray a) {
    return a.ordering() == 'c' && a.elementWiseStride() == 1 && !a.isEmpty();
  }

  private static INDArray concatenated(Map<String, INDArray> table) {
    INDArray q = table.get(QUERY_WEIGHT);
    long rows = q.size(0) * q.size(1);
    long cols = q.size(2);
    return Nd4j.concat(
        0,
        q.reshape('c', rows, cols),
        table.get(KEY_WEIGHT).reshape('c', rows, cols),
        table.get(VALUE_WEIGHT).reshape('c', rows, cols));
  }

  // --- parameters (the layout of DL4J's SameDiffParamInitializer) --------------------------------

  @Override
  public INDArray params() {
    return params;
  }

  @Override
  public INDArray getParam(String param) {
    return paramTable.get(param);
  }

  @Override
  public long numParams() {
    return params == null ? 0 : params.length();
  }

  @Override
  public void setParam(String key, INDArray val) {
    INDArray current = paramTable.get(key);
    if (current == null) {
      throw new IllegalArgumentException(
          "multi-head attention has no parameter " + key + "; it has " + paramTable.keySet());
    }
    if (!Arrays.equals(current.shape(), val.shape())) {
      throw new IllegalArgumentException(
          "multi-head attention parameter "
              + key
              + " has shape "
              + Arrays.toString(current.shape())
              + ", cannot set it to "
              + Arrays.toString(val.shape()));
    }
    current.assign(val);
  }

  @Override
  public void setParams(INDArray params) {
    if (params != null) {
      this.params.assign(params.reshape(this.params.shape()));
    }
  }

  @Override
  public void setParamsViewArray(INDArray params) {
    this.params = params;
  }

  @Override
  public INDArray getGradientsViewArray() {
    return gradients;
  }

  @Override
  public void setBackpropGradientsViewArray(INDArray gradients) {
    this.gradients = gradients;
    this.gradientTable = layerConf().initializer().getGradientsFromFlattened(conf, gradients);
  }

  @Override
  public void setParamTable(Map<String, INDArray> paramTable) {
    if (this.paramTable == null) {
      this.paramTable = paramTable;
    } else {
      paramTable.forEach(this::setParam);
    }
  }

  @Override
  public Map<String, INDArray> paramTable() {
    return paramTable;
  }

  @Override
  public Map<String, INDArray> paramTable(boolean backpropParamsOnly) {
    return paramTable;
  }

  /** The mask passes through unchanged, as for DL4J's SameDiffLayer. */
  @Override
  public Pair<INDArray, MaskState> feedForwardMaskArray(
      INDArray maskArray, MaskState currentMaskState, int minibatchSize) {
    this.maskArray = maskArray;
    this.maskState = currentMaskState;
    return new Pair<>(maskArray, currentMaskState);
  }
}
