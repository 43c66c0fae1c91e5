package org.skipwire.runtime.impl;

import static org.skipwire.runtime.conf.LayerNormalization.BETA;
import static org.skipwire.runtime.conf.LayerNormalization.GAMMA;

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
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastSubOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.skipwire.runtime.conf.LayerNormalization;

/**
 * Runs {@link LayerNormalization}. Backward, with {@code g = dL/dz} for {@code z = gamma xhat +
 * beta} and means over the C features of one position:
 *
 * <pre>
 *   dL/dbeta  = sum over positions of g
 *   dL/dgamma = sum over positions of g * xhat
 *   dxhat     = g * gamma
 *   dL/dx     = (dxhat - mean_c(dxhat) - xhat * mean_c(dxhat * xhat)) / sqrt(var + eps)
 * </pre>
 *
 * The statistics are recomputed in backward rather than kept from forward, as DL4J's own layers do,
 * so nothing outlives the working-memory workspace it was made in.
 */
public class LayerNormalizationImpl extends BaseLayer<LayerNormalization> {

  public LayerNormalizationImpl(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  @Override
  public Type type() {
    return Type.NORMALIZATION;
  }

  @Override
  public boolean isPretrainLayer() {
    return false;
  }

  /** xhat and 1 / sqrt(var + eps) of the current input, in the current (working) workspace. */
  private record Normalised(INDArray xhat, INDArray inverseStd, int[] positionDims) {}

  private Normalised normalise(INDArray x) {
    long c = layerConf().getNIn();
    if (x.rank() < 2 || x.rank() > 4 || x.size(1) != c) {
      throw new DL4JInvalidInputException(
          "layer norm "
              + layerId()
              + " expects [N, "
              + c
              + "], [N, "
              + c
              + ", T] or [N, "
              + c
              + ", H, W], got "
              + Arrays.toString(x.shape()));
    }
    // Every dimension but the features: the statistics are per (n, ...) and broadcast over C.
    int[] positions = new int[x.rank() - 1];
    positions[0] = 0;
    for (int d = 2; d < x.rank(); d++) {
      positions[d - 1] = d;
    }
    INDArray mean = x.mean(1);
    INDArray xhat = Nd4j.createUninitialized(x.dataType(), x.shape());
    Nd4j.getExecutioner().exec(new BroadcastSubOp(x, mean, xhat, positions));
    INDArray variance = xhat.mul(xhat).mean(1);
    INDArray inverseStd = Transforms.pow(variance.addi(layerConf().getEps()), -0.5, false);
    Nd4j.getExecutioner().exec(new BroadcastMulOp(xhat, inverseStd, xhat, positions));
    return new Normalised(xhat, inverseStd, positions);
  }

  /** gamma * xhat + beta, in {@code out}. */
  private INDArray affine(INDArray xhat, INDArray out) {
    Nd4j.getExecutioner().exec(new BroadcastMulOp(xhat, params.get(GAMMA), out, 1));
    Nd4j.getExecutioner().exec(new BroadcastAddOp(out, params.get(BETA), out, 1));
    return out;
  }

  @Override
  public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
    assertInputSet(false);
    applyDropOutIfNecessary(training, workspaceMgr);
    INDArray x = input.castTo(dataType);
    Normalised n = normalise(x);
    INDArray z = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, x.dataType(), x.shape());
    affine(n.xhat(), z);
    INDArray y = layerConf().getActivationFn().getActivation(z, training);
    applySequenceMask(y);
    return y;
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(
      INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
    assertInputSet(true);
    INDArray x = input.castTo(dataType);
    Normalised n = normalise(x);
    INDArray xhat = n.xhat();
    int[] positions = n.positionDims();
    INDArray z = affine(xhat, Nd4j.createUninitialized(x.dataType(), x.shape()));
    // The activation's backprop works in place on z; g = dL/dz.
    INDArray g = layerConf().getActivationFn().backprop(z, epsilon.castTo(dataType)).getFirst();
    applySequenceMask(g);

    INDArray dGamma = gradientViews.get(GAMMA);
    INDArray dBeta = gradientViews.get(BETA);
    g.sum(dBeta, positions);
    g.mul(xhat).sum(dGamma, positions);

    INDArray dxhat = Nd4j.createUninitialized(x.dataType(), x.shape());
    Nd4j.getExecutioner().exec(new BroadcastMulOp(g, params.get(GAMMA), dxhat, 1));
    INDArray meanDxhat = dxhat.mean(1);
    INDArray meanDxhatXhat = dxhat.mul(xhat).mean(1);
    INDArray dx =
        workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, x.dataType(), x.shape());
    Nd4j.getExecutioner().exec(new BroadcastMulOp(xhat, meanDxhatXhat, dx, positions));
    dx.rsubi(dxhat); // dxhat - xhat * mean(dxhat * xhat)
    Nd4j.getExecutioner().exec(new BroadcastSubOp(dx, meanDxhat, dx, positions));
    Nd4j.getExecutioner().exec(new BroadcastMulOp(dx, n.inverseStd(), dx, positions));

    Gradient gradient = new DefaultGradient(gradientsFlattened);
    gradient.setGradientFor(GAMMA, dGamma);
    gradient.setGradientFor(BETA, dBeta);
    return new Pair<>(gradient, backpropDropOutIfPresent(dx));
  }

  /** Zeroes masked steps of a sequence, for a mask {@code [N, T]}; other masks leave it be. */
  private void applySequenceMask(INDArray a) {
    if (maskArray == null) {
      return;
    }
    if (a.rank() == 3 && maskArray.rank() == 2 && maskArray.size(1) == a.size(2)) {
      Nd4j.getExecutioner().exec(new BroadcastMulOp(a, maskArray.castTo(a.dataType()), a, 0, 2));
    } else if (a.rank() == 2 && maskArray.length() == a.size(0)) {
      a.muliColumnVector(maskArray.reshape(a.size(0), 1).castTo(a.dataType()));
    }
  }

  @Override
  public boolean hasBias() {
    return false;
  }
}
