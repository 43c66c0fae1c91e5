package org.skipwire.processor.shape;

import java.util.List;
import org.skipwire.processor.diag.Message;
import org.skipwire.processor.diag.Problem;
import org.skipwire.processor.model.Origin;
import org.skipwire.processor.model.Vertex;

/**
 * Every size positive and at most {@link Limits#MAX_SIZE}, the vertices and parameters within their
 * limits, all summed exactly: what the generated code and DL4J will be given. Reports the first
 * limit passed only.
 */
final class Totals implements GraphPass {

  @Override
  public Outcome run(Lowered lowered) {
    return new Outcome(lowered, problems(lowered));
  }

  private static List<Problem> problems(Lowered lowered) {
    List<Vertex> vertices = lowered.graph().vertices();
    Origin at = lowered.graph().network().origin();
    String network = lowered.graph().network().simpleName();
    if (vertices.size() > Limits.MAX_VERTICES) {
      return List.of(
          Message.TOO_LARGE.at(
              at, network, "vertices", vertices.size(), Limits.MAX_VERTICES, "use fewer blocks"));
    }
    long params = 0;
    for (Vertex v : vertices) {
      for (int d : v.shape().dims()) {
        if (d < 1 || d > Limits.MAX_SIZE) {
          return List.of(
              Message.TOO_LARGE.at(
                  at,
                  v.name(),
                  "a size of " + v.shape(),
                  d,
                  Limits.MAX_SIZE,
                  "use fewer or narrower blocks"));
        }
      }
      try {
        params = Math.addExact(params, v.params());
      } catch (ArithmeticException e) {
        params = Long.MAX_VALUE;
      }
    }
    if (params > Limits.MAX_PARAMS) {
      return List.of(
          Message.TOO_LARGE.at(
              at,
              network,
              "parameters",
              params,
              Limits.MAX_PARAMS,
              "use fewer or narrower layers"));
    }
    return List.of();
  }
}
