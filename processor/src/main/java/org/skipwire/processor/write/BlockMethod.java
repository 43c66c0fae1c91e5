package org.skipwire.processor.write;

import com.palantir.javapoet.CodeBlock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.skipwire.processor.model.Graph;
import org.skipwire.processor.model.Vertex;

/**
 * The block instances that share one generated method: same block, same vertices relative to the
 * instance's name prefix, same wiring, same kind of every layer; sizes may differ (see {@link
 * Slots}). torchvision's {@code _make_layer} and DL4J zoo's {@code convBlock} are the hand-written
 * equivalents.
 */
final class BlockMethod {

  /**
   * One block instance.
   *
   * @param prefix the vertex-name prefix, e.g. {@code conv3.b0}
   * @param externals the vertices outside the block it reads, in order of first use
   * @param output its last vertex, what the next block reads
   */
  record Instance(
      String prefix,
      String block,
      List<Vertex> vertices,
      List<Template> statements,
      List<String> externals,
      String output) {

    /** The instance of {@code run}, or null where its vertex names share no prefix. */
    static Instance of(Graph.BlockRun run) {
      List<Vertex> vertices = run.vertices();
      if (run.note() == null || vertices.isEmpty()) {
        return null;
      }
      String prefix = commonPrefix(vertices);
      if (prefix == null) {
        return null;
      }
      List<String> own = vertices.stream().map(Vertex::name).toList();
      List<String> externals = new ArrayList<>();
      List<Template> statements = new ArrayList<>();
      for (Vertex v : vertices) {
        for (String input : v.inputs()) {
          if (!own.contains(input) && !externals.contains(input)) {
            externals.add(input);
          }
        }
        statements.add(VertexCode.statement(v));
      }
      String note = run.note();
      int colon = note.indexOf(": ");
      int comma = note.indexOf(',', colon + 2);
      String block =
          colon < 0 ? "block" : note.substring(colon + 2, comma < 0 ? note.length() : comma);
      return new Instance(
          prefix, block, vertices, statements, externals, vertices.get(vertices.size() - 1).name());
    }

    /** {@code conv3.b0} for {@code conv3.b0.conv1, conv3.b0.add}; null if there is none. */
    private static String commonPrefix(List<Vertex> vertices) {
      String first = vertices.get(0).name();
      int end = first.lastIndexOf('.');
      if (end <= 0) {
        return null;
      }
      String prefix = first.substring(0, end);
      for (Vertex v : vertices) {
        while (!v.name().startsWith(prefix + ".")) {
          int dot = prefix.lastIndexOf('.');
          if (dot <= 0) {
            return null;
          }
          prefix = prefix.substring(0, dot);
        }
      }
      return prefix;
    }

    /** A name relative to the block: {@code .conv1}, or {@code #0} for its first external. */
    String relative(String name) {
      if (name.startsWith(prefix + ".")) {
        return name.substring(prefix.length());
      }
      int external = externals.indexOf(name);
      return external >= 0 ? "#" + external : "=" + name;
    }

    String key() {
      StringBuilder key = new StringBuilder(block).append('\u0004');
      for (Template t : statements) {
        key.append(t.key(this::relative)).append('\u0005');
      }
      return key.toString();
    }

    /** Every slot's value, statement by statement. */
    Object[] values() {
      List<Object> values = new ArrayList<>();
      for (Template t : statements) {
        t.slots().forEach(s -> values.add(s.value()));
      }
      return values.toArray();
    }
  }

  final String name;
  final List<Instance> instances = new ArrayList<>();
  private final Map<Instance, Integer> index = new java.util.IdentityHashMap<>();
  List<Template.Slot> slots;
  List<Slots.Param> params;
  List<String> paramNames;
  List<Slots.Expr> exprs;

  BlockMethod(String name, Instance first) {
    this.name = name;
    instances.add(first);
  }

  Instance first() {
    return instances.get(0);
  }

  /** Decides constants, parameters and formulas once every instance is known. */
  void solve() {
    List<Template.Slot> all = new ArrayList<>();
    first().statements().forEach(t -> all.addAll(t.slots()));
    slots = all;
    Object[][] values = new Object[instances.size()][];
    for (int k = 0; k < instances.size(); k++) {
      values[k] = instances.get(k).values();
      index.put(instances.get(k), k);
    }
    params = new ArrayList<>();
    exprs = Slots.solve(slots, values, params);
    Map<String, Integer> used = new LinkedHashMap<>();
    for (String reserved : List.of("g", "block", "input", "i")) {
      used.put(reserved, 1);
    }
    for (int e = 0; e < first().externals().size(); e++) {
      used.put(inputName(e), 1);
    }
    paramNames = new ArrayList<>();
    for (Slots.Param p : params) {
      String base = p.role();
      if (p.family() == Slots.Family.COUNT || p.family() == Slots.Family.OTHER) {
        // "params" or "kind" alone says nothing; the vertex's name does: conv2Kind.
        base = identifier(first().relative(p.vertex())) + capitalize(base);
      }
      int n = used.merge(base, 1, Integer::sum);
      paramNames.add(n == 1 ? base : base + n);
    }
  }

  /** The values of this method's parameters for {@code instance}. */
  Object[] arguments(Instance instance) {
    int k = index.get(instance);
    Object[] args = new Object[params.size()];
    for (int p = 0; p < params.size(); p++) {
      args[p] = params.get(p).values()[k];
    }
    return args;
  }

  /** {@code conv1Bn} for {@code .conv1.bn}. */
  private static String identifier(String relative) {
    StringBuilder out = new StringBuilder();
    boolean upper = false;
    for (char c : relative.toCharArray()) {
      if (!Character.isJavaIdentifierPart(c) || c == '$') {
        upper = out.length() > 0;
      } else {
        out.append(
            upper ? Character.toUpperCase(c) : out.length() == 0 ? Character.toLowerCase(c) : c);
        upper = false;
      }
    }
    if (out.length() == 0 || !Character.isJavaIdentifierStart(out.charAt(0))) {
      out.insert(0, 'v');
    }
    return out.toString();
  }

  private static String capitalize(String s) {
    return Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }

  static String inputName(int external) {
    return external == 0 ? "input" : "input" + (external + 1);
  }

  /** Slot {@code s} as code in the method's body. */
  CodeBlock code(int s) {
    return GraphWriter.expression(slots.get(s).kind(), exprs.get(s), paramNames);
  }

  /** The body: one statement per vertex. */
  List<CodeBlock> body() {
    Instance first = first();
    List<CodeBlock> body = new ArrayList<>();
    int base = 0;
    for (Template t : first.statements()) {
      int offset = base;
      body.add(
          t.render(
              i -> code(offset + i),
              name -> {
                String rel = first.relative(name);
                return rel.startsWith("#")
                    ? CodeBlock.of("$N", inputName(Integer.parseInt(rel.substring(1))))
                    : rel.startsWith("=")
                        ? CodeBlock.of("$S", rel.substring(1))
                        : CodeBlock.of("block + $S", rel);
              }));
      base += t.slots().size();
    }
    return body;
  }
}
