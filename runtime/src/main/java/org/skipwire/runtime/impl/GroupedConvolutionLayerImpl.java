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
 * Runs {@link GroupedConvolutionLayer} as one im2col and one batched matrix product over the
 * groups, the way DL4J's own ConvolutionLayer runs an ungrouped one.
 *
 * <p>im2col writes the patches of all {@code C = G Cg} input channels into an array laid out as
 * {@code [G, Cg kH kW, N H' W']}; as the channels of a group are consecutive, group {@code g}'s
 * patches are the g-th matrix of that batch. With the weights viewed as {@code [G, Og, Cg kH kW]},
 * one batched product gives {@code z} as {@code [G, Og, N H' W'] = [nOut, N, H', W']}, returned as
 * a permuted view {@code [N, nOut, H', W']} as DL4J's convolution does. Backward runs the same
 * products transposed:
 *
 * <pre>
 *   dW[g]   = delta[g] cols[g]'         [Og, Cg kH kW]
 *   dcols[g] = W[g]' delta[g]           [Cg kH kW, N H' W'], then col2im sums it into dL/dx
 *   db      = delta summed over N, H', W'
 * </pre>
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

  /** im2col of x into {@code [G, Cg kH kW, N H' W']}, in the current (working-memory) workspace. */
  private INDArray columns(INDArray x, Shape s) {
    GroupedConvolutionLayer l = layerConf();
    int[] st = l.getStride();
    int[] p = l.getPadding();
    // Allocated as [C, kH, kW, N, H', W'] and handed to im2col as the [N, C, kH, kW, H', W'] view
    // it writes, so the batched layout needs no copy.
    INDArray col = Nd4j.createUninitialized(x.dataType(), s.c, s.kh, s.kw, s.n, s.oh, s.ow);
    Convolution.im2col(
        x, s.kh, s.kw, st[0], st[1], p[0], p[1], 1, 1, false, col.permute(3, 0, 1, 2, 4, 5));
    return col.reshape('c', s.g, s.patch(), s.positions());
  }

  /**
   * z as {@code [N, nOut, H', W']} (a permuted view of {@code [nOut, N, H', W']}) and the columns.
   */
  private Pair<INDArray, INDArray> preOutput(
      INDArray x, Shape s, boolean training, LayerWorkspaceMgr workspaceMgr) {
    INDArray w = getParamWithNoise(WEIGHT_KEY, training, workspaceMgr);
    INDArray cols = columns(x, s);
    INDArray z =
        workspaceMgr.createUninitialized(
            ArrayType.ACTIVATIONS, x.dataType(), s.g, s.og, s.positions());
    Nd4j.matmul(w.reshape('c', s.g, s.og, s.patch()), cols, z);
    INDArray z4 = z.reshape('c', s.g * s.og, s.n, s.oh, s.ow).permute(1, 0, 2, 3);
    if (hasBias()) {
      INDArray b = getParamWithNoise(BIAS_KEY, training, workspaceMgr);
      Nd4j.getExecutioner().exec(new BroadcastAddOp(z4, b, z4, 1));
    }
    return new Pair<>(z4, cols);
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
    Pair<INDArray, INDArray> zc = preOutput(x, s, true, workspaceMgr);
    INDArray cols = zc.getSecond();
    INDArray delta =
        layerConf().getActivationFn().backprop(zc.getFirst(), epsilon.castTo(dataType)).getFirst();
    // [nOut, N, H', W'] in c order; free when delta is the permuted view z came as.
    INDArray delta3 = delta.permute(1, 0, 2, 3).reshape('c', s.g, s.og, s.positions());

    INDArray dw = gradientViews.get(WEIGHT_KEY);
    Nd4j.matmul(delta3, cols, dw.reshape('c', s.g, s.og, s.patch()), false, true, false);
    Gradient gradient = new DefaultGradient(gradientsFlattened);
    gradient.setGradientFor(WEIGHT_KEY, dw, 'c');
    if (hasBias()) {
      INDArray db = gradientViews.get(BIAS_KEY);
      delta3.reshape('c', s.g * s.og, s.positions()).sum(db, 1);
      gradient.setGradientFor(BIAS_KEY, db);
    }

    INDArray w = getParamWithNoise(WEIGHT_KEY, true, workspaceMgr);
    INDArray dcols = Nd4j.matmul(w.reshape('c', s.g, s.og, s.patch()), delta3, true, false, false);
    INDArray dx =
        workspaceMgr.createUninitialized(
            ArrayType.ACTIVATION_GRAD, x.dataType(), s.n, s.c, s.h, s.w);
    GroupedConvolutionLayer l = layerConf();
    int[] st = l.getStride();
    int[] p = l.getPadding();
    Convolution.col2im(
        dcols.reshape('c', s.c, s.kh, s.kw, s.n, s.oh, s.ow).permute(3, 0, 1, 2, 4, 5),
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
