package org.skipwire.samples.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.skipwire.runtime.data.DataException;
import org.skipwire.runtime.data.Dataset;
import org.skipwire.runtime.data.Datasets;
import org.skipwire.runtime.data.ImageFolders;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Writes the embedded Fashion-MNIST subset (or IDX / CIFAR-10 files) as an image folder, {@code
 * OUT/train/<class>/00000.png} and {@code OUT/val/<class>/...}: real pictures to try {@code train
 * --data}, {@code predict} and {@code evaluate} on without a download.
 */
@Command(
    name = "export-images",
    mixinStandardHelpOptions = true,
    description =
        "Write the embedded Fashion-MNIST subset as PNG or JPEG class folders (OUT/train, OUT/val).")
final class ExportImagesCommand implements Runnable {
  @Spec CommandSpec spec;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "DIR",
      description = "a new or empty directory")
  Path out;

  @Option(
      names = "--data",
      paramLabel = "DIR",
      description = "IDX or CIFAR-10 files to export instead of the embedded subset")
  Path data;

  @Option(
      names = "--format",
      paramLabel = "png|jpg",
      description = "image format (default: ${DEFAULT-VALUE})")
  String format = "png";

  @Option(
      names = "--limit",
      paramLabel = "N",
      description = "the first N training images only (default: all)")
  int limit;

  @Option(
      names = "--val-limit",
      paramLabel = "N",
      description = "the first N test images only, written to val/ (default: all)")
  int valLimit;

  @Override
  public void run() {
    if (!ImageFolders.FORMATS.contains(format)) {
      throw new Main.UserError("--format must be png or jpg, got " + format);
    }
    if (limit < 0 || valLimit < 0) {
      throw new Main.UserError("--limit and --val-limit must be 0 (all) or more");
    }
    try {
      if (Files.exists(out) && (!Files.isDirectory(out) || hasEntries(out))) {
        throw new Main.UserError(out + ": exists and is not an empty directory; choose a new one");
      }
    } catch (IOException e) {
      throw new Main.UserError(out + ": cannot be read (" + e.getMessage() + ")");
    }
    Dataset dataset;
    try {
      dataset = Datasets.open(data);
    } catch (DataException e) {
      throw new Main.UserError(e.getMessage());
    }
    int n;
    try {
      n = ImageFolders.write(dataset, out, format, limit, valLimit);
    } catch (IOException e) {
      throw new Main.UserError(out + ": cannot write (" + e.getMessage() + ")");
    }
    PrintWriter w = spec.commandLine().getOut();
    w.printf(
        "wrote %d %s images of %s to %s (train/ and val/, %d classes)%n",
        n, format, dataset.name(), out, dataset.numClasses());
    w.flush();
  }

  private static boolean hasEntries(Path dir) throws IOException {
    try (var s = Files.list(dir)) {
      return s.findAny().isPresent();
    }
  }
}
