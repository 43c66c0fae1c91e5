package org.skipwire.runtime.impl;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's batch normalisation run on {@code [N, C, T]} as on the feature map {@code [N, C, 1, T]}
 * (see {@link org.skipwire.runtime.conf.SequenceBatchNormalization}): the input and the incoming
 * gradient are viewed as maps, the output and the outgoing gradient viewed back as sequences.
 * Adding a unit dimension is always a view, so nothing is copied.
 */
public class SequenceBatchNormalizationImpl extends BatchNormalization {

  public SequenceBatchNormalizationImpl(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  @Override
  public void setInput(INDArray input, LayerWorkspaceMgr workspaceMgr) {
    super.setInput(input != null && input.rank() == 3 ? map(input) : input, workspaceMgr);
  }

  @Override
  public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
    return sequence(super.activate(training, workspaceMgr));
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(
      INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
    Pair<Gradient, INDArray> result =
        super.backpropGradient(epsilon.rank() == 3 ? map(epsilon) : epsilon, workspaceMgr);
    return new Pair<>(result.getFirst(), sequence(result.getSecond()));
  }

  private static INDArray map(INDArray sequence) {
    return sequence.reshape(
        sequence.ordering(), sequence.size(0), sequence.size(1), 1, sequence.size(2));
  }

  private static INDArray sequence(INDArray map) {
    return map.rank() == 4 && map.size(2) == 1
        ? map.reshape(map.ordering(), map.size(0), map.size(1), map.size(3))
        : map;
  }
}
