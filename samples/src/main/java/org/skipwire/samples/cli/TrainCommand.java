package org.skipwire.samples.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import org.skipwire.runtime.SkipwireModel;
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
      description = "where checkpoints and plots go (default: runs/<model>)")
  Path checkpointDir;

  @Option(
      names = "--resume",
      description = "continue from the checkpoint in the checkpoint directory")
  boolean resume;

  @Override
  public Integer call() {
    SkipwireModel network = SummaryCommand.find(model);
    TrainingData data = options.data();
    Path dir = checkpointDir != null ? checkpointDir : Path.of("runs", network.name());
    PrintStream out = Main.stdout(spec);
    Trainer trainer = new Trainer(options.plan(dir, resume), out).startWith(transfer.start(network, out));
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
}
