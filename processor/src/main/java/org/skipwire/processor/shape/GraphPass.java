package org.skipwire.processor.shape;

import java.util.List;
import org.skipwire.processor.diag.Problem;

/**
 * One rule over a lowered graph that so far has no problems: it checks the graph, rewrites it, or
 * both, and returns what it found. {@link GraphCheck#GRAPH_PASSES} lists them in the order they
 * run; the first to report stops the rest, whose findings would only follow from the first.
 */
interface GraphPass {

  /**
   * @param graph the graph for the next pass: this one's input for a pure check
   * @param problems empty when the graph is fine
   */
  record Outcome(Lowered graph, List<Problem> problems) {
    public Outcome {
      problems = List.copyOf(problems);
    }

    static Outcome clean(Lowered graph) {
      return new Outcome(graph, List.of());
    }
  }

  Outcome run(Lowered graph);
}
