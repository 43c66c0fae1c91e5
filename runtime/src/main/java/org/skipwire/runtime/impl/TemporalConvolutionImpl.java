package org.skipwire.runtime.impl;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;
import static org.skipwire.runtime.conf.TemporalConvolution.BIAS_KEY;
import static org.skipwire.runtime.conf.TemporalConvolution.WEIGHT_KEY;

import java.util.Arrays;
import org.deeplearning4j.exception.DL4JInvalidInputException;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Conv2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Conv2DDerivative;
import org.nd4j.linalg.factory.Broadcast;
import org.nd4j.linalg.factory.Nd4j;
import org.skipwire.runtime.conf.TemporalConvolution;

/**
 * Runs {@link TemporalConvolution} with libnd4j's {@code conv2d} and {@code conv2d_bp} ops and no
 * dilation, which oneDNN runs on the fast path, folding the dilation into the layout instead.
 *
 * <p>Why not dilation in the op: in libnd4j 1.0.0-M2.1's oneDNN build (nd4j-native {@code
 * -onednn-avx2}, what {@code Backend} loads), {@code platform/mkldnn/conv2d.cpp} gives oneDNN a
 * right padding computed from the undilated kernel, {@code (oW - 1) sW - iW + kW - pW}, so oneDNN
 * refuses every dilated convolution with a kernel over 1 ("could not create a descriptor for a
 * dilated convolution forward propagation primitive"). DL4J's {@code Convolution1DLayer} runs
 * {@code conv1d}, which is {@code conv2d} underneath, and fails; DL4J's 2-D {@code
 * ConvolutionLayer} logs the failure and falls back to its own im2col. {@code
 * TemporalConvolutionTest.dl4jDilatedConvolution1DFailsOnTheFastPath} and {@code
 * libnd4jDilatedConv2dFailsOnTheFastPath} expect the failure and start failing themselves when an
 * upgrade fixes it; then dilation can go to the op directly.
 *
 * <p>How: a convolution with dilation d is d undilated ones, one per phase {@code r} over the steps
 * {@code r, r + d, r + 2d, ...} (TensorFlow's atrous convolution by space-to-batch). The input,
 * zero-padded on the left and right and up to a multiple of d, {@code [N, C, M d]}, is copied to
 * phase-major order {@code [N, C, d, M]}; a {@code 1 x k} convolution with stride 1 gives {@code
 * [N, nOut, d, M - k + 1]}, whose phases interleave back into time order. Output step {@code t}
 * (stride 1) is phase {@code t mod d}, position {@code t div d}:
 *
 * <pre>
 *   y[t] = sum over j of W[j] xpad[t + j d] = sum over j of W[j] X[t mod d, t div d + j]
 * </pre>
 *
 * <p>With stride s and d = 1 the op strides; with d over 1 every s-th step of the stride-1 output
 * is kept (s times the work; dilated networks use stride 1). Backward runs the same steps in
 * reverse: dL/dy scattered into the kept steps, to phase-major order, {@code conv2d_bp}, back to
 * time order, the padding cut off. The copies move {@code (nIn + nOut) T} values per example each
 * way, against {@code nIn nOut k T} multiply-adds in the convolution.
 */
public class TemporalConvolutionImpl extends BaseLayer<TemporalConvolution> {

  private transient OpContext convContext;
  private transient OpContext convBpContext;

