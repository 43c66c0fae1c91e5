package org.skipwire.runtime.train;

import java.nio.file.Path;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * The outcome of {@link Trainer#train}.
 *
 * @param model the network's name
 * @param graph the trained network
 * @param history one entry per epoch, including those done before a resume
 * @param resumedFrom the number of epochs the run started from (0 for a fresh run)
 * @param testAccuracy the final test accuracy, 0..1
 * @param testLoss the final mean test cross-entropy
 * @param testImages how many test images the final figures are over
 * @param checkpoint the last checkpoint written or loaded; null without a checkpoint directory
 */
public record TrainResult(
    String model,
    ComputationGraph graph,
    List<EpochMetrics> history,
    int resumedFrom,
    double testAccuracy,
    double testLoss,
    int testImages,
    Path checkpoint) {

  public TrainResult {
    history = List.copyOf(history);
  }

  /** Epochs the network has been trained for in all. */
  public int epochs() {
    return history.size();
  }
}
