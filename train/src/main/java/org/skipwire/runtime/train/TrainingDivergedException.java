package org.skipwire.runtime.train;

import java.util.List;

/**
 * The loss or the parameters became NaN or infinite. Training stopped before writing anything, so
 * the last checkpoint (if any) is the last good state. The message is one line.
 */
public class TrainingDivergedException extends Exception {
  private static final long serialVersionUID = 1L;

  private final int epoch;
  private final long iteration;
  private final transient List<EpochMetrics> history;

  public TrainingDivergedException(
      String message, int epoch, long iteration, List<EpochMetrics> history) {
    super(message);
    this.epoch = epoch;
    this.iteration = iteration;
    this.history = List.copyOf(history);
  }

  /** The epoch that diverged, from 1. */
  public int epoch() {
    return epoch;
  }

  /** The network's iteration counter when it diverged. */
  public long iteration() {
    return iteration;
  }

  /** The completed epochs before it. */
  public List<EpochMetrics> history() {
    return history;
  }
}
