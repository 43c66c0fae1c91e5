package org.skipwire.runtime.train;

import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * What happens to a fresh graph before its first training step, after the plan's schedule is set:
 * pretrained weights, frozen layers, per-layer learning rates ({@code
 * org.skipwire.runtime.weights.Transfer}). Not called when a run resumes from its checkpoint, which
 * already holds all of that.
 */
@FunctionalInterface
public interface GraphStart {
  /** Leaves the graph as created. */
  GraphStart NONE = (graph, schedule) -> graph;

  /** The graph to train: {@code fresh} changed, or a new graph made from it. */
  ComputationGraph prepare(ComputationGraph fresh, LearningRateSchedule schedule);
}
