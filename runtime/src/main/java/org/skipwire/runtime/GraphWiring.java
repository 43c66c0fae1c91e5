package org.skipwire.runtime;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.layers.Layer;

/**
 * What generated code adds vertices through: each call adds one vertex to a DL4J graph builder and
 * its row, as the processor computed it, to the vertex table. One description of the network thus
 * yields both {@link SkipwireModel#configuration} and {@link SkipwireModel#vertices}, so they
 * cannot disagree.
 */
public final class GraphWiring {
  private final ComputationGraphConfiguration.GraphBuilder graph;
  private final List<VertexInfo> table = new ArrayList<>();

  /** Adds to {@code graph}. */
  public GraphWiring(ComputationGraphConfiguration.GraphBuilder graph) {
    this.graph = graph;
  }

  /** Records the vertex table only, for {@link SkipwireModel#vertices}. */
  public static GraphWiring tableOnly() {
    return new GraphWiring(null);
  }

  /** A layer whose parameters are all trainable. */
  public void layer(
      String name, String kind, List<Integer> shape, long params, Layer layer, String... inputs) {
    layer(name, kind, shape, params, params, layer, inputs);
  }

  /**
   * A layer with parameters the optimiser does not update (batch norm's running mean and variance).
   */
  public void layer(
      String name,
      String kind,
      List<Integer> shape,
      long params,
      long trainableParams,
      Layer layer,
      String... inputs) {
    if (graph != null) {
      graph.addLayer(name, layer, inputs);
    }
    table.add(new VertexInfo(name, kind, List.of(inputs), shape, params, trainableParams));
  }

  /** A graph vertex; its parameters, if any, are trainable. */
  public void vertex(
      String name,
      String kind,
      List<Integer> shape,
      long params,
      GraphVertex vertex,
      String... inputs) {
    if (graph != null) {
      graph.addVertex(name, vertex, inputs);
    }
    table.add(new VertexInfo(name, kind, List.of(inputs), shape, params, params));
  }

  /** The rows recorded so far, in the order the vertices were added (topological). */
  public List<VertexInfo> vertices() {
    return List.copyOf(table);
  }
}
