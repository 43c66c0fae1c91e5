package org.skipwire.processor.write;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.MethodSpec;
import java.util.List;
import org.skipwire.Loss;
import org.skipwire.processor.model.Graph;
import org.skipwire.processor.model.GraphOp;
import org.skipwire.processor.model.Shape;

/**
 * What the declaration says about the network's use, written as methods so that programs read it
 * instead of guessing from data or shapes: the input's kind, the {@code @Output} loss, and the task
 * that loss and output layer make.
 */
final class ModelFacts {
  private ModelFacts() {}

  private static final ClassName INPUT_KIND =
      ClassName.get("org.skipwire.runtime", "SkipwireModel", "InputKind");
  private static final ClassName TASK =
      ClassName.get("org.skipwire.runtime", "SkipwireModel", "Task");
  private static final ClassName LOSS = ClassName.get("org.skipwire", "Loss");

  static List<MethodSpec> methods(Graph graph) {
    GraphOp last = graph.vertices().get(graph.vertices().size() - 1).op();
    Loss loss;
    boolean perPixel;
    if (last instanceof GraphOp.PixelOutput p) {
      loss = p.loss();
      perPixel = true;
    } else {
      loss = ((GraphOp.Output) last).loss();
      perPixel = false;
    }
    String task =
        perPixel
            ? "PER_PIXEL"
            : loss == Loss.MSE || loss == Loss.L1 ? "REGRESSION" : "CLASSIFICATION";
    return List.of(
        GraphWriter.getter("inputKind", INPUT_KIND, CodeBlock.of("$T.$L", INPUT_KIND, kind(graph))),
        GraphWriter.getter("loss", LOSS, CodeBlock.of("$T.$L", LOSS, loss.name())),
        GraphWriter.getter("task", TASK, CodeBlock.of("$T.$L", TASK, task)));
  }

  private static String kind(Graph graph) {
    Shape input = graph.network().input();
    return input.isSequence() ? "SEQUENCE" : input.isFlat() ? "FLAT" : "IMAGE";
  }
}
