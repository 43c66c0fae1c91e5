package org.skipwire.runtime.impl;

import static org.skipwire.runtime.conf.GroupedConvolutionLayer.BIAS_KEY;
import static org.skipwire.runtime.conf.GroupedConvolutionLayer.WEIGHT_KEY;

import java.util.Arrays;
import org.deeplearning4j.exception.DL4JInvalidInputException;
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
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Conv2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Conv2DDerivative;
import org.nd4j.linalg.convolution.Convolution;
import org.nd4j.linalg.factory.Nd4j;
import org.skipwire.runtime.conf.GroupedConvolutionLayer;

/**
 * Runs {@link GroupedConvolutionLayer}, one of two ways ({@link Algorithm}), chosen when the layer
 * is created: where libnd4j was built with oneDNN (the fast path {@code Backend} picks on AVX2
 * machines), one libnd4j {@code conv2d} per group, which oneDNN runs; elsewhere, one im2col and one
 * batched matrix product for all groups. The system property {@value #ALGORITHM_PROPERTY} ({@code
 * im2col}, {@code per-group}, {@code auto}) overrides the choice.
 *
 * <p>The im2col way: im2col writes the patches of all {@code C = G Cg} input channels as {@code [N,
 * C, kH, kW, H', W']}, its natural layout, which is {@code [N, G, Cg kH kW, P]} with {@code P = H'
 * W'} since the channels of a group are consecutive. With the weights viewed as {@code [G, Og, Cg
 * kH kW]} and repeated over the N examples (a copy of the small weight array, not of the patches),
 * one product batched over {@code (n, g)} gives {@code z} as {@code [N, G, Og, P] = [N, nOut, H',
 * W']}, already NCHW. Backward:
 *
 * <pre>
 *   dW[g]       = sum over n of delta[n, g] cols[n, g]'      [Og, Cg kH kW]
 *   dcols[n, g] = W[g]' delta[n, g]                          [Cg kH kW, P], col2im sums it into dL/dx
 *   db          = delta summed over N, H', W'
 * </pre>
 *
 * <p>Why two ways, measured with {@code GroupedConvolutionBenchmark} (ResNeXt's 3x3, 128 channels
 * in 32 groups, 28x28, batch 16, 2 cores): on the plain CPU build, im2col into its natural layout
 * is several times faster than into the permuted layout DL4J's ConvolutionLayer uses, and per-group
 * {@code conv2d} calls are an order of magnitude slower than this; with oneDNN, per-group calls
 * win. With the identity activation (a grouped convolution followed by batch norm) backward needs
 * no {@code z} and does not recompute the convolution.
 */
public class GroupedConvolutionLayerImpl extends BaseLayer<GroupedConvolutionLayer> {

  /** System property choosing how to run: {@code im2col}, {@code per-group} or {@code auto}. */
  public static final String ALGORITHM_PROPERTY = "skipwire.groupedconv";

  /** How the convolution runs; both give the same numbers. */
  public enum Algorithm {
    /** One im2col and batched products (class comment); fastest on ND4J's plain CPU build. */
    IM2COL,
    /**
     * One libnd4j {@code conv2d} (and {@code conv2d_bp}) per group, on the input regrouped into one
     * contiguous block per group: where libnd4j runs convolutions through oneDNN, the faster.
     */
    PER_GROUP;

    /** {@link #PER_GROUP} where libnd4j has oneDNN and may use it, else {@link #IM2COL}. */
    static Algorithm auto() {
      boolean oneDnn =
          Nd4j.getBackend().buildInfo().contains("HAVE_ONEDNN")
              && Nd4j.getEnvironment().helpersAllowed();
      return oneDnn ? PER_GROUP : IM2COL;
    }

    static Algorithm of(String setting) {
      if (setting == null || setting.equals("auto")) {
        return auto();
      }
      return switch (setting) {
        case "im2col" -> IM2COL;
        case "per-group" -> PER_GROUP;
        default ->
            throw new IllegalArgumentException(
                ALGORITHM_PROPERTY + " must be im2col, per-group or auto, got " + setting);
      };
    }
  }

