package org.skipwire.runtime.train;

import java.nio.file.Path;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * The outcome of {@link Trainer#train}. A classification run has a test accuracy and no MSE (NaN);
 * a regression run (a series) has a test MSE and the naive forecast's, in the series' units, and no
 * accuracy (NaN).
 *
 * @param model the network's name
 * @param graph the trained network
 * @param history one entry per epoch, including those done before a resume
 * @param resumedFrom the number of epochs the run started from (0 for a fresh run)
 * @param testAccuracy the final test accuracy, 0..1
 * @param testLoss the final mean test loss: cross-entropy, or squared error between standardised
 *     values for a series
 * @param testImages how many test images (or a series' test targets) the final figures are over
 * @param checkpoint the last checkpoint written or loaded; null without a checkpoint directory
 * @param testMse a series' final test mean squared error, in its units
 * @param baselineMse the naive last-value forecast's mean squared error on the same test targets,
 *     in the series' units
 */
public record TrainResult(
    String model,
    ComputationGraph graph,
    List<EpochMetrics> history,
    int resumedFrom,
    double testAccuracy,
    double testLoss,
    int testImages,
    Path checkpoint,
    double testMse,
    double baselineMse) {

  public TrainResult {
    history = List.copyOf(history);
  }

  /** Epochs the network has been trained for in all. */
  public int epochs() {
    return history.size();
  }
}
