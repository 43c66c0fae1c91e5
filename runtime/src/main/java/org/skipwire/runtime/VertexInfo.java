package org.skipwire.runtime;

import java.util.List;

/**
 * One vertex of a generated graph as the processor computed it at compile time.
 *
 * @param name the DL4J vertex name, a field path such as {@code conv3.b0.conv1}
 * @param kind what the vertex does, e.g. {@code conv 3x3/2} or {@code add}
 * @param inputs the names of the vertices it reads
 * @param shape its output shape for one example, channels first
 * @param params all parameters, as DL4J counts them ({@code numParams()})
 * @param trainableParams the parameters the optimiser updates (DL4J's count less the running mean
 *     and variance of batch norm)
 */
public record VertexInfo(
    String name,
    String kind,
    List<String> inputs,
    List<Integer> shape,
    long params,
    long trainableParams) {

  public VertexInfo {
    inputs = List.copyOf(inputs);
    shape = List.copyOf(shape);
  }

  /** The shape as {@code [128, 28, 28]}. */
  public String shapeText() {
    return shape.toString();
  }
}
