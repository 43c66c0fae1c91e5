package org.skipwire.runtime.impl;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.factory.Nd4j;
import org.skipwire.runtime.FastPaths;

/**
 * Runs {@link org.skipwire.runtime.conf.BatchNormRelu}: DL4J's batch normalization, then the ReLU
 * in place on its output; in backprop the gradient masked by that output ({@code relu(x) > 0}
 * exactly where {@code x > 0}), then DL4J's batch-norm backprop. Where its helper applies the ReLU
 * itself ({@link ReluFusingHelper}), it leaves both to the helper.
 *
 * <p>It keeps its output from the training forward pass for the mask: in training DL4J keeps every
 * activation in one workspace until backprop is done, and nothing else writes to this output (its
 * readers are convolutions, sums and the like).
 */
public class BatchNormReluLayer extends BatchNormalization {
  private INDArray output;

  public BatchNormReluLayer(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  @Override
  public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
    INDArray out = super.activate(training, workspaceMgr);
    if (!(getHelper() instanceof ReluFusingHelper h && h.fusedForward())) {
      Nd4j.getExecutioner().exec(new RectifiedLinear(out, out));
    }
    output = training ? out : null;
    return out;
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(
      INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
    if (getHelper() instanceof ReluFusingHelper h && h.fusedBackward()) {
      return super.backpropGradient(epsilon, workspaceMgr);
    }
    if (output == null) {
      throw new IllegalStateException(
          layerId() + ": backprop needs the output of a training forward pass first");
    }
    INDArray delta =
        workspaceMgr.createUninitialized(
            ArrayType.ACTIVATION_GRAD, epsilon.dataType(), epsilon.shape(), 'c');
    FastPaths.reluBackward(output, epsilon, delta);
    return super.backpropGradient(delta, workspaceMgr);
  }

  @Override
  public void clear() {
    super.clear();
    output = null;
  }
}
