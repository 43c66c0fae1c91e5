package org.skipwire.processor.model;

import java.util.List;

/**
 * A network after checking: its vertices grouped by trunk step, in topological order.
 *
 * @param network the declaration it came from
 * @param sections one per trunk field, in declaration order
 * @param output the name of the output vertex
 */
public record Graph(Network network, List<Section> sections, String output) {

  /** The network input's vertex name in DL4J. */
  public static final String INPUT = "input";

  public Graph {
    sections = List.copyOf(sections);
  }

  /**
   * The vertices of one trunk field.
   *
   * @param step the trunk field's name
   * @param summary e.g. {@code BasicBlock x2, [64, 56, 56] -> [128, 28, 28]}
   * @param blocks the vertices, one list per block instance (a layer step has one)
   */
  public record Section(String step, String summary, Shape in, Shape out, List<BlockRun> blocks) {
    public Section {
      blocks = List.copyOf(blocks);
    }
  }

  /**
   * The vertices of one block instance, or of a layer step.
   *
   * @param note a comment for readers, e.g. {@code conv3.b0: [64, 56, 56] -> [128, 28, 28],
   *     projection shortcut}; null for layer steps
   */
  public record BlockRun(String note, List<Vertex> vertices) {
    public BlockRun {
      vertices = List.copyOf(vertices);
    }
  }

  public List<Vertex> vertices() {
    return sections.stream()
        .flatMap(s -> s.blocks().stream())
        .flatMap(b -> b.vertices().stream())
        .toList();
  }

  public Shape outputShape() {
    List<Vertex> all = vertices();
    return all.get(all.size() - 1).shape();
  }

  public long trainableParams() {
    return vertices().stream().mapToLong(Vertex::trainableParams).sum();
  }

  public long totalParams() {
    return vertices().stream().mapToLong(Vertex::params).sum();
  }
}
