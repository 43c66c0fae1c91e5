package org.skipwire.samples.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import org.skipwire.runtime.SkipwireModel;
import org.skipwire.runtime.data.DataException;
import org.skipwire.runtime.data.Dataset;
import org.skipwire.runtime.data.Datasets;
import org.skipwire.runtime.train.CheckpointException;
import org.skipwire.runtime.train.TrainResult;
import org.skipwire.runtime.train.Trainer;
import org.skipwire.runtime.train.TrainingDivergedException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Trains a generated network: progress per epoch, a checkpoint and plots after each, and the test
 * accuracy at the end.
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = "Train a network on the embedded Fashion-MNIST subset or on data you have.")
final class TrainCommand implements java.util.concurrent.Callable<Integer> {
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
      description = "continue from the checkpoint in the checkpoint directory")
  boolean resume;

  @Override
  public Integer call() {
    SkipwireModel network = SummaryCommand.find(model);
    Path dir = checkpointDir != null ? checkpointDir : Path.of("runs", network.name());
    PrintStream out = Main.stdout(spec);
    Trainer trainer = new Trainer(options.plan(dir, resume), out);
    TrainResult result = train(trainer, network, open(options.data));
    out.flush();
    return result == null ? 1 : 0;
  }

  static Dataset open(Path data) {
    try {
      return Datasets.open(data);
    } catch (DataException e) {
      throw new Main.UserError(e.getMessage());
    }
  }

  /** Trains, turning the expected failures into one-line errors; null if training diverged. */
  static TrainResult train(Trainer trainer, SkipwireModel network, Dataset data) {
    try {
      return trainer.train(network, data);
    } catch (DataException | CheckpointException e) {
      throw new Main.UserError(e.getMessage());
    } catch (TrainingDivergedException e) {
      throw new Main.Failure(e.getMessage());
    }
  }
}
