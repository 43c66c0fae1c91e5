package org.skipwire.samples.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.skipwire.runtime.Models;
import org.skipwire.runtime.SkipwireModel;
import org.skipwire.runtime.VertexInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Prints a network's vertex table and parameter totals, as the processor computed them while
 * compiling the declaration.
 */
@Command(
    name = "summary",
    mixinStandardHelpOptions = true,
    description = "Print a network's layers, shapes and parameter counts.")
final class SummaryCommand implements Runnable {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "MODEL", description = "a name from 'skipwire models', e.g. resnet18")
  String model;

  @Option(names = "--json", description = "print one JSON object instead of a table")
  boolean json;

  @Override
  public void run() {
    SkipwireModel m = find(model);
    PrintWriter out = spec.commandLine().getOut();
    out.print(json ? json(m) : table(m));
    out.flush();
  }

  static SkipwireModel find(String name) {
    return Models.find(name)
        .orElseThrow(
            () ->
                new Main.UserError(
                    "unknown model '"
                        + name
                        + "'; 'skipwire models' lists the "
                        + Models.all().size()
                        + " there are"));
  }

  static String table(SkipwireModel m) {
    List<VertexInfo> vertices = m.vertices();
    String[] head = {"vertex", "kind", "inputs", "output", "params"};
    int[] w = new int[head.length];
    for (int i = 0; i < head.length; i++) {
      w[i] = head[i].length();
    }
    for (VertexInfo v : vertices) {
      w[0] = Math.max(w[0], v.name().length());
      w[1] = Math.max(w[1], v.kind().length());
      w[2] = Math.max(w[2], String.join(", ", v.inputs()).length());
      w[3] = Math.max(w[3], v.shapeText().length());
      w[4] = Math.max(w[4], String.format(Locale.ROOT, "%,d", v.params()).length());
    }
    String row =
        "%-" + w[0] + "s  %-" + w[1] + "s  %-" + w[2] + "s  %-" + w[3] + "s  %" + w[4] + "s%n";
    StringBuilder s = new StringBuilder();
    s.append(
        String.format(
            Locale.ROOT,
            "%s: %s -> %s, declared in %s%n%n",
            m.name(),
            m.inputShape(),
            m.outputShape(),
            m.declaration()));
    s.append(String.format(Locale.ROOT, row, (Object[]) head));
    for (VertexInfo v : vertices) {
      s.append(
          String.format(
              Locale.ROOT,
              row,
              v.name(),
              v.kind(),
              String.join(", ", v.inputs()),
              v.shapeText(),
              v.params() == 0 ? "" : String.format(Locale.ROOT, "%,d", v.params())));
    }
    s.append(
        String.format(
            Locale.ROOT,
            "%n%d vertices%ntrainable parameters  %,d%n"
                + "total parameters      %,d (with batch-norm running mean and variance)%n",
            vertices.size(),
            m.trainableParams(),
            m.totalParams()));
    return s.toString();
  }

  static String json(SkipwireModel m) {
    StringBuilder s = new StringBuilder("{");
    s.append("\"model\":").append(quote(m.name()));
    s.append(",\"declaration\":").append(quote(m.declaration()));
    s.append(",\"input\":").append(m.inputShape().toString().replace(" ", ""));
    s.append(",\"output\":").append(m.outputShape().toString().replace(" ", ""));
    s.append(",\"trainableParams\":").append(m.trainableParams());
    s.append(",\"totalParams\":").append(m.totalParams());
    s.append(",\"vertices\":[");
    s.append(
        m.vertices().stream()
            .map(
                v ->
                    "{\"name\":"
                        + quote(v.name())
                        + ",\"kind\":"
                        + quote(v.kind())
                        + ",\"inputs\":["
                        + v.inputs().stream()
                            .map(SummaryCommand::quote)
                            .collect(Collectors.joining(","))
                        + "]"
                        + ",\"shape\":"
                        + v.shape().toString().replace(" ", "")
                        + ",\"params\":"
                        + v.params()
                        + ",\"trainableParams\":"
                        + v.trainableParams()
                        + "}")
            .collect(Collectors.joining(",")));
    return s.append("]}\n").toString();
  }

  /** A JSON string literal. Names and kinds are plain ASCII, but escape properly all the same. */
  static String quote(String text) {
    StringBuilder s = new StringBuilder("\"");
    for (char c : text.toCharArray()) {
      switch (c) {
        case '"' -> s.append("\\\"");
        case '\\' -> s.append("\\\\");
        case '\n' -> s.append("\\n");
        default -> {
          if (c < 0x20) {
            s.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            s.append(c);
          }
        }
      }
    }
    return s.append('"').toString();
  }
}
