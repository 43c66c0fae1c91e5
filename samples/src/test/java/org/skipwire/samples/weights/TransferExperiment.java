package org.skipwire.samples.weights;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.IntPredicate;
import org.skipwire.runtime.data.Dataset;
import org.skipwire.runtime.data.Datasets;
import org.skipwire.runtime.data.ImageData;
import org.skipwire.runtime.onednn.Backend;
import org.skipwire.runtime.train.GraphStart;
import org.skipwire.runtime.train.Progress;
import org.skipwire.runtime.train.Schedule;
import org.skipwire.runtime.train.TrainResult;
import org.skipwire.runtime.train.Trainer;
import org.skipwire.runtime.train.TrainingPlan;
import org.skipwire.runtime.weights.SafetensorsWriter;
import org.skipwire.runtime.weights.TorchvisionNames;
import org.skipwire.runtime.weights.Transfer;
import org.skipwire.samples.zoo.FashionResNetGraph;

/**
 * The transfer experiment of the README, without downloads: fashion-resnet pretrained on the
 * embedded Fashion-MNIST subset's classes 0-4 (T-shirt, trouser, pullover, dress, coat), then
 * trained on 50 images of each of classes 5-9 (sandal, shirt, sneaker, bag, ankle boot) from
 * scratch, fine-tuned from the pretrained weights, and with the pretrained trunk frozen. Test
 * accuracy is on the embedded test images of classes 5-9. A measurement, not a test.
 */
public final class TransferExperiment {
  private static final int PER_CLASS = 50;
  private static int epochs = 20;

  /** Arguments: pretraining epochs (5), fine-tuning epochs (20), learning rates (0.05). */
  public static void main(String[] args) throws Exception {
    Backend.init();
    int preEpochs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    epochs = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    double[] rates = {0.05};
    if (args.length > 2) {
      rates =
          java.util.Arrays.stream(args, 2, args.length).mapToDouble(Double::parseDouble).toArray();
    }
    Dataset all = Datasets.embedded();
    IntPredicate first = c -> c < 5;
    IntPredicate second = c -> c >= 5;
    Dataset pretrain =
        new Dataset(
            "classes 0-4",
            all.format(),
            subset(all.train(), first, Integer.MAX_VALUE),
            subset(all.test(), first, Integer.MAX_VALUE),
            all.classNames());
    Dataset small =
        new Dataset(
            "classes 5-9, 50 each",
            all.format(),
            subset(all.train(), second, PER_CLASS),
            subset(all.test(), second, Integer.MAX_VALUE),
            all.classNames());
    FashionResNetGraph model = new FashionResNetGraph();
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

    long t0 = System.nanoTime();
    TrainResult pre = new Trainer(plan(preEpochs, 128, 0.1).build(), quiet).train(model, pretrain);
    System.out.printf(
        Locale.ROOT,
        "pretrain on %d images of classes 0-4, %d epochs: test accuracy %.2f%% (%d images), %.0f s%n",
        pretrain.train().size(),
        preEpochs,
        100 * pre.testAccuracy(),
        pretrain.test().size(),
        (System.nanoTime() - t0) / 1e9);
    Path weights = Files.createTempFile("fashion-resnet-0-4", ".safetensors");
    SafetensorsWriter.write(pre.graph(), TorchvisionNames.RESNET, weights);

    System.out.printf(
        Locale.ROOT,
        "then %d images of classes 5-9, %d epochs, batch 50, warm-up cosine; test on %d images%n",
        small.train().size(),
        epochs,
        small.test().size());
    System.out.println("| start | lr | test accuracy | best epoch (accuracy) | seconds |");
    System.out.println("|---|---|---|---|---|");
    for (double lr : rates) {
      arm("from scratch", lr, GraphStart.NONE, model, small, quiet);
      arm(
          "fine-tuned from classes 0-4",
          lr,
          Transfer.of(model).weights(weights).out(quiet),
          model,
          small,
          quiet);
      arm(
          "frozen trunk from classes 0-4",
          lr,
          Transfer.of(model).weights(weights).freeze("trunk").out(quiet),
          model,
          small,
          quiet);
    }
    Files.deleteIfExists(weights);
  }

  private static void arm(
      String name,
      double lr,
      GraphStart start,
      FashionResNetGraph model,
      Dataset data,
      PrintStream quiet)
      throws Exception {
    long t0 = System.nanoTime();
    TrainResult r =
        new Trainer(plan(epochs, 50, lr).build(), quiet).startWith(start).train(model, data);
    int best = 0;
    for (int e = 1; e < r.history().size(); e++) {
      if (r.history().get(e).testAccuracy() > r.history().get(best).testAccuracy()) {
        best = e;
      }
    }
    System.out.printf(
        Locale.ROOT,
        "| %s | %s | %.2f%% | %d (%.2f%%) | %.0f |%n",
        name,
        lr,
        100 * r.testAccuracy(),
        best + 1,
        100 * r.history().get(best).testAccuracy(),
        (System.nanoTime() - t0) / 1e9);
  }

  private static TrainingPlan.Builder plan(int epochs, int batch, double lr) {
    return TrainingPlan.builder()
        .epochs(epochs)
        .batch(batch)
        .learningRate(lr)
        .schedule(Schedule.WARMUP_COSINE)
        .seed(42)
        .progress(Progress.QUIET);
  }

  /** The images whose class passes {@code keep}, at most {@code perClass} of each, in order. */
  static ImageData subset(ImageData d, IntPredicate keep, int perClass) {
    int[] taken = new int[d.numClasses()];
    int n = 0;
    int[] chosen = new int[d.size()];
    for (int i = 0; i < d.size(); i++) {
      int c = d.label(i);
      if (keep.test(c) && taken[c] < perClass) {
        taken[c]++;
        chosen[n++] = i;
      }
    }
    int px = d.channels() * d.height() * d.width();
    byte[] pixels = new byte[n * px];
    byte[] labels = new byte[n];
    for (int k = 0; k < n; k++) {
      int i = chosen[k];
      labels[k] = (byte) d.label(i);
      int at = k * px;
      for (int c = 0; c < d.channels(); c++) {
        for (int y = 0; y < d.height(); y++) {
          for (int x = 0; x < d.width(); x++) {
            pixels[at++] = (byte) d.pixel(i, c, y, x);
          }
        }
      }
    }
    return new ImageData(
        d.source(), d.channels(), d.height(), d.width(), pixels, labels, d.numClasses());
  }
}
