package org.skipwire.samples.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.node.ArrayNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;
import org.skipwire.runtime.data.DataException;
import org.skipwire.runtime.predict.Prediction;
import org.skipwire.runtime.predict.Predictor;
import org.skipwire.runtime.train.CheckpointException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Classifies pictures with a trained checkpoint: the most probable classes of each, with their
 * probabilities, preprocessed as the training images were.
 */
@Command(
    name = "predict",
    mixinStandardHelpOptions = true,
    description = "Print the most probable classes of each image, from a trained checkpoint.")
final class PredictCommand implements Runnable {
  @Spec CommandSpec spec;

  @Option(
      names = "--checkpoint",
      required = true,
      paramLabel = "DIR|ZIP",
      description = "a run directory (runs/<model>) or its checkpoint.zip")
  Path checkpoint;

  @Option(
      names = "--top",
      paramLabel = "K",
      description = "classes per image (default: ${DEFAULT-VALUE})")
  int top = 5;

  @Option(names = "--json", description = "one JSON object per image, one per line")
  boolean json;

  @Parameters(paramLabel = "FILE", arity = "1..*", description = "PNG or JPEG images")
  List<Path> files;

  @Override
  public void run() {
    if (top < 1) {
      throw new Main.UserError("--top must be at least 1, got " + top);
    }
    Predictor predictor = load(checkpoint);
    PrintWriter out = spec.commandLine().getOut();
    ObjectMapper mapper = new ObjectMapper();
    for (Path file : files) {
      List<Prediction> ranked;
      try {
        ranked = predictor.top(file, top);
      } catch (DataException e) {
        throw new Main.UserError(e.getMessage());
      }
      if (json) {
        ObjectNode o = mapper.createObjectNode();
        o.put("file", file.toString());
        ArrayNode a = o.putArray("top");
        for (Prediction p : ranked) {
          a.addObject()
              .put("class", p.label())
              .put("index", p.index())
              .put("probability", p.probability());
        }
        out.println(o.toString());
      } else {
        StringBuilder line = new StringBuilder(file.toString()).append(':');
        for (Prediction p : ranked) {
          line.append(String.format(Locale.ROOT, "  %s %.1f%%", p.label(), 100 * p.probability()));
        }
        out.println(line);
      }
    }
    out.flush();
  }

  static Predictor load(Path checkpoint) {
    try {
      return Predictor.load(checkpoint);
    } catch (CheckpointException e) {
      throw new Main.UserError(e.getMessage());
    }
  }
}
