package org.skipwire.processor.model;

import java.util.List;

/**
 * One vertex of the checked graph, with everything the writer needs and nothing it must compute.
 *
 * @param name the DL4J vertex name, a field path such as {@code conv3.b0.conv1}
 * @param op what it computes, sizes resolved
 * @param inputs names of the vertices it reads
 * @param shape its output shape
 * @param params parameters as DL4J counts them
 * @param trainableParams parameters the optimiser updates
 */
public record Vertex(
    String name, GraphOp op, List<String> inputs, Shape shape, long params, long trainableParams) {

  public Vertex {
    inputs = List.copyOf(inputs);
  }
}
