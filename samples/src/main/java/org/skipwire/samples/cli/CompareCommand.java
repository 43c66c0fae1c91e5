package org.skipwire.samples.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.skipwire.runtime.SkipwireModel;
import org.skipwire.runtime.data.Dataset;
import org.skipwire.runtime.train.EpochMetrics;
import org.skipwire.runtime.train.Plots;
import org.skipwire.runtime.train.TrainResult;
import org.skipwire.runtime.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The degradation experiment of He et al.: trains two networks (typically a residual network and
 * its plain twin) with the same data, budget and seed, then prints their curves side by side and
 * plots their loss, accuracy and gradient norms together.
 */
@Command(
    name = "compare",
    mixinStandardHelpOptions = true,
    description = "Train two networks with the same budget and compare their training curves.")
final class CompareCommand implements java.util.concurrent.Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--model",
      required = true,
      paramLabel = "NAME",
      description =
          "a network to train; give it twice, e.g. --model fashion-resnet --model fashion-plain")
  List<String> models;

  @Mixin TrainOptions options;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      description =
          "where each run's checkpoints and the comparison plots go (default: runs/compare)")
  Path outDir = Path.of("runs", "compare");

  @Override
  public Integer call() throws IOException {
    if (models.size() != 2) {
      throw new Main.UserError("compare needs exactly two --model options, got " + models.size());
    }
    List<SkipwireModel> networks = models.stream().map(SummaryCommand::find).toList();
    Dataset data = TrainCommand.open(options.data);
    PrintStream out = Main.stdout(spec);
    Map<String, List<EpochMetrics>> runs = new LinkedHashMap<>();
    for (SkipwireModel network : networks) {
      Trainer trainer = new Trainer(options.plan(outDir.resolve(network.name()), false), out);
      TrainResult result = TrainCommand.train(trainer, network, data);
      runs.put(network.name(), result.history());
    }
    out.print(table(runs));
    Files.createDirectories(outDir);
    Plots.loss(outDir.resolve("loss.png"), runs);
    Plots.accuracy(outDir.resolve("accuracy.png"), runs);
    Plots.gradientFlowComparison(outDir.resolve("gradient-flow.png"), runs);
    out.println(
        "plots: "
            + outDir.resolve("loss.png")
            + ", "
            + outDir.resolve("accuracy.png")
            + ", "
            + outDir.resolve("gradient-flow.png"));
    out.flush();
    return 0;
  }

  /** Per epoch: each run's training loss, training accuracy and test accuracy. */
  static String table(Map<String, List<EpochMetrics>> runs) {
    StringBuilder s = new StringBuilder("\nepoch");
    for (String name : runs.keySet()) {
      s.append(String.format(Locale.ROOT, "  | %-32s", name + ": loss, train acc, test acc"));
    }
    s.append('\n');
    int epochs = runs.values().stream().mapToInt(List::size).max().orElse(0);
    for (int e = 0; e < epochs; e++) {
      s.append(String.format(Locale.ROOT, "%5d", e + 1));
      for (List<EpochMetrics> history : runs.values()) {
        if (e < history.size()) {
          EpochMetrics m = history.get(e);
          s.append(
              String.format(
                  Locale.ROOT,
                  "  | %8.4f  %7.2f%%  %7.2f%%        ",
                  m.trainLoss(),
                  100 * m.trainAccuracy(),
                  100 * m.testAccuracy()));
        } else {
          s.append(String.format(Locale.ROOT, "  | %-32s", ""));
        }
      }
      s.append('\n');
    }
    return s.toString();
  }
}
