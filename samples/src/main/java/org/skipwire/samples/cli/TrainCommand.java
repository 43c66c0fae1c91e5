package org.skipwire.samples.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.skipwire.runtime.SkipwireModel;
import org.skipwire.runtime.train.Checkpoints;
import org.skipwire.runtime.train.TrainResult;
import org.skipwire.runtime.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Trains a generated network: progress per epoch, a checkpoint and plots after each, and the test
 * accuracy at the end (for a forecaster, the test MSE against the naive forecast's).
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description =
        "Train a network on the embedded Fashion-MNIST subset (a forecaster with input [1, T]: on"
            + " the embedded monthly sunspot numbers) or on data you have.")
final class TrainCommand implements java.util.concurrent.Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--model",
      required = true,
      paramLabel = "NAME",
      description = "a name from 'skipwire models'")
  String model;

  @Mixin TrainOptions options;

  @Mixin TransferOptions transfer;

  @Option(
      names = "--checkpoint-dir",
      paramLabel = "DIR",
      description =
          "where checkpoints and plots go (default: runs/<model>, or runs/<model>-N when that"
              + " holds an earlier run)")
  Path checkpointDir;

  @Option(
      names = "--resume",
      description = "continue from the checkpoint in the checkpoint directory")
  boolean resume;

  @Override
  public Integer call() {
    SkipwireModel network = SummaryCommand.find(model);
    TrainingData data = options.data();
    PrintStream out = Main.stdout(spec);
    Path dir =
        checkpointDir != null
            ? checkpointDir
            : defaultCheckpointDir(network.name(), resume || options.overwrite, out);
    Trainer trainer =
        new Trainer(options.plan(dir, resume), out)
            .overwrite(options.overwrite)
            .startWith(transfer.start(network, out));
    TrainResult result;
    try {
      result = data.train(trainer, network, transfer.normalization(out));
    } catch (org.skipwire.runtime.weights.Transfer.Failure e) {
      throw new Main.UserError(e.getMessage());
    }
    transfer.record(dir, out);
    out.flush();
    return result == null ? 1 : 0;
  }

  /**
   * {@code runs/<model>}, or where that already holds a run that this one neither resumes nor
   * overwrites, the first free {@code runs/<model>-N}, named in a note: running the same command
   * twice keeps both runs instead of refusing the second (a directory given with {@code
   * --checkpoint-dir} is never replaced by another; the trainer refuses it instead).
   */
  static Path defaultCheckpointDir(String model, boolean reuse, PrintStream out) {
    return defaultCheckpointDir(Path.of("runs"), model, reuse, out);
  }

  static Path defaultCheckpointDir(Path runs, String model, boolean reuse, PrintStream out) {
    Path dir = runs.resolve(model);
    if (reuse || !Checkpoints.exists(dir)) {
      return dir;
    }
    for (int n = 2; ; n++) {
      Path next = runs.resolve(model + "-" + n);
      if (!Files.exists(next)) {
        out.printf(
            "note: %s holds an earlier run (continue it with --resume, replace it with"
                + " --overwrite); this run writes to %s%n",
            dir, next);
        return next;
      }
    }
  }
}
