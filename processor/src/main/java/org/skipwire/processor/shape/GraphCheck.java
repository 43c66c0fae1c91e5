package org.skipwire.processor.shape;

import java.util.ArrayList;
import java.util.List;
import org.skipwire.processor.diag.Problem;
import org.skipwire.processor.model.Graph;
import org.skipwire.processor.model.Network;

/**
 * Checks a declared network and lowers it to a {@link Graph}, or explains why it cannot: the
 * declaration passes, then {@link Lowering}, then the graph passes, in the order listed here. Plain
 * Java: it knows nothing of javac or of DL4J.
 */
public final class GraphCheck {

  /** The outcome: a graph when there are no problems, else the problems and no graph. */
  public record Result(Graph graph, List<Problem> problems) {
    public boolean ok() {
      return problems.isEmpty();
    }
  }

  /** The rules over the declaration, each on its own; all run. */
  static final List<DeclarationPass> DECLARATION_PASSES =
      List.of(new StaticCheck(), new NoEffectCheck());

  /**
   * The passes over the lowered graph, in order: bias elision first (the later ones count its
   * parameters), then the checks, then the fitting to DL4J (sequence wiring, what DL4J refuses, the
   * training-memory bound); the first that reports stops the rest.
   */
  static final List<GraphPass> GRAPH_PASSES =
      List.of(
          new BiasElision(),
          new ReceptiveFields(),
          new Totals(),
          SequenceWiring::pass,
          Dl4jRefusals::pass,
          TrainingMemory::pass);

  private GraphCheck() {}

  public static Result check(Network network) {
    List<Problem> problems = new ArrayList<>();
    for (DeclarationPass pass : DECLARATION_PASSES) {
      problems.addAll(pass.check(network));
    }
    if (!problems.isEmpty()) {
      return new Result(null, List.copyOf(problems));
    }
    Lowering.Result lowering = Lowering.lower(network);
    if (lowering.lowered() == null || !lowering.problems().isEmpty()) {
      return new Result(null, lowering.problems());
    }
    Lowered graph = lowering.lowered();
    for (GraphPass pass : GRAPH_PASSES) {
      GraphPass.Outcome outcome = pass.run(graph);
      if (!outcome.problems().isEmpty()) {
        return new Result(null, outcome.problems());
      }
      graph = outcome.graph();
    }
    return new Result(graph.graph(), List.of());
  }
}
