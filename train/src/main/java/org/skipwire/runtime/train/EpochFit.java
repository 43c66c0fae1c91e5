package org.skipwire.runtime.train;

import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * How the {@link Trainer} fits one epoch's batches when they are not fitted one by one in this JVM
 * ({@link Trainer#epochFit}): on a Spark cluster, for instance. Everything around the epoch stays
 * the trainer's: the graph it starts from (fresh or resumed), the epoch's batch order, the progress
 * bar, the stop on a loss that is not finite, evaluation, checkpoints and plots.
 */
public interface EpochFit {

  /**
   * Fits one pass over {@code batches}, already set to the epoch's order, and returns the graph
   * that holds the result: {@code graph} updated in place, or one that replaces it, with the
   * parameters, the updater state and the iteration count (one per batch of the plan's size that
   * was fitted) of the fitted network. The epoch count is the trainer's to advance.
   *
   * @param steps to be told after each group of batches was fitted
   */
  ComputationGraph fit(ComputationGraph graph, DataSetIterator batches, Steps steps)
      throws TrainingDivergedException;

  /** What the trainer wants to hear while an epoch is fitted. */
  interface Steps {
    /** True for classes (cross-entropy and accuracy), false for a series (squared error). */
    boolean classification();

    /**
     * Reports {@code batches} more batches fitted, {@code examples} examples in all, with the
     * training figures measured on them as the single-machine trainer does (the output layer's
     * summed loss and correct count over {@code measured} examples, before each update; 0 measured
     * if they could not be) and DL4J's score of the graph, which stops the run when it is not
     * finite.
     */
    void fitted(
        int batches, long examples, double lossSum, long correct, long measured, double score)
        throws TrainingDivergedException;

    /**
     * Reports one update's gradient L2 norm per layer, as {@link GradientFlowListener} measures it,
     * for the gradient-flow plot.
     */
    void gradientNorms(Map<String, Double> norms);
  }
}
