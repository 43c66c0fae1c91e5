package org.skipwire.runtime.train;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one epoch measured.
 *
 * @param epoch the epoch number, from 1
 * @param trainLoss mean cross-entropy of the training batches, as they were trained on (without
 *     the weight-decay term)
 * @param trainAccuracy share of training images classified right in their training step, 0..1
 * @param testLoss mean cross-entropy on the test set after the epoch
 * @param testAccuracy share of test images classified right after the epoch, 0..1
 * @param learningRate the rate of the epoch's last update
 * @param seconds wall time of the epoch's training (not the evaluation)
 * @param imagesPerSecond training throughput
 * @param gradientNorms per layer, in topological order: the L2 norm of its gradient (all its
 *     trainable parameters together), averaged over the epoch's updates
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
    Map<String, Double> gradientNorms) {

  public EpochMetrics {
    gradientNorms = Collections.unmodifiableMap(new LinkedHashMap<>(gradientNorms));
  }
}