  public TemporalConvolutionImpl(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  @Override
  public Type type() {
    return Type.CONVOLUTIONAL;
  }

  @Override
  public boolean isPretrainLayer() {
    return false;
  }

  @Override
  public boolean hasBias() {
    return layerConf().hasBias();
  }

  /**
   * Sizes of one pass: the input {@code [n, c, t]} padded by {@code left} and up to {@code m d}
   * steps, convolved with stride {@code convStride} into {@code [n, o, d, mo]}, of whose {@code mo
   * d} time-ordered steps every {@code keep}-th, {@code tOut} in all, is the output.
   */
  private record Plan(
      long n,
      long c,
      long t,
      long o,
      int k,
      int d,
      long left,
      long m,
      int convStride,
      int keep,
      long mo,
      long tOut) {}

  private Plan plan(INDArray x) {
    TemporalConvolution l = layerConf();
    if (x.rank() != 3 || x.size(1) != l.getNIn()) {
      throw new DL4JInvalidInputException(
          "temporal convolution "
              + layerId()
              + " expects NCW input [N, "
              + l.getNIn()
              + ", T], got "
              + Arrays.toString(x.shape()));
    }
    long t = x.size(2);
    long tOut = l.outputLength(t);
    long padded = l.leftPadding() + t + l.rightPadding();
    int k = l.getKernelSize();
    int d = l.getDilation();
    int s = l.getStride();
    long m = (padded + d - 1) / d;
    boolean dilated = d > 1;
    long mo = dilated ? m - k + 1 : (m - k) / s + 1;
    return new Plan(
        x.size(0),
        x.size(1),
        t,
        l.getNOut(),
        k,
        d,
        l.leftPadding(),
        m,
        dilated ? 1 : s,
        dilated ? s : 1,
        mo,
        tOut);
  }

  /** {@code a [n, rows, m d]} in phase-major order {@code [n, rows, d, m]}, c order. */
  private static INDArray phases(INDArray a, long m, int d) {
    long n = a.size(0);
    long rows = a.size(1);
    if (d == 1) {
      return a.reshape('c', n, rows, 1, m);
    }
    return a.reshape('c', n, rows, m, d).permute(0, 1, 3, 2).dup('c');
  }

  /** The inverse of {@link #phases}: {@code [n, rows, d, m]} as {@code [n, rows, m d]}. */
  private static INDArray steps(INDArray a) {
    long n = a.size(0);
    long rows = a.size(1);
    long d = a.size(2);
    long m = a.size(3);
    INDArray timeMajor = d == 1 ? a : a.permute(0, 1, 3, 2).dup('c');
    return timeMajor.reshape('c', n, rows, m * d);
  }

  /** The output's steps among the convolution's {@code [n, o, mo d]} time-ordered ones. */
  private static INDArray kept(INDArray timeOrdered, Plan p) {
    if (p.keep == 1 && timeOrdered.size(2) == p.tOut) {
      return timeOrdered;
    }
    return timeOrdered.get(all(), all(), interval(0, p.keep, (p.tOut - 1) * p.keep + 1));
  }

  /** The input zero-padded and in phase-major order, {@code [n, c, d, m]}. */
  private static INDArray paddedPhases(INDArray x, Plan p) {
    INDArray padded = Nd4j.zeros(x.dataType(), p.n, p.c, p.m * p.d);
    padded.get(all(), all(), interval(p.left, p.left + p.t)).assign(x);
    return phases(padded, p.m, p.d);
  }

  /** The weights as conv2d's {@code [nOut, nIn, 1, k]}, a view. */
  private static INDArray kernel(INDArray w, Plan p) {
    return w.reshape('c', p.o, p.c, 1, p.k);
  }

  /**
   * The op context of libnd4j's conv2d (or conv2d_bp), made once and reused as DL4J's oneDNN helper
   * does. Arguments: kernel 1 x k, stride 1 x convStride, no padding (it is in the input), no
   * dilation (see the class comment), no "same" mode, NCHW, weights {@code [out, in, kH, kW]}.
   */
  private OpContext context(boolean backward, Plan p) {
    OpContext c = backward ? convBpContext : convContext;
    if (c == null) {
      c = Nd4j.getExecutioner().buildContext();
      c.setIArguments(1, p.k, 1, p.convStride, 0, 0, 1, 1, 0, 0, 1);
      if (backward) {
        convBpContext = c;
      } else {
        convContext = c;
      }
    }
    c.purge();
    return c;
  }

  /** The pre-activation output {@code [n, o, tOut]} from the phase-major padded input. */
  private INDArray preOutput(
      INDArray xs, Plan p, boolean training, LayerWorkspaceMgr workspaceMgr) {
    INDArray w = kernel(getParamWithNoise(WEIGHT_KEY, training, workspaceMgr), p);
    INDArray zs = Nd4j.createUninitialized(xs.dataType(), p.n, p.o, p.d, p.mo);
    OpContext context = context(false, p);
    if (hasBias()) {
      context.setInputArrays(xs, w, getParamWithNoise(BIAS_KEY, training, workspaceMgr));
    } else {
      context.setInputArrays(xs, w);
    }
    context.setOutputArrays(zs);
    Nd4j.exec(new Conv2D(), context);
    INDArray z =
        workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, xs.dataType(), p.n, p.o, p.tOut);
    z.assign(kept(steps(zs), p));
    return z;
  }

