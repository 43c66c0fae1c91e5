package org.skipwire.samples.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.node.ArrayNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;
import org.skipwire.runtime.data.DataException;
import org.skipwire.runtime.data.Series;
import org.skipwire.runtime.data.SeriesReader;
import org.skipwire.runtime.predict.Prediction;
import org.skipwire.runtime.predict.Predictor;
import org.skipwire.runtime.train.CheckpointException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Predicts with a trained checkpoint. A classifier's: the most probable classes of each picture,
 * with their probabilities, preprocessed as the training images were. A forecaster's: the next
 * value of each CSV series (from its last {@code T} values, in the series' units).
 */
@Command(
    name = "predict",
    mixinStandardHelpOptions = true,
    description =
        "Print the most probable classes of each image (a classifier's checkpoint), or the next"
            + " value of each CSV series (a forecaster's).")
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

  @Option(
      names = "--column",
      paramLabel = "NAME",
      description =
          "the CSV column a forecaster reads (default: the only one, or the second of two)")
  String column;

  @Parameters(
      paramLabel = "FILE",
      arity = "1..*",
      description = "PNG or JPEG images, or CSV series for a forecaster")
  List<Path> files;

  @Override
  public void run() {
    if (top < 1) {
      throw new Main.UserError("--top must be at least 1, got " + top);
    }
    Predictor predictor = load(checkpoint);
    PrintWriter out = spec.commandLine().getOut();
    ObjectMapper mapper = new ObjectMapper();
    boolean given = spec.commandLine().getParseResult().hasMatchedOption("--top");
    if (predictor.regression()) {
      if (given) {
        throw new Main.UserError(
            "--top ranks classes; " + predictor.info().model() + " is a forecaster");
      }
      forecast(predictor, out, mapper);
      return;
    }
    if (column != null) {
      throw new Main.UserError(
          "--column picks a forecaster's CSV column; "
              + predictor.info().model()
              + " is a classifier of images");
    }
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

  /** One line per series: its next value, in its units. */
  private void forecast(Predictor predictor, PrintWriter out, ObjectMapper mapper) {
    for (Path file : files) {
      double[] next;
      Series series;
      try {
        series = SeriesReader.read(file, column);
        next = predictor.forecast(series);
      } catch (DataException e) {
        throw new Main.UserError(e.getMessage());
      }
      if (json) {
        ObjectNode o = mapper.createObjectNode();
        o.put("file", file.toString());
        o.put("column", series.column());
        o.put("values", series.size());
        o.put("window", predictor.window());
        o.put("forecast", next[0]);
        out.println(o.toString());
      } else {
        out.println(
            String.format(
                Locale.ROOT,
                "%s: next %s %.6g (from its last %d of %,d values)",
                file,
                series.column(),
                next[0],
                predictor.window(),
                series.size()));
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
