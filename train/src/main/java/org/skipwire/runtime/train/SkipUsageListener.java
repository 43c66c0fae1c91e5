package org.skipwire.runtime.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Records {@link SkipUsage} after every epoch on one fixed batch (the same examples every time, so
 * epochs compare), beside {@link GradientFlowListener}. The {@link Trainer} calls {@link
 * #onEpochEnd} after each of its epochs; DL4J's own {@code fit(iterator)} calls it too.
 */
public class SkipUsageListener extends BaseTrainingListener {
  private final SkipUsage usage;
  private final INDArray batch;
  private final List<Map<String, Double>> epochs = new ArrayList<>();

  /**
   * @param usage what to measure
   * @param batch the fixed batch's features
   */
  public SkipUsageListener(SkipUsage usage, INDArray batch) {
    this.usage = Objects.requireNonNull(usage, "usage");
    this.batch = Objects.requireNonNull(batch, "batch");
  }

  @Override
  public void onEpochEnd(Model model) {
    if (model instanceof ComputationGraph graph) {
      epochs.add(usage.measure(graph, batch));
    }
  }

  /** Every epoch's measures so far, oldest first. */
  public List<Map<String, Double>> history() {
    return List.copyOf(epochs);
  }
}
