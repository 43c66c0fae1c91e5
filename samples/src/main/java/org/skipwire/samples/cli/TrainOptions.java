package org.skipwire.samples.cli;

import java.nio.file.Path;
import org.skipwire.runtime.train.Optimizer;
import org.skipwire.runtime.train.Progress;
import org.skipwire.runtime.train.Schedule;
import org.skipwire.runtime.train.TrainingPlan;
import picocli.CommandLine.Option;

/** The options {@code train} and {@code compare} share: data, budget and optimiser. */
final class TrainOptions {
  @Option(
      names = "--data",
      paramLabel = "DIR|FILE.csv",
      description =
          "a directory with Fashion-MNIST/MNIST IDX files, CIFAR-10 binaries or one sub-folder per"
              + " class of PNG/JPEG images (with train/ and val/, or split by --val-fraction), or a"
              + " CSV file with"
              + " a header row holding a series (default: the embedded Fashion-MNIST subset; for a"
              + " network with input [1, T], the embedded monthly sunspot numbers)")
  Path data;

  @Option(
      names = "--column",
      paramLabel = "NAME",
      description =
          "the CSV column holding the series (may be left out when the file has one column, or"
              + " two with the time stamp first)")
  String column;

  @Option(
      names = "--epochs",
      paramLabel = "N",
      description = "passes over the training set (default: ${DEFAULT-VALUE})")
  int epochs = 10;

  @Option(
      names = "--batch",
      paramLabel = "N",
      description = "images per update (default: ${DEFAULT-VALUE})")
  int batch = 128;

  @Option(
      names = "--optimizer",
      paramLabel = "NAME",
      description =
          "sgd (Nesterov momentum 0.9) or adam (default: ${DEFAULT-VALUE}); adam suits the"
              + " transformer and the forecaster")
  String optimizer = "sgd";

  @Option(
      names = "--lr",
      paramLabel = "X",
      description = "peak learning rate (default: 0.1 for sgd, 0.001 for adam)")
  Double learningRate;

  @Option(
      names = "--schedule",
      paramLabel = "NAME",
      description =
          "step (x0.1 at 50%% and 75%%), cosine, warmup-cosine or constant (default:"
              + " ${DEFAULT-VALUE})")
  String schedule = "step";

  @Option(
      names = "--limit",
      paramLabel = "N",
      description = "train on the first N images (or series windows) only (default: all)")
  int limit;

  @Option(
      names = "--augment",
      description =
          "random 4-pixel shifts and horizontal flips (CIFAR-style); on an image folder random"
              + " resized crops and flips")
  boolean augment;

  @Option(
      names = "--val-fraction",
      paramLabel = "X",
      description =
          "the fraction of each class held out for validation from an image folder without val/"
              + " (default: ${DEFAULT-VALUE})")
  double valFraction = 0.1;

  @Option(
      names = "--seed",
      paramLabel = "N",
      description =
          "seed for initialisation, shuffling and augmentation, and for dropout and drop-path in"
              + " a fresh run (on Spark in every run, per worker and round) (default:"
              + " ${DEFAULT-VALUE})")
  long seed = 42;

  @Option(
      names = "--overwrite",
      description = "replace the checkpoint an earlier run left in the checkpoint directory")
  boolean overwrite;

  @Option(names = "--quiet", description = "no progress bar: one line per epoch")
  boolean quiet;

  /** The data these options name; a usage error for {@code --column} without a CSV file. */
  TrainingData data() {
    require(
        valFraction > 0 && valFraction < 1,
        "--val-fraction must be between 0 and 1 (exclusive), got " + valFraction);
    return new TrainingData(data, column, valFraction, seed);
  }

  /** The plan for these options, with checkpoints in {@code dir} (null for none). */
  TrainingPlan plan(Path dir, boolean resume) {
    Schedule parsed;
    try {
      parsed = Schedule.parse(schedule);
    } catch (IllegalArgumentException e) {
      throw new Main.UserError("--schedule: " + e.getMessage());
    }
    Optimizer rule;
    try {
      rule = Optimizer.parse(optimizer);
    } catch (IllegalArgumentException e) {
      throw new Main.UserError("--optimizer: " + e.getMessage());
    }
    double lr = learningRate != null ? learningRate : rule.defaultLearningRate();
    require(epochs >= 1, "--epochs must be at least 1, got " + epochs);
    require(batch >= 1, "--batch must be at least 1, got " + batch);
    require(lr > 0 && Double.isFinite(lr), "--lr must be positive, got " + lr);
    require(limit >= 0, "--limit must be 0 (all) or more, got " + limit);
    return TrainingPlan.builder()
        .epochs(epochs)
        .batch(batch)
        .learningRate(lr)
        .optimizer(rule)
        .schedule(parsed)
        .trainLimit(limit)
        .augment(augment)
        .seed(seed)
        .checkpointDir(dir)
        .resume(resume)
        .progress(quiet ? Progress.QUIET : Progress.AUTO)
        .build();
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new Main.UserError(message);
    }
  }
}
