package org.skipwire.runtime.train;

import java.util.Arrays;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.layers.IOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Training loss and accuracy of each batch as it was trained on, without a second forward pass.
 *
 * <p>DL4J's training step computes the output layer's loss from the layer's input but does not keep
 * its output. After the backward pass, while the input and labels are still set, this listener
 * applies the output layer once more (a small matrix product and a softmax or identity) and scores
 * it as the run's {@link Task} does: cross-entropy and accuracy for classes, squared error for a
 * series. Parameters have not been updated yet at that point, so the figures belong to the same
 * forward pass as the loss. Networks with several outputs, or outputs that are not one vector per
 * example, are not measured (NaN).
 */
final class BatchStatsListener extends BaseTrainingListener {
  private final Task task;
  private double lossSum;
  private long correct;
  private long examples;
  private double lastLoss = Double.NaN;
  private double lastAccuracy = Double.NaN;
  private boolean unsupported;

  BatchStatsListener(Task task) {
    this.task = task;
  }

  void reset() {
    lossSum = 0;
    correct = 0;
    examples = 0;
    lastLoss = Double.NaN;
    lastAccuracy = Double.NaN;
  }

  @Override
  public void onBackwardPass(Model model) {
    if (unsupported || !(model instanceof ComputationGraph graph)) {
      return;
    }
    try {
      if (graph.getNumOutputArrays() != 1) {
        unsupported = true;
        return;
      }
      Layer out = graph.getOutputLayer(0);
      if (!(out instanceof IOutputLayer outputLayer)) {
        unsupported = true;
        return;
      }
      INDArray labels = outputLayer.getLabels();
      INDArray probs = out.activate(false, LayerWorkspaceMgr.noWorkspaces());
      if (labels == null || probs.rank() != 2 || !Arrays.equals(probs.shape(), labels.shape())) {
        unsupported = true;
        return;
      }
      Scores s = task.score(probs, labels);
      lossSum += s.lossSum();
      correct += s.correct();
      examples += s.examples();
      lastLoss = s.lossSum() / s.examples();
      lastAccuracy =
          task instanceof Task.Regression ? Double.NaN : (double) s.correct() / s.examples();
    } catch (RuntimeException e) {
      // An output layer this does not understand: report NaN rather than break training.
      unsupported = true;
    }
  }

  /** Adds figures measured elsewhere (on Spark's executors; see {@link EpochFit.Steps}). */
  void add(double lossSum, long correct, long examples) {
    this.lossSum += lossSum;
    this.correct += correct;
    this.examples += examples;
  }

  /** Summed cross-entropy and correct count of a batch of probabilities against one-hot labels. */
  static Scores score(INDArray probs, INDArray labels) {
    long n = probs.size(0);
    INDArray p = probs.castTo(DataType.DOUBLE);
    INDArray y = labels.castTo(DataType.DOUBLE);
    INDArray picked = p.mul(y).sum(1); // probability of the true class
    double loss =
        -Transforms.log(Transforms.max(picked, 1e-12, false), false).sumNumber().doubleValue();
    long right = p.argMax(1).eq(y.argMax(1)).castTo(DataType.INT32).sumNumber().longValue();
    return new Scores(loss, right, n);
  }

  record Scores(double lossSum, long correct, long examples) {}

  double meanLoss() {
    return examples == 0 ? Double.NaN : lossSum / examples;
  }

  /** NaN for a series: regression has no accuracy. */
  double accuracy() {
    return examples == 0 || task instanceof Task.Regression
        ? Double.NaN
        : (double) correct / examples;
  }

  double lastLoss() {
    return lastLoss;
  }

  double lastAccuracy() {
    return lastAccuracy;
  }
}
