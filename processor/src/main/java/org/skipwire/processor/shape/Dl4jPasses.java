package org.skipwire.processor.shape;

import java.util.List;
import org.skipwire.processor.diag.Problem;
import org.skipwire.processor.model.Graph;

/**
 * The passes after lowering that fit the graph to DL4J: the sequence variants of batch norm and
 * global pooling ({@link SequenceWiring}), what DL4J would refuse ({@link Dl4jRefusals}) and the
 * training-memory bound ({@link TrainingMemory}). Each is its own class; this is their one call
 * site in {@link GraphCheck}.
 */
final class Dl4jPasses {
  private Dl4jPasses() {}

  /** The graph as the writer should see it; problems, if any, added to {@code problems}. */
  static Graph run(Graph graph, List<Problem> problems) {
    Graph wired = SequenceWiring.apply(graph, Graph.INPUT);
    Dl4jRefusals.check(wired, Graph.INPUT, problems);
    if (problems.isEmpty()) {
      TrainingMemory.check(wired, Graph.INPUT, problems);
    }
    return wired;
  }
}
