package org.skipwire.samples.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.skipwire.runtime.SkipwireModel;
import org.skipwire.runtime.weights.Npy;
import org.skipwire.runtime.weights.WeightLoader;
import org.skipwire.runtime.weights.WeightsException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Runs a network with weights from a file on a batch from a {@code .npy} file and writes its
 * outputs as {@code .npy}: the command that compares skipwire with PyTorch.
 */
@Command(
    name = "infer",
    mixinStandardHelpOptions = true,
    description =
        "Load weights (safetensors or torch.save state_dict) into a network and write its outputs"
            + " (probabilities for a softmax head) for a batch of inputs.")
final class InferCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--model",
      required = true,
      paramLabel = "NAME",
      description = "a name from 'skipwire models'")
  String model;

  @Option(
      names = "--weights",
      required = true,
      paramLabel = "FILE",
      description = ".safetensors or .pth/.pt (torch.save)")
  Path weights;

  @Option(
      names = "--input",
      required = true,
      paramLabel = "IN.npy",
      description = "float32 [N, C, H, W] (or [N, C] for a flat input), already normalised")
  Path input;

  @Option(
      names = "--output",
      required = true,
      paramLabel = "OUT.npy",
      description = "where the float32 outputs go")
  Path output;

  @Mixin WeightsOptions keys;

  @Override
  public Integer call() {
    SkipwireModel network = SummaryCommand.find(model);
    INDArray in;
    try {
      in = Npy.read(input);
    } catch (WeightsException e) {
      throw new Main.UserError(e.getMessage());
    }
    List<Long> expected = new ArrayList<>();
    expected.add(in.size(0));
    network.inputShape().forEach(d -> expected.add((long) d));
    List<Long> got = new ArrayList<>();
    for (long d : in.shape()) {
      got.add(d);
    }
    if (!got.equals(expected)) {
      throw new Main.UserError(
          input
              + ": shape "
              + got
              + ", but "
              + network.name()
              + " takes [N, "
              + network.inputShape().toString().substring(1));
    }
    ComputationGraph graph = network.create();
    WeightLoader.Result r = keys.load(graph, network.name(), weights, false);
    INDArray out = graph.outputSingle(false, in);
    try {
      Npy.write(out, output);
    } catch (IOException e) {
      throw new Main.UserError(output + ": cannot write: " + e.getMessage());
    }
    PrintWriter w = spec.commandLine().getOut();
    w.printf(
        Locale.ROOT,
        "%s: %d tensors from %s (%s names); wrote %s %s%n",
        network.name(),
        r.loaded(),
        weights,
        r.convention(),
        output,
        java.util.Arrays.toString(out.shape()));
    w.flush();
    return 0;
  }
}
