package org.skipwire.runtime.train;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one epoch measured. A classification run measures cross-entropy and accuracy; a regression
 * run (a series) measures mean squared error between standardised values as its loss, has no
 * accuracy (NaN) and adds the test MSE in the series' own units.
 *
 * @param epoch the epoch number, from 1
 * @param trainLoss mean loss of the training batches, as they were trained on (without the
 *     weight-decay term): cross-entropy, or squared error for a series
 * @param trainAccuracy share of training images classified right in their training step, 0..1; NaN
 *     for a series
 * @param testLoss mean loss on the test set after the epoch
 * @param testAccuracy share of test images classified right after the epoch, 0..1; NaN for a series
 * @param learningRate the rate of the epoch's last update
 * @param seconds wall time of the epoch's training (not the evaluation)
 * @param imagesPerSecond training throughput, in images or windows
 * @param gradientNorms per layer, in topological order: the L2 norm of its gradient (all its
 *     trainable parameters together), averaged over the epoch's updates
 * @param testMse a series' test mean squared error in its own units; NaN for classification
 */
public record EpochMetrics(
    int epoch,
    double trainLoss,
    double trainAccuracy,
    double testLoss,
    double testAccuracy,
    double learningRate,
    double seconds,
    double imagesPerSecond,
    Map<String, Double> gradientNorms,
    double testMse) {

  public EpochMetrics {
    gradientNorms = Collections.unmodifiableMap(new LinkedHashMap<>(gradientNorms));
  }

  /** A classification epoch: no test MSE. */
  public EpochMetrics(
      int epoch,
      double trainLoss,
      double trainAccuracy,
      double testLoss,
      double testAccuracy,
      double learningRate,
      double seconds,
      double imagesPerSecond,
      Map<String, Double> gradientNorms) {
    this(
        epoch,
        trainLoss,
        trainAccuracy,
        testLoss,
        testAccuracy,
        learningRate,
        seconds,
        imagesPerSecond,
        gradientNorms,
        Double.NaN);
  }

  /** Whether this epoch belongs to a regression run (it has a test MSE). */
  public boolean isRegression() {
    return !Double.isNaN(testMse);
  }
}