  private final Algorithm algorithm;
  private transient OpContext convContext;
  private transient OpContext convBpContext;

  public GroupedConvolutionLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
    this.algorithm = Algorithm.of(System.getProperty(ALGORITHM_PROPERTY));
  }

  /** How this layer runs. */
  public Algorithm algorithm() {
    return algorithm;
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

  /** Sizes of one pass. */
  private record Shape(
      long n, long c, long h, long w, long g, long cg, long og, int kh, int kw, long oh, long ow) {
    long patch() {
      return cg * kh * kw;
    }

    long positions() {
      return n * oh * ow;
    }
  }

  private Shape shape(INDArray x) {
    GroupedConvolutionLayer l = layerConf();
    if (x.rank() != 4 || x.size(1) != l.getNIn()) {
      throw new DL4JInvalidInputException(
          "grouped convolution "
              + layerId()
              + " expects NCHW input [N, "
              + l.getNIn()
              + ", H, W], got "
              + Arrays.toString(x.shape()));
    }
    int[] k = l.getKernelSize();
    long g = l.getGroups();
    return new Shape(
        x.size(0),
        x.size(1),
        x.size(2),
        x.size(3),
        g,
        x.size(1) / g,
        l.getNOut() / g,
        k[0],
        k[1],
        l.outputSize(x.size(2), 0),
        l.outputSize(x.size(3), 1));
  }

  /** im2col of x as {@code [N, G, Cg kH kW, P]}, in the current (working-memory) workspace. */
  private INDArray columns(INDArray x, Shape s) {
    GroupedConvolutionLayer l = layerConf();
    int[] st = l.getStride();
    int[] p = l.getPadding();
    INDArray col = Nd4j.createUninitialized(x.dataType(), s.n, s.c, s.kh, s.kw, s.oh, s.ow);
    Convolution.im2col(x, s.kh, s.kw, st[0], st[1], p[0], p[1], 1, 1, false, col);
    return col.reshape('c', s.n, s.g, s.patch(), s.oh * s.ow);
  }

  /** The weights as {@code [N, G, Og, Cg kH kW]}, or transposed {@code [N, G, Cg kH kW, Og]}. */
  private static INDArray perExample(INDArray w, Shape s, boolean transpose) {
    INDArray w3 = w.reshape('c', s.g, s.og, s.patch());
    if (transpose) {
      w3 = w3.permute(0, 2, 1).dup('c');
    }
    long[] one = {1, w3.size(0), w3.size(1), w3.size(2)};
    return w3.reshape('c', one).broadcast(s.n, one[1], one[2], one[3]);
  }

  /**
   * z as {@code [N, nOut, H', W']}, and for {@link Algorithm#IM2COL} the columns it was made from.
   */
  private Pair<INDArray, INDArray> preOutput(
      INDArray x, Shape s, boolean training, LayerWorkspaceMgr workspaceMgr) {
    INDArray w = getParamWithNoise(WEIGHT_KEY, training, workspaceMgr);
    if (algorithm == Algorithm.PER_GROUP) {
      INDArray xs = byGroup(x, s.g);
      INDArray ws = w.reshape('c', s.g, s.og * s.patch());
      INDArray zs = Nd4j.createUninitialized(x.dataType(), s.g, s.n * s.og * s.oh * s.ow);
      OpContext context = context(false);
      for (int g = 0; g < s.g; g++) {
        context.purge();
        context.setInputArrays(
            xs.getRow(g).reshape('c', s.n, s.cg, s.h, s.w),
            ws.getRow(g).reshape('c', s.og, s.cg, s.kh, s.kw));
        context.setOutputArrays(zs.getRow(g).reshape('c', s.n, s.og, s.oh, s.ow));
        Nd4j.exec(new Conv2D(), context);
      }
      INDArray z =
          workspaceMgr.createUninitialized(
              ArrayType.ACTIVATIONS, x.dataType(), s.n, s.g * s.og, s.oh, s.ow);
      fromGroups(zs, z, s.g);
      addBias(z, training, workspaceMgr);
      return new Pair<>(z, null);
    }
    INDArray cols = columns(x, s);
    INDArray z =
        workspaceMgr.createUninitialized(
            ArrayType.ACTIVATIONS, x.dataType(), s.n, s.g * s.og, s.oh, s.ow);
    Nd4j.matmul(perExample(w, s, false), cols, z.reshape('c', s.n, s.g, s.og, s.oh * s.ow));
    addBias(z, training, workspaceMgr);
    return new Pair<>(z, cols);
  }

  private void addBias(INDArray z, boolean training, LayerWorkspaceMgr workspaceMgr) {
    if (hasBias()) {
      INDArray b = getParamWithNoise(BIAS_KEY, training, workspaceMgr);
      Nd4j.getExecutioner().exec(new BroadcastAddOp(z, b, z, 1));
    }
  }

  /**
   * The op context of libnd4j's conv2d (or conv2d_bp), made once and reused as DL4J's oneDNN helper
   * does: building an op per group and pass costs more than a small oneDNN convolution. Arguments:
   * kernel, stride, explicit padding, no dilation, no "same" mode, NCHW, weights {@code [out, in,
   * kH, kW]}.
   */
  private OpContext context(boolean backward) {
    OpContext c = backward ? convBpContext : convContext;
    if (c == null) {
      GroupedConvolutionLayer l = layerConf();
      int[] k = l.getKernelSize();
      int[] st = l.getStride();
      int[] p = l.getPadding();
      c = Nd4j.getExecutioner().buildContext();
      c.setIArguments(k[0], k[1], st[0], st[1], p[0], p[1], 1, 1, 0, 0, 1);
      if (backward) {
        convBpContext = c;
      } else {
        convContext = c;
      }
    }
    return c;
  }

  /**
   * {@code a [N, G Cg, H, W]} regrouped as a contiguous {@code [G, N Cg H W]}: row g holds group
   * g's channels of every example, which {@code getRow(g).reshape(N, Cg, H, W)} hands to libnd4j
   * without a copy. Rows of a 2-D array rather than ND4J index views: in M2.1, indexing a view that
   * starts at an offset and has a size-1 dimension can return an empty array for the last slice.
   * (libnd4j's {@code split} op avoids that too, but took several times as long as this copy.)
   */
  private static INDArray byGroup(INDArray a, long groups) {
    long n = a.size(0);
    long perGroup = a.size(1) / groups;
    long h = a.size(2);
    long w = a.size(3);
    INDArray out = Nd4j.createUninitialized(a.dataType(), groups, n, perGroup, h * w);
    out.assign(a.reshape('c', n, groups, perGroup, h * w).permute(1, 0, 2, 3));
    return out.reshape('c', groups, n * perGroup * h * w);
  }

  /**
   * The inverse of {@link #byGroup}: writes {@code [G, N Cg H W]} into {@code out [N, G Cg, H, W]}.
   */
  private static void fromGroups(INDArray grouped, INDArray out, long groups) {
    long n = out.size(0);
    long perGroup = out.size(1) / groups;
    long hw = out.size(2) * out.size(3);
    out.reshape('c', n, groups, perGroup, hw)
        .assign(grouped.reshape('c', groups, n, perGroup, hw).permute(1, 0, 2, 3));
  }

  @Override
  public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
    assertInputSet(false);
    applyDropOutIfNecessary(training, workspaceMgr);
    INDArray x = input.castTo(dataType);
    INDArray z = preOutput(x, shape(x), training, workspaceMgr).getFirst();
    return layerConf().getActivationFn().getActivation(z, training);
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(
      INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
    assertInputSet(true);
    INDArray x = input.castTo(dataType);
    Shape s = shape(x);
    long positions = s.oh * s.ow;
    IActivation activation = layerConf().getActivationFn();
    INDArray cols;
    INDArray delta;
    if (activation instanceof ActivationIdentity) {
      // dL/dz = dL/dy needs no z: skip recomputing the convolution (the usual case, a grouped
      // convolution followed by batch norm).
      delta = epsilon.castTo(dataType);
      cols = algorithm == Algorithm.IM2COL ? columns(x, s) : null;
    } else {
      Pair<INDArray, INDArray> zc = preOutput(x, s, true, workspaceMgr);
      cols = zc.getSecond();
      delta = activation.backprop(zc.getFirst(), epsilon.castTo(dataType)).getFirst();
    }
    Gradient gradient = new DefaultGradient(gradientsFlattened);
    INDArray dw = gradientViews.get(WEIGHT_KEY);
    gradient.setGradientFor(WEIGHT_KEY, dw, 'c');
    if (hasBias()) {
      INDArray db = gradientViews.get(BIAS_KEY);
      delta.reshape('c', s.n, s.g * s.og, positions).sum(db, 0, 2);
      gradient.setGradientFor(BIAS_KEY, db);
    }
    INDArray w = getParamWithNoise(WEIGHT_KEY, true, workspaceMgr);
    INDArray dx =
        workspaceMgr.createUninitialized(
            ArrayType.ACTIVATION_GRAD, x.dataType(), s.n, s.c, s.h, s.w);
    if (algorithm == Algorithm.PER_GROUP) {
      INDArray xs = byGroup(x, s.g);
      INDArray ws = w.reshape('c', s.g, s.og * s.patch());
      INDArray ds = byGroup(delta, s.g);
      INDArray dxs = Nd4j.createUninitialized(x.dataType(), s.g, s.n * s.c / s.g * s.h * s.w);
      INDArray dws = dw.reshape('c', s.g, s.og * s.patch());
      OpContext context = context(true);
      for (int g = 0; g < s.g; g++) {
        context.purge();
        context.setInputArrays(
            xs.getRow(g).reshape('c', s.n, s.cg, s.h, s.w),
            ws.getRow(g).reshape('c', s.og, s.cg, s.kh, s.kw),
            ds.getRow(g).reshape('c', s.n, s.og, s.oh, s.ow));
        context.setOutputArrays(
            dxs.getRow(g).reshape('c', s.n, s.cg, s.h, s.w),
            dws.getRow(g).reshape('c', s.og, s.cg, s.kh, s.kw));
        Nd4j.exec(new Conv2DDerivative(), context);
      }
      fromGroups(dxs, dx, s.g);
    } else {
      backpropIm2col(s, cols, delta, w, dw, dx);
    }
    weightNoiseParams.clear();
    return new Pair<>(gradient, backpropDropOutIfPresent(dx));
  }

  private void backpropIm2col(
      Shape s, INDArray cols, INDArray delta, INDArray w, INDArray dw, INDArray dx) {
    long positions = s.oh * s.ow;
    INDArray delta4 = delta.reshape('c', s.n, s.g, s.og, positions);

    // dW: the product for every (n, g) at once, then the sum over n; the temporary is N times the
    // weights' size. (A loop over n of G-batched products was as fast at best and erratic.)
    Nd4j.matmul(delta4, cols, false, true, false).sum(dw.reshape('c', s.g, s.og, s.patch()), 0);
    INDArray dcols = Nd4j.matmul(perExample(w, s, true), delta4);
    GroupedConvolutionLayer l = layerConf();
    int[] st = l.getStride();
    int[] p = l.getPadding();
    Convolution.col2im(
        dcols.reshape('c', s.n, s.c, s.kh, s.kw, s.oh, s.ow),
        dx,
        st[0],
        st[1],
        p[0],
        p[1],
        (int) s.h,
        (int) s.w,
        1,
        1);
  }
}
