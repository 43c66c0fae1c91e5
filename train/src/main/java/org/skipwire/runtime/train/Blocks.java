package org.skipwire.runtime.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.skipwire.runtime.VertexInfo;

/**
 * The blocks of a generated network, found in its vertex table ({@code SkipwireModel.vertices()}):
 * vertex names are field paths, so block {@code stage2.b0}'s vertices all start with {@code
 * stage2.b0.}.
 *
 * <ul>
 *   <li>A <b>residual block</b> is a sum {@code P.add} (or a gated skip {@code P.gate}, {@code
 *       alpha F(x) + (1 - alpha) x}): of its two inputs, the <i>branch</i> is the one inside the
 *       block ({@code P.conv2.bn}, {@code P.rezero}, {@code P.se.scale}) that is not its shortcut
 *       ({@code P.shortcut...}); the other is the <i>shortcut</i>, the block's input itself or its
 *       projection or zero padding.
 *   <li>A <b>plain block</b> (a network without sums, such as a {@code @Shortcut(NONE)} twin) is
 *       the group of vertices under the innermost {@code .bN} prefix; it reads one vertex outside
 *       it and its last vertex is its output.
 * </ul>
 */
public final class Blocks {
  private Blocks() {}

  /**
   * One block.
   *
   * @param name the block's field path, e.g. {@code stage2.b0}
   * @param residual whether it is a residual block (a sum) rather than a plain one
   * @param members its vertices, in topological order
   * @param input the vertex outside the block it reads (for a residual block: whatever its shortcut
   *     reads)
   * @param output its last vertex, which the rest of the network reads
   * @param branch a residual block's branch output, the sum's input that is not the shortcut; null
   *     for a plain block
   * @param shortcut a residual block's other summand; null for a plain block
   * @param sum a residual block's sum vertex; null for a plain block
   * @param inShape the shape of {@code input}
   * @param outShape the shape of {@code output}
   */
  public record Block(
      String name,
      boolean residual,
      List<String> members,
      String input,
      String output,
      String branch,
      String shortcut,
      String sum,
      List<Integer> inShape,
      List<Integer> outShape) {

    /**
     * Whether deleting it leaves a network that runs: always for a residual block (its branch is
     * cut, the shortcut stays); for a plain block only if it keeps its input's shape.
     */
    public boolean deletable() {
      return residual || inShape.equals(outShape);
    }
  }

  /** Every residual block (every {@code P.add} with a branch inside {@code P}), in order. */
  public static List<Block> residual(List<VertexInfo> vertices) {
    Map<String, VertexInfo> byName = index(vertices);
    List<Block> blocks = new ArrayList<>();
    for (VertexInfo v : vertices) {
      String suffix =
          v.kind().equals("add") ? ".add" : v.kind().startsWith("gated skip") ? ".gate" : null;
      if (suffix == null || !v.name().endsWith(suffix) || v.inputs().size() != 2) {
        continue;
      }
      String prefix = v.name().substring(0, v.name().length() - suffix.length());
      String inside = prefix + ".";
      String branch = null;
      String shortcut = null;
      for (String in : v.inputs()) {
        boolean isShortcut =
            in.equals(prefix + ".shortcut") || in.startsWith(prefix + ".shortcut.");
        if (in.startsWith(inside) && !isShortcut && branch == null) {
          branch = in;
        } else {
          shortcut = in;
        }
      }
      if (branch == null || shortcut == null) {
        continue;
      }
      List<String> members = members(vertices, inside);
      String output = members.get(members.size() - 1);
      String input = outsideInput(vertices, byName, inside);
      blocks.add(
          new Block(
              prefix,
              true,
              members,
              input,
              output,
              branch,
              shortcut,
              v.name(),
              shape(byName, input),
              shape(byName, output)));
    }
    // Blocks nested in another's branch (a TCN inside a residual forecast) are blocks of their
    // own; all come in the order of their sums.
    return blocks;
  }

  /**
   * The plain blocks: groups under the innermost {@code .bN} prefix that read exactly one vertex
   * outside themselves and whose vertices no one outside reads except the last.
   */
  public static List<Block> plain(List<VertexInfo> vertices) {
    Map<String, VertexInfo> byName = index(vertices);
    Set<String> prefixes = new LinkedHashSet<>();
    for (VertexInfo v : vertices) {
      String p = innermostBlock(v.name());
      if (p != null) {
        prefixes.add(p);
      }
    }
    List<Block> blocks = new ArrayList<>();
    for (String prefix : prefixes) {
      String inside = prefix + ".";
      List<String> members = new ArrayList<>();
      for (VertexInfo v : vertices) {
        if (v.name().startsWith(inside) && prefix.equals(innermostBlock(v.name()))) {
          members.add(v.name());
        }
      }
      String output = members.get(members.size() - 1);
      Set<String> outside = new LinkedHashSet<>();
      for (String m : members) {
        for (String in : byName.get(m).inputs()) {
          if (!members.contains(in)) {
            outside.add(in);
          }
        }
      }
      boolean leaks = false;
      for (VertexInfo v : vertices) {
        if (!members.contains(v.name())) {
          for (String in : v.inputs()) {
            leaks |= members.contains(in) && !in.equals(output);
          }
        }
      }
      if (outside.size() != 1 || leaks) {
        continue;
      }
      String input = outside.iterator().next();
      blocks.add(
          new Block(
              prefix,
              false,
              members,
              input,
              output,
              null,
              null,
              null,
              shape(byName, input),
              shape(byName, output)));
    }
    return blocks;
  }

  /** {@code stage1.b0} for {@code stage1.b0.conv1.bn}; null for a vertex in no block. */
  static String innermostBlock(String vertex) {
    String[] parts = vertex.split("\\.");
    for (int i = parts.length - 2; i >= 0; i--) {
      if (parts[i].matches("b\\d+")) {
        return String.join(".", java.util.Arrays.copyOfRange(parts, 0, i + 1));
      }
    }
    return null;
  }

  private static List<String> members(List<VertexInfo> vertices, String inside) {
    List<String> members = new ArrayList<>();
    for (VertexInfo v : vertices) {
      if (v.name().startsWith(inside)) {
        members.add(v.name());
      }
    }
    return members;
  }

  private static String outsideInput(
      List<VertexInfo> vertices, Map<String, VertexInfo> byName, String inside) {
    for (VertexInfo v : vertices) {
      if (v.name().startsWith(inside)) {
        for (String in : v.inputs()) {
          if (!in.startsWith(inside)) {
            return in;
          }
        }
      }
    }
    return null;
  }

  private static Map<String, VertexInfo> index(List<VertexInfo> vertices) {
    Map<String, VertexInfo> byName = new LinkedHashMap<>();
    for (VertexInfo v : vertices) {
      byName.put(v.name(), v);
    }
    return byName;
  }

  /** A vertex's shape; empty for the network input, which is no row of the table. */
  private static List<Integer> shape(Map<String, VertexInfo> byName, String name) {
    VertexInfo v = name == null ? null : byName.get(name);
    return v == null ? List.of() : v.shape();
  }
}
