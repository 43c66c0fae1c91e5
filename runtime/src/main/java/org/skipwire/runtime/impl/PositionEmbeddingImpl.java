package org.skipwire.runtime.impl;

import static org.skipwire.runtime.conf.PositionEmbedding.EMBEDDING;

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
import org.nd4j.linalg.factory.Nd4j;
import org.skipwire.runtime.conf.PositionEmbedding;

/**
 * Runs {@link PositionEmbedding}. Forward {@code z = x + P} with {@code P [C, T]} broadcast over
 * the batch, {@code y = activation(z)}; backward, with {@code g = dL/dz}:
 *
 * <pre>
 *   dL/dP = sum over the batch of g        [C, T]
 *   dL/dx = g
 * </pre>
 */
public class PositionEmbeddingImpl extends BaseLayer<PositionEmbedding> {

  public PositionEmbeddingImpl(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  @Override
  public Type type() {
    return Type.FEED_FORWARD;
  }

  @Override
  public boolean isPretrainLayer() {
    return false;
  }

  /** {@code x + P}, in {@code out}. */
  private INDArray addEmbedding(INDArray x, INDArray out) {
    long c = layerConf().getNIn();
    long t = layerConf().getLength();
    if (x.rank() != 3 || x.size(1) != c || x.size(2) != t) {
      throw new DL4JInvalidInputException(
          "position embedding "
              + layerId()
              + " expects [N, "
              + c
              + ", "
              + t
              + "], got "
              + Arrays.toString(x.shape()));
    }
    Nd4j.getExecutioner().exec(new BroadcastAddOp(x, params.get(EMBEDDING), out, 1, 2));
    return out;
  }

  @Override
  public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
    assertInputSet(false);
    applyDropOutIfNecessary(training, workspaceMgr);
    INDArray x = input.castTo(dataType);
    INDArray z = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, x.dataType(), x.shape());
    addEmbedding(x, z);
    return layerConf().getActivationFn().getActivation(z, training);
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(
      INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
    assertInputSet(true);
    INDArray x = input.castTo(dataType);
    INDArray z = addEmbedding(x, Nd4j.createUninitialized(x.dataType(), x.shape()));
    // The activation's backprop works in place on z (and, for identity, hands back epsilon
    // itself); g = dL/dz.
    INDArray g = layerConf().getActivationFn().backprop(z, epsilon.castTo(dataType)).getFirst();

    INDArray dP = gradientViews.get(EMBEDDING);
    g.sum(dP, 0);
    INDArray dx = workspaceMgr.dup(ArrayType.ACTIVATION_GRAD, g);

    Gradient gradient = new DefaultGradient(gradientsFlattened);
    gradient.setGradientFor(EMBEDDING, dP);
    return new Pair<>(gradient, backpropDropOutIfPresent(dx));
  }

  @Override
  public boolean hasBias() {
    return false;
  }
}