  @Override
  public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
    assertInputSet(false);
    applyDropOutIfNecessary(training, workspaceMgr);
    INDArray x = input.castTo(dataType);
    Plan p = plan(x);
    INDArray z = preOutput(paddedPhases(x, p), p, training, workspaceMgr);
    INDArray y = layerConf().getActivationFn().getActivation(z, training);
    INDArray mask = outputMask(maskArray);
    if (mask != null) {
      Broadcast.mul(y, mask.castTo(y.dataType()), y, 0, 2);
    }
    return y;
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(
      INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
    assertInputSet(true);
    INDArray x = input.castTo(dataType);
    Plan p = plan(x);
    INDArray xs = paddedPhases(x, p);
    INDArray eps = epsilon.castTo(dataType);
    INDArray mask = outputMask(maskArray);
    if (mask != null) {
      // Masked output steps are constant zeros: no gradient flows back through them.
      eps = Broadcast.mul(eps, mask.castTo(eps.dataType()), eps.ulike(), 0, 2);
    }
    IActivation activation = layerConf().getActivationFn();
    // dL/dz = dL/dy needs no z for the identity: skip recomputing the convolution.
    INDArray delta =
        activation instanceof ActivationIdentity
            ? eps
            : activation.backprop(preOutput(xs, p, true, workspaceMgr), eps).getFirst();

    INDArray deltaSteps;
    if (p.keep == 1 && p.mo * p.d == p.tOut) {
      deltaSteps = delta;
    } else {
      // Steps the output skips or never reaches get no gradient.
      deltaSteps = Nd4j.zeros(delta.dataType(), p.n, p.o, p.mo * p.d);
      kept(deltaSteps, p).assign(delta);
    }
    INDArray deltaPhases = phases(deltaSteps, p.mo, p.d);

    Gradient gradient = new DefaultGradient(gradientsFlattened);
    INDArray dw = gradientViews.get(WEIGHT_KEY);
    INDArray dxs = Nd4j.createUninitialized(x.dataType(), p.n, p.c, p.d, p.m);
    INDArray w = kernel(getParamWithNoise(WEIGHT_KEY, true, workspaceMgr), p);
    OpContext context = context(true, p);
    if (hasBias()) {
      INDArray db = gradientViews.get(BIAS_KEY);
      context.setInputArrays(xs, w, getParamWithNoise(BIAS_KEY, true, workspaceMgr), deltaPhases);
      context.setOutputArrays(dxs, kernel(dw, p), db);
    } else {
      context.setInputArrays(xs, w, deltaPhases);
      context.setOutputArrays(dxs, kernel(dw, p));
    }
    Nd4j.exec(new Conv2DDerivative(), context);
    gradient.setGradientFor(WEIGHT_KEY, dw, 'c');
    if (hasBias()) {
      gradient.setGradientFor(BIAS_KEY, gradientViews.get(BIAS_KEY));
    }

    INDArray dx =
        workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, x.dataType(), p.n, p.c, p.t);
    dx.assign(steps(dxs).get(all(), all(), interval(p.left, p.left + p.t)));
    weightNoiseParams.clear();
    return new Pair<>(gradient, backpropDropOutIfPresent(dx));
  }

  @Override
  public Pair<INDArray, MaskState> feedForwardMaskArray(
      INDArray maskArray, MaskState currentMaskState, int minibatchSize) {
    this.maskArray = maskArray;
    this.maskState = currentMaskState;
    return new Pair<>(outputMask(maskArray), currentMaskState);
  }

  /**
   * The output's mask {@code [N, T']} from the input's {@code [N, T]}, null for none: for causal
   * padding the input's at each output's own step {@code t s}, else 1 where any step under the
   * kernel is present (see {@link TemporalConvolution}).
   */
  private INDArray outputMask(INDArray inputMask) {
    if (inputMask == null) {
      return null;
    }
    TemporalConvolution l = layerConf();
    if (inputMask.rank() != 2) {
      throw new DL4JInvalidInputException(
          "temporal convolution "
              + layerId()
              + " expects a sequence mask [N, T], got "
              + Arrays.toString(inputMask.shape()));
    }
    double[][] in = inputMask.toDoubleMatrix();
    int t = in[0].length;
    int tOut = (int) l.outputLength(t);
    int s = l.getStride();
    double[][] out = new double[in.length][tOut];
    for (int n = 0; n < in.length; n++) {
      for (int step = 0; step < tOut; step++) {
        if (l.isCausal()) {
          out[n][step] = in[n][step * s];
          continue;
        }
        for (int j = 0; j < l.getKernelSize(); j++) {
          long i = (long) step * s + (long) j * l.getDilation() - l.leftPadding();
          if (i >= 0 && i < t) {
            out[n][step] = Math.max(out[n][step], in[n][(int) i]);
          }
        }
      }
    }
    return Nd4j.create(out).castTo(inputMask.dataType());
  }
}
