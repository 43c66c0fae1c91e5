package org.skipwire.processor.shape;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.skipwire.processor.model.Graph;
import org.skipwire.processor.model.GraphOp;
import org.skipwire.processor.model.Shape;
import org.skipwire.processor.model.Vertex;

/**
 * Marks the two ops whose DL4J layer is wrong on a sequence, so the writer picks skipwire's
 * variant: batch norm of a sequence (DL4J's layer fails at the first forward pass; {@code
 * SequenceBatchNormalization} normalises per channel over examples and steps, PyTorch's {@code
 * BatchNorm1d}), and global average pooling of a sequence (DL4J's layer reports a sequence type for
 * its flat output, and a dropout after it fails at the first training step; {@code
 * SequenceAvgPooling} reports the flat type). A pass over the lowered graph, after the bias rule.
 */
final class SequenceWiring {
  private SequenceWiring() {}

  /** As a pass: the graph with the sequence variants marked; it reports nothing. */
  static GraphPass.Outcome pass(Lowered lowered) {
    return GraphPass.Outcome.clean(lowered.with(apply(lowered.graph(), Graph.INPUT)));
  }

  static Graph apply(Graph graph, String inputName) {
    Map<String, Shape> shapes = new HashMap<>();
    shapes.put(inputName, graph.network().input());
    List<Graph.Section> sections = new ArrayList<>();
    boolean changed = false;
    for (Graph.Section section : graph.sections()) {
      List<Graph.BlockRun> runs = new ArrayList<>();
      for (Graph.BlockRun run : section.blocks()) {
        List<Vertex> vertices = new ArrayList<>();
        for (Vertex v : run.vertices()) {
          Vertex w = rewire(v, shapes);
          changed |= w != v;
          vertices.add(w);
          shapes.put(v.name(), v.shape());
        }
        runs.add(new Graph.BlockRun(run.note(), vertices));
      }
      sections.add(
          new Graph.Section(section.step(), section.summary(), section.in(), section.out(), runs));
    }
    return changed ? new Graph(graph.network(), sections, graph.output()) : graph;
  }

  private static Vertex rewire(Vertex v, Map<String, Shape> shapes) {
    if (v.op() instanceof GraphOp.BatchNorm b && !b.overTime() && v.shape().isSequence()) {
      return with(v, new GraphOp.BatchNorm(b.channels(), b.epsilon(), b.gammaInit(), true));
    }
    if (v.op() instanceof GraphOp.GlobalAvgPool g
        && !g.overTime()
        && v.inputs().size() == 1
        && shapes.containsKey(v.inputs().get(0))
        && shapes.get(v.inputs().get(0)).isSequence()) {
      return with(v, new GraphOp.GlobalAvgPool(true));
    }
    return v;
  }

  private static Vertex with(Vertex v, GraphOp op) {
    return new Vertex(v.name(), op, v.inputs(), v.shape(), v.params(), v.trainableParams());
  }
}
