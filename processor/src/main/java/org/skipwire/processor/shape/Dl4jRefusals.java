package org.skipwire.processor.shape;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.skipwire.Loss;
import org.skipwire.Nonlinearity;
import org.skipwire.processor.diag.Message;
import org.skipwire.processor.diag.Problem;
import org.skipwire.processor.model.Block;
import org.skipwire.processor.model.Connection;
import org.skipwire.processor.model.Graph;
import org.skipwire.processor.model.GraphOp;
import org.skipwire.processor.model.LayerStep;
import org.skipwire.processor.model.Origin;
import org.skipwire.processor.model.StageStep;
import org.skipwire.processor.model.Step;
import org.skipwire.processor.model.Vertex;

/**
 * What DL4J 1.0.0-M2.1 would refuse in a lowered graph that is otherwise sound, found at compile
 * time instead of at {@code build()}:
 *
 * <ul>
 *   <li>the output activation and loss pairs that DL4J's {@code OutputLayerUtil} rejects: a loss on
 *       probabilities ({@code MCXENT}, {@code NEGATIVELOGLIKELIHOOD}, {@code XENT}) after an
 *       activation not bounded to [0, 1], softmax with {@code XENT}, sigmoid with {@code MCXENT},
 *       and softmax over one output. GELU, which DL4J lets through with a probability loss, is
 *       refused too (its negative outputs make the loss's logarithm NaN at the first step), and so
 *       are the same pairs on a per-pixel output, which DL4J checks less (identity before a loss
 *       layer) but which are as meaningless there. The rule is therefore exact: {@code MCXENT} and
 *       {@code NEGATIVELOGLIKELIHOOD} take softmax, {@code XENT} takes sigmoid, and softmax needs
 *       two outputs or more;
 *   <li>a vertex name DL4J has twice ({@code Cannot add vertex: a vertex with name ... already
 *       exists}), as when a block field is named like a vertex its connection adds ({@code add},
 *       {@code shortcut}, {@code gate}, ...), or that is the graph input's name.
 * </ul>
 */
final class Dl4jRefusals {
  private final List<Problem> problems;

  private Dl4jRefusals(List<Problem> problems) {
    this.problems = problems;
  }

  /** As a pass: what DL4J would refuse in the graph. */
  static GraphPass.Outcome pass(Lowered lowered) {
    List<Problem> problems = new ArrayList<>();
    Dl4jRefusals check = new Dl4jRefusals(problems);
    check.output(lowered.graph());
    check.names(lowered.graph(), Graph.INPUT);
    return new GraphPass.Outcome(lowered, problems);
  }

  private void output(Graph graph) {
    LayerStep last = null;
    for (Step step : graph.network().trunk()) {
      if (step instanceof LayerStep layer && layer.output() != null) {
        last = layer;
      }
    }
    Vertex out = null;
    for (Vertex v : graph.vertices()) {
      if (v.name().equals(graph.output())) {
        out = v;
      }
    }
    if (last == null || out == null) {
      return;
    }
    Nonlinearity activation;
    Loss loss;
    int outputs;
    String word;
    if (out.op() instanceof GraphOp.Output o) {
      activation = o.activation();
      loss = o.loss();
      outputs = o.nOut();
      word = "units";
    } else if (out.op() instanceof GraphOp.PixelOutput o) {
      activation = o.activation();
      loss = o.loss();
      outputs = o.channels();
      word = "filters";
    } else {
      return;
    }
    Origin at = last.output().origin();
    Nonlinearity needed =
        switch (loss) {
          case MCXENT, NEGATIVELOGLIKELIHOOD -> Nonlinearity.SOFTMAX;
          case XENT -> Nonlinearity.SIGMOID;
          case MSE, L1 -> null;
        };
    if (needed != null && activation != needed) {
      String fix = "remove @Activation(" + activation + ")";
      if (activation == Nonlinearity.SIGMOID) {
        fix += ", or use @Output(loss = XENT) for independent yes/no outputs";
      } else if (activation == Nonlinearity.SOFTMAX) {
        fix += ", or use @Output(loss = MCXENT) for one class out of several";
      }
      problems.add(Message.OUTPUT_ACTIVATION.at(at, last.name(), loss, needed, activation, fix));
    } else if (activation == Nonlinearity.SOFTMAX && outputs == 1) {
      problems.add(Message.SOFTMAX_ONE_OUTPUT.at(at, last.name(), word));
    }
  }

  /** A declared field: where it is written and the trunk field it is reported on. */
  private record Field(String name, Origin origin, Origin site) {}

  private void names(Graph graph, String inputName) {
    Map<String, List<Vertex>> byName = new LinkedHashMap<>();
    for (Vertex v : graph.vertices()) {
      byName.computeIfAbsent(v.name(), k -> new ArrayList<>()).add(v);
    }
    Map<String, List<Vertex>> clashes = new LinkedHashMap<>();
    byName.forEach(
        (name, vs) -> {
          if (vs.size() > 1 || name.equals(inputName)) {
            clashes.put(name, vs);
          }
        });
    if (clashes.isEmpty()) {
      return;
    }
    Map<String, Field> fields = new HashMap<>();
    for (Step step : graph.network().trunk()) {
      declare(step, step.name(), step.origin(), fields);
    }
    Set<Origin> reported = new HashSet<>();
    for (Map.Entry<String, List<Vertex>> e : clashes.entrySet()) {
      String name = e.getKey();
      Field field = owner(name, fields);
      if (field == null || !reported.add(field.origin())) {
        continue;
      }
      String why;
      if (name.equals(inputName)) {
        why = "the name of the network's input";
      } else {
        List<Vertex> vs = e.getValue();
        why =
            "taken twice, by the "
                + vs.get(0).op().describe()
                + " and the "
                + vs.get(1).op().describe()
                + " vertex";
      }
      String text = Message.VERTEX_NAME.format(name, name, why, field.name());
      problems.add(new Problem(Message.VERTEX_NAME, text, field.origin(), field.site()));
    }
  }

  /** The declared field that makes {@code vertex}: its own path, else the nearest enclosing one. */
  private static Field owner(String vertex, Map<String, Field> fields) {
    String path = vertex;
    while (true) {
      Field f = fields.get(path);
      if (f != null) {
        return f;
      }
      int dot = path.lastIndexOf('.');
      if (dot < 0) {
        return null;
      }
      path = path.substring(0, dot);
    }
  }

  /** Records the paths of {@code step} and, for a stage, of every field of its blocks. */
  private static void declare(Step step, String path, Origin site, Map<String, Field> fields) {
    fields.putIfAbsent(path, new Field(step.name(), step.origin(), site));
    if (!(step instanceof StageStep stage)) {
      return;
    }
    Block block = stage.block();
    List<String> branches =
        block.connection() instanceof Connection.ShakeShake
            ? List.of(".branch1", ".branch2")
            : List.of("");
    for (int i = 0; i < stage.blocks(); i++) {
      for (String branch : branches) {
        String prefix = path + ".b" + i + branch;
        for (Step inner : block.body()) {
          declare(inner, prefix + "." + inner.name(), site, fields);
        }
      }
    }
  }
}
