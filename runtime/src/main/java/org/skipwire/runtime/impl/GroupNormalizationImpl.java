package org.skipwire.runtime.impl;

import static org.skipwire.runtime.conf.GroupNormalization.BETA;
import static org.skipwire.runtime.conf.GroupNormalization.GAMMA;

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
import org.skipwire.runtime.conf.GroupNormalization;

/**
 * Runs {@link GroupNormalization}. The input is viewed as {@code [N, G, M]} with {@code M = (C / G)
 * x positions}, which is a plain reshape of the row-major {@code [N, C, ...]} array because a
 * group's channels are consecutive. Backward, with {@code g = dL/dz} for {@code z = gamma xhat +
 * beta} and means over the M values of one (example, group):
 *
 * <pre>
 *   dL/dbeta  = sum over examples and positions of g
 *   dL/dgamma = sum over examples and positions of g * xhat
 *   dxhat     = g * gamma
 *   dL/dx     = (dxhat - mean_group(dxhat) - xhat * mean_group(dxhat * xhat)) / sqrt(var + eps)
 * </pre>
 *
 * With a sequence mask the means run over the unmasked values only and masked values get no
 * gradient. The statistics are recomputed in backward rather than kept from forward, as DL4J's own
 * layers do, so nothing outlives the working-memory workspace it was made in.
 */
public class GroupNormalizationImpl extends BaseLayer<GroupNormalization> {

  public GroupNormalizationImpl(NeuralNetConfiguration conf, DataType dataType) {
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

  /**
   * The current input normalised, in the current (working) workspace.
   *
   * @param xhat {@code [N, G, M]}
   * @param inverseStd 1 / sqrt(var + eps), {@code [N, G]}
   * @param count values in each group's statistics, {@code [N, G]}
   * @param weights the mask as {@code [N, G, M]}, or null when every value counts
   */
  private record Normalised(INDArray xhat, INDArray inverseStd, INDArray count, INDArray weights) {}

  private Normalised normalise(INDArray x) {
    long c = layerConf().getNIn();
    if (x.rank() < 2 || x.rank() > 4 || x.size(1) != c) {
      throw new DL4JInvalidInputException(
          "group norm "
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
    long n = x.size(0);
    long groups = layerConf().getGroups();
    long m = x.length() / n / groups;
    INDArray xg = x.dup('c').reshape('c', n, groups, m);
    INDArray mask = sequenceMask(x);
    INDArray weights = null;
    INDArray count;
    if (mask == null) {
      count = Nd4j.valueArrayOf(new long[] {n, groups}, (double) m, x.dataType());
    } else {
      INDArray w = Nd4j.zeros(x.dataType(), x.shape());
      Nd4j.getExecutioner().exec(new BroadcastAddOp(w, mask, w, 0, 2));
      weights = w.reshape('c', n, groups, m);
      // A fully masked example would divide by zero; its values are all zeroed anyway.
      count = Transforms.max(weights.sum(2), 1.0, false);
    }
    INDArray sum = weights == null ? xg.sum(2) : xg.mul(weights).sum(2);
    INDArray mean = sum.divi(count);
    Nd4j.getExecutioner().exec(new BroadcastSubOp(xg, mean, xg, 0, 1));
    if (weights != null) {
      xg.muli(weights);
    }
    INDArray variance = xg.mul(xg).sum(2).divi(count);
    INDArray inverseStd = Transforms.pow(variance.addi(layerConf().getEps()), -0.5, false);
    Nd4j.getExecutioner().exec(new BroadcastMulOp(xg, inverseStd, xg, 0, 1));
    return new Normalised(xg, inverseStd, count, weights);
  }

  /** gamma * xhat + beta per channel, in {@code out} (shaped as the input). */
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
    Normalised nz = normalise(x);
    INDArray z = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, x.dataType(), x.shape());
    affine(nz.xhat().reshape('c', x.shape()), z);
    INDArray y = layerConf().getActivationFn().getActivation(z, training);
    applySequenceMask(y);
    return y;
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(
      INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
    assertInputSet(true);
    INDArray x = input.castTo(dataType);
    Normalised nz = normalise(x);
    INDArray xhatGroups = nz.xhat();
    INDArray xhat = xhatGroups.reshape('c', x.shape());
    INDArray z = affine(xhat, Nd4j.createUninitialized(x.dataType(), x.shape()));
    // The activation's backprop works in place on z; g = dL/dz.
    INDArray g = layerConf().getActivationFn().backprop(z, epsilon.castTo(dataType)).getFirst();
    applySequenceMask(g);

    int[] positions = new int[x.rank() - 1];
    for (int d = 0, k = 0; d < x.rank(); d++) {
      if (d != 1) {
        positions[k++] = d;
      }
    }
    INDArray dGamma = gradientViews.get(GAMMA);
    INDArray dBeta = gradientViews.get(BETA);
    g.sum(dBeta, positions);
    g.mul(xhat).sum(dGamma, positions);

    INDArray dxhat = Nd4j.createUninitialized(x.dataType(), x.shape());
    Nd4j.getExecutioner().exec(new BroadcastMulOp(g, params.get(GAMMA), dxhat, 1));
    INDArray dxhatGroups = dxhat.reshape('c', xhatGroups.shape());
    INDArray meanDxhat = dxhatGroups.sum(2).divi(nz.count());
    INDArray meanDxhatXhat = dxhatGroups.mul(xhatGroups).sum(2).divi(nz.count());
    INDArray dxGroups = Nd4j.createUninitialized(x.dataType(), xhatGroups.shape());
    Nd4j.getExecutioner().exec(new BroadcastMulOp(xhatGroups, meanDxhatXhat, dxGroups, 0, 1));
    dxGroups.rsubi(dxhatGroups); // dxhat - xhat * mean(dxhat * xhat)
    Nd4j.getExecutioner().exec(new BroadcastSubOp(dxGroups, meanDxhat, dxGroups, 0, 1));
    Nd4j.getExecutioner().exec(new BroadcastMulOp(dxGroups, nz.inverseStd(), dxGroups, 0, 1));
    if (nz.weights() != null) {
      dxGroups.muli(nz.weights());
    }
    INDArray dx =
        workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, x.dataType(), x.shape());
    dx.assign(dxGroups.reshape('c', x.shape()));

    Gradient gradient = new DefaultGradient(gradientsFlattened);
    gradient.setGradientFor(GAMMA, dGamma);
    gradient.setGradientFor(BETA, dBeta);
    return new Pair<>(gradient, backpropDropOutIfPresent(dx));
  }

  /** The mask as {@code [N, T]} in the input's type, for a sequence with one; else null. */
  private INDArray sequenceMask(INDArray x) {
    if (maskArray != null
        && x.rank() == 3
        && maskArray.rank() == 2
        && maskArray.size(0) == x.size(0)
        && maskArray.size(1) == x.size(2)) {
      return maskArray.castTo(x.dataType());
    }
    return null;
  }

  /** Zeroes masked steps of a sequence, for a mask {@code [N, T]}; other masks leave it be. */
  private void applySequenceMask(INDArray a) {
    INDArray mask = sequenceMask(a);
    if (mask != null) {
      Nd4j.getExecutioner().exec(new BroadcastMulOp(a, mask, a, 0, 2));
    }
  }

  @Override
  public boolean hasBias() {
    return false;
  }
}
