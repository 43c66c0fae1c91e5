package org.skipwire.samples.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.skipwire.runtime.data.DataException;
import org.skipwire.runtime.data.ImageData;
import org.skipwire.runtime.data.ImageFolders;
import org.skipwire.runtime.predict.ClassificationReport;
import org.skipwire.runtime.predict.Predictor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Measures a trained classifier on a labelled image folder: accuracy, each class's precision,
 * recall and F1, and the confusion matrix as {@code confusion.png}.
 */
@Command(
    name = "evaluate",
    mixinStandardHelpOptions = true,
    description =
        "Measure a trained checkpoint on an image folder: accuracy, per-class precision, recall"
            + " and F1, and confusion.png.")
final class EvaluateCommand implements Runnable {
  @Spec CommandSpec spec;

  @Option(
      names = "--checkpoint",
      required = true,
      paramLabel = "DIR|ZIP",
      description = "a run directory (runs/<model>) or its checkpoint.zip")
  Path checkpoint;

  @Option(
      names = "--data",
      required = true,
      paramLabel = "DIR",
      description =
          "one sub-folder per class, named as in training (a folder with val/ is read from val/)")
  Path data;

  @Option(
      names = "--plot",
      paramLabel = "FILE",
      description =
          "where the confusion matrix goes (default: confusion.png in the checkpoint's directory)")
  Path plot;

  @Option(names = "--json", description = "print one JSON object instead of a table")
  boolean json;

  @Option(
      names = "--batch",
      paramLabel = "N",
      description = "images per forward pass (default: ${DEFAULT-VALUE})")
  int batch = 128;

  @Override
  public void run() {
    if (batch < 1) {
      throw new Main.UserError("--batch must be at least 1, got " + batch);
    }
    Predictor predictor = PredictCommand.load(checkpoint);
    Path dir = Files.isDirectory(data.resolve("val")) ? data.resolve("val") : data;
    ClassificationReport report;
    try {
      ImageFolders.Listing listing =
          ImageFolders.relabel(ImageFolders.scan(dir, false), predictor.classNames());
      ImageData images = ImageFolders.read(listing, predictor.info().imageShape());
      report = ClassificationReport.of(predictor, images, batch);
    } catch (DataException e) {
      throw new Main.UserError(e.getMessage());
    }
    Path png =
        plot != null
            ? plot
            : predictor.file().toAbsolutePath().getParent().resolve("confusion.png");
    try {
      report.writeConfusionPng(png, predictor.info().model() + " on " + dir);
    } catch (IOException | RuntimeException e) {
      throw new Main.UserError(
          png + ": cannot write the confusion matrix (" + e.getMessage() + ")");
    }
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(report.toJson().replaceAll("\\s*\\R\\s*", " "));
    } else {
      out.printf("%s on %s%n", predictor.info().model(), dir);
      out.print(report.toText());
      out.println("confusion matrix: " + png);
    }
    out.flush();
  }
}
