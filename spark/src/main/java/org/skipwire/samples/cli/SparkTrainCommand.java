package org.skipwire.samples.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.skipwire.runtime.SkipwireModel;
import org.skipwire.runtime.train.TrainResult;
import org.skipwire.runtime.train.Trainer;
import org.skipwire.runtime.train.TrainingPlan;
import org.skipwire.spark.SparkContexts;
import org.skipwire.spark.SparkEpochFit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code skipwire train} data-parallel on Spark: the same options, data, progress, checkpoints and
 * plots (the single-machine {@link Trainer} runs the epochs; {@link SparkEpochFit} fits them), plus
 * where and how to run.
 *
 * <p>It lives in the command line's package, in the spark module, to reuse the package-private
 * {@link TrainOptions}, {@link TrainingData} and error handling of {@code train} without widening
 * them.
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description =
        "Train a network data-parallel on Apache Spark (DL4J's parameter averaging), on the same"
            + " data as 'skipwire train'.")
final class SparkTrainCommand implements java.util.concurrent.Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--model",
      required = true,
      paramLabel = "NAME",
      description = "a name from 'skipwire models'")
  String model;

  @Mixin TrainOptions options;

  @Option(
      names = "--checkpoint-dir",
      paramLabel = "DIR",
      description = "where checkpoints and plots go (default: runs/<model>)")
  Path checkpointDir;

  @Option(
      names = "--resume",
      description =
          "continue from the checkpoint in the checkpoint directory (one from 'skipwire train'"
              + " too)")
  boolean resume;

  @Option(
      names = "--master",
      paramLabel = "URL",
      description =
          "local[N], spark://HOST:PORT, yarn... (default: spark-submit's --master, else "
              + SparkContexts.DEFAULT_MASTER
              + ")")
  String master;

  @Option(
      names = "--workers",
      paramLabel = "N",
      description =
          "data-parallel workers; --batch is split among them (default: Spark's default"
              + " parallelism)")
  Integer workers;

  @Option(
      names = "--averaging-frequency",
      paramLabel = "N",
      description =
          "batches each worker fits between parameter averagings (default: ${DEFAULT-VALUE}, the"
              + " single-machine step on the whole batch)")
  int averagingFrequency = 1;

  @Option(
      names = "--conf",
      paramLabel = "KEY=VALUE",
      description = "a Spark property, e.g. --conf spark.executor.memory=8g (repeatable)")
  Map<String, String> conf = new LinkedHashMap<>();

  @Override
  public Integer call() {
    SkipwireModel network = SummaryCommand.find(model);
    TrainingData data = options.data();
    PrintStream out = Main.stdout(spec);
    Path dir =
        checkpointDir != null
            ? checkpointDir
            : TrainCommand.defaultCheckpointDir(network.name(), resume || options.overwrite, out);
    TrainingPlan plan = options.plan(dir, resume);
    if (averagingFrequency < 1) {
      throw new Main.UserError(
          "--averaging-frequency must be at least 1, got " + averagingFrequency);
    }
    if (workers != null && workers < 1) {
      throw new Main.UserError("--workers must be at least 1, got " + workers);
    }
    if (workers != null) {
      checkSplits(plan.batch(), workers);
    }
    try (JavaSparkContext sc = SparkContexts.create(master, "skipwire " + network.name(), conf)) {
      int w = workers != null ? workers : sc.defaultParallelism();
      checkSplits(plan.batch(), w);
      SparkEpochFit fit = new SparkEpochFit(sc, w, plan.batch(), averagingFrequency);
      out.printf(
          Locale.ROOT,
          "spark %s on %s: %d workers, %d images each per step, parameters averaged every %s%n",
          sc.version(),
          sc.master(),
          w,
          plan.batch() / w,
          averagingFrequency == 1 ? "batch" : averagingFrequency + " batches");
      Trainer trainer = new Trainer(plan, out).overwrite(options.overwrite).epochFit(fit);
      TrainResult result = data.train(trainer, network);
      if (fit.helpersPerWorkerNetwork() >= 0) {
        out.printf(
            Locale.ROOT,
            "executors ran skipwire's oneDNN helpers on %d layers of each worker's network%n",
            fit.helpersPerWorkerNetwork());
      }
      out.flush();
      return result == null ? 1 : 0;
    }
  }

  private static void checkSplits(int batch, int workers) {
    if (batch % workers != 0) {
      throw new Main.UserError(
          String.format(
              Locale.ROOT,
              "--batch %d does not split among %d workers; give a multiple of %d, or --workers",
              batch,
              workers,
              workers));
    }
  }
}
