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
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.convolution.Convolution;
import org.nd4j.linalg.factory.Nd4j;
import org.skipwire.runtime.conf.GroupedConvolutionLayer;

/**
 * Runs {@link GroupedConvolutionLayer} as one im2col and one batched matrix product, with the
 * weights shared across the batch.
 *
 * <p>im2col writes the patches of all {@code C = G Cg} input channels as {@code [N, C, kH, kW, H',
 * W']}, its natural layout, which is {@code [N, G, Cg kH kW, P]} with {@code P = H' W'} since the
 * channels of a group are consecutive. With the weights viewed as {@code [G, Og, Cg kH kW]} and
 * repeated over the N examples (a copy of the small weight array, not of the patches), one product
 * batched over {@code (n, g)} gives {@code z} as {@code [N, G, Og, P] = [N, nOut, H', W']}, already
 * NCHW. Backward:
 *
 * <pre>
 *   dW[g]       = sum over n of delta[n, g] cols[n, g]'      [Og, Cg kH kW]
 *   dcols[n, g] = W[g]' delta[n, g]                          [Cg kH kW, P], col2im sums it into dL/dx
 *   db          = delta summed over N, H', W'
 * </pre>
 *
 * <p>Why this layout: in DL4J M2.1 on CPU, im2col into its natural layout runs several times faster
 * than into the permuted layout DL4J's ConvolutionLayer uses, and im2col dominates the cost of a
 * grouped convolution, whose products are small (measured with {@code
 * GroupedConvolutionBenchmark}). Per-group libnd4j {@code conv2d} calls were slower still.
 */
public class GroupedConvolutionLayerImpl extends BaseLayer<GroupedConvolutionLayer> {

  public GroupedConvolutionLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
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

  /** z as {@code [N, nOut, H', W']} and the columns it was made from. */
  private Pair<INDArray, INDArray> preOutput(
      INDArray x, Shape s, boolean training, LayerWorkspaceMgr workspaceMgr) {
    INDArray w = getParamWithNoise(WEIGHT_KEY, training, workspaceMgr);
    INDArray cols = columns(x, s);
    INDArray z =
        workspaceMgr.createUninitialized(
            ArrayType.ACTIVATIONS, x.dataType(), s.n, s.g * s.og, s.oh, s.ow);
    Nd4j.matmul(perExample(w, s, false), cols, z.reshape('c', s.n, s.g, s.og, s.oh * s.ow));
    if (hasBias()) {
      INDArray b = getParamWithNoise(BIAS_KEY, training, workspaceMgr);
      Nd4j.getExecutioner().exec(new BroadcastAddOp(z, b, z, 1));
    }
    return new Pair<>(z, cols);
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
    Pair<INDArray, INDArray> zc = preOutput(x, s, true, workspaceMgr);
    INDArray cols = zc.getSecond();
    INDArray delta =
        layerConf().getActivationFn().backprop(zc.getFirst(), epsilon.castTo(dataType)).getFirst();
    INDArray delta4 = delta.reshape('c', s.n, s.g, s.og, positions);

    // dW: the product for every (n, g) at once, then the sum over n; the temporary is N times the
    // weights' size. (A loop over n of G-batched products was as fast at best and erratic.)
    INDArray dw = gradientViews.get(WEIGHT_KEY);
    Nd4j.matmul(delta4, cols, false, true, false).sum(dw.reshape('c', s.g, s.og, s.patch()), 0);
    Gradient gradient = new DefaultGradient(gradientsFlattened);
    gradient.setGradientFor(WEIGHT_KEY, dw, 'c');
    if (hasBias()) {
      INDArray db = gradientViews.get(BIAS_KEY);
      delta.reshape('c', s.n, s.g * s.og, positions).sum(db, 0, 2);
      gradient.setGradientFor(BIAS_KEY, db);
    }

    INDArray w = getParamWithNoise(WEIGHT_KEY, true, workspaceMgr);
    INDArray dcols = Nd4j.matmul(perExample(w, s, true), delta4);
    INDArray dx =
        workspaceMgr.createUninitialized(
            ArrayType.ACTIVATION_GRAD, x.dataType(), s.n, s.c, s.h, s.w);
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
    weightNoiseParams.clear();
    return new Pair<>(gradient, backpropDropOutIfPresent(dx));
  }
}
