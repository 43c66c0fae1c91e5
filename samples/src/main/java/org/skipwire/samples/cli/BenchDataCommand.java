package org.skipwire.samples.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.nd4j.linalg.dataset.DataSet;
import org.skipwire.runtime.SkipwireModel;
import org.skipwire.runtime.data.DataException;
import org.skipwire.runtime.data.DataOptions;
import org.skipwire.runtime.data.DataSplit;
import org.skipwire.runtime.data.Dataset;
import org.skipwire.runtime.data.ImageFolders;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The image loader alone, without a network: how fast an image folder decodes to a network's input,
 * and how fast batches come out of the decoded cache (plain and augmented), in images per second,
 * to set beside the trainer's images/s for the same network.
 */
@Command(
    name = "bench-data",
    mixinStandardHelpOptions = true,
    description =
        "Measure the image-folder loader alone: decoding images/s, then batches/s from the cache.")
final class BenchDataCommand implements Runnable {
  @Spec CommandSpec spec;

  @Option(
      names = "--model",
      required = true,
      paramLabel = "NAME",
      description = "whose input shape to decode to")
  String model;

  @Option(names = "--data", required = true, paramLabel = "DIR", description = "an image folder")
  Path data;

  @Option(
      names = "--batch",
      paramLabel = "N",
      description = "images per batch (default: ${DEFAULT-VALUE})")
  int batch = 128;

  @Option(
      names = "--epochs",
      paramLabel = "N",
      description = "passes over the cache per variant (default: ${DEFAULT-VALUE})")
  int epochs = 2;

  @Override
  public void run() {
    SkipwireModel network = SummaryCommand.find(model);
    PrintWriter out = spec.commandLine().getOut();
    long t0 = System.nanoTime();
    Dataset dataset;
    try {
      dataset =
          ImageFolders.open(data, network.inputShape(), ImageFolders.DEFAULT_VAL_FRACTION, 42);
    } catch (DataException e) {
      throw new Main.UserError(e.getMessage());
    }
    double decode = (System.nanoTime() - t0) / 1e9;
    int images = dataset.train().size() + dataset.test().size();
    out.printf(
        Locale.ROOT,
        "decode: %d images to %s in %.2f s, %,.0f images/s on %d threads%n",
        images,
        network.inputShape(),
        decode,
        images / decode,
        Runtime.getRuntime().availableProcessors());
    for (boolean augment : List.of(false, true)) {
      DataOptions o = DataOptions.defaults().withBatch(batch).withAugment(augment);
      DataSplit split;
      try {
        split = dataset.iterators(network.inputShape(), network.outputShape(), o);
      } catch (DataException e) {
        throw new Main.UserError(e.getMessage());
      }
      long n = 0;
      long t1 = System.nanoTime();
      for (int e = 0; e < epochs; e++) {
        split.train().setEpoch(e);
        while (split.train().hasNext()) {
          DataSet ds = split.train().next();
          n += ds.numExamples();
        }
      }
      double s = (System.nanoTime() - t1) / 1e9;
      out.printf(
          Locale.ROOT,
          "batches from the cache%s: %,d images in %.2f s, %,.0f images/s (one thread)%n",
          augment
              ? ", augmented (" + dataset.augmentation().name().toLowerCase(Locale.ROOT) + ")"
              : "",
          n,
          s,
          n / s);
    }
    out.flush();
  }
}
