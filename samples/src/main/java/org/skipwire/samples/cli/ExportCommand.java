package org.skipwire.samples.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.skipwire.runtime.SkipwireModel;
import org.skipwire.runtime.Training;
import org.skipwire.runtime.train.CheckpointException;
import org.skipwire.runtime.train.Checkpoints;
import org.skipwire.runtime.weights.NamingConvention;
import org.skipwire.runtime.weights.SafetensorsWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Writes a network's parameters as a safetensors state_dict PyTorch loads. */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description =
        "Write a trained network (a checkpoint directory), a weights file converted, or a fresh"
            + " initialisation as a safetensors state_dict under torchvision's names.")
final class ExportCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--model",
      required = true,
      paramLabel = "NAME",
      description = "a name from 'skipwire models'")
  String model;

  @Option(
      names = "--checkpoint-dir",
      paramLabel = "DIR",
      description = "a training run's directory (checkpoint.zip)")
  Path checkpointDir;

  @Option(
      names = "--weights",
      paramLabel = "FILE",
      description = "a weights file to convert instead")
  Path weights;

  @Option(
      names = "--seed",
      paramLabel = "N",
      description =
          "without a checkpoint or weights: initialise with this seed (default: ${DEFAULT-VALUE})")
  long seed = 42;

  @Option(
      names = "--output",
      required = true,
      paramLabel = "OUT.safetensors",
      description = "the file to write")
  Path output;

  @Mixin WeightsOptions keys;

  @Override
  public Integer call() {
    SkipwireModel network = SummaryCommand.find(model);
    if (checkpointDir != null && weights != null) {
      throw new Main.UserError("give --checkpoint-dir or --weights, not both");
    }
    ComputationGraph graph;
    if (checkpointDir != null) {
      try {
        graph = Checkpoints.load(checkpointDir).graph();
      } catch (CheckpointException e) {
        throw new Main.UserError(e.getMessage());
      }
    } else {
      graph = network.create(Training.defaults().withSeed(seed));
      if (weights != null) {
        keys.load(graph, network.name(), weights, false);
      }
    }
    NamingConvention names = keys.forExport(network.name());
    int n;
    try {
      if (output.getParent() != null) {
        Files.createDirectories(output.getParent());
      }
      n = SafetensorsWriter.write(graph, names, output);
    } catch (IOException e) {
      throw new Main.UserError(output + ": cannot write: " + e.getMessage());
    }
    PrintWriter w = spec.commandLine().getOut();
    w.printf(
        Locale.ROOT, "%s: wrote %d tensors to %s (%s names)%n", network.name(), n, output, names);
    w.flush();
    return 0;
  }
}
