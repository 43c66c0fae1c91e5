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
    TrainingData data = options.data();
    PrintStream out = Main.stdout(spec);
    Map<String, List<EpochMetrics>> runs = new LinkedHashMap<>();
    double baselineMse = Double.NaN;
    for (SkipwireModel network : networks) {
      Trainer trainer = new Trainer(options.plan(outDir.resolve(network.name()), false), out);
      TrainResult result = data.train(trainer, network);
      runs.put(network.name(), result.history());
      baselineMse = result.baselineMse();
    }
    boolean regression = regression(runs);
    out.print(table(runs));
    Files.createDirectories(outDir);
    Path loss = outDir.resolve(Plots.LOSS_FILE);
    Path second = outDir.resolve(regression ? Plots.MSE_FILE : Plots.ACCURACY_FILE);
    Path gradients = outDir.resolve(Plots.GRADIENT_FLOW_FILE);
    Plots.loss(loss, runs);
    if (regression) {
      Plots.mse(second, runs, baselineMse);
    } else {
      Plots.accuracy(second, runs);
    }
    Plots.gradientFlowComparison(gradients, runs);
    out.println("plots: " + loss + ", " + second + ", " + gradients);
    out.flush();
    return 0;
  }

  /** Whether the runs forecast a series (they have a test MSE) rather than classify. */
  private static boolean regression(Map<String, List<EpochMetrics>> runs) {
    return runs.values().stream().flatMap(List::stream).anyMatch(EpochMetrics::isRegression);
  }

  /**
   * Per epoch: each run's training loss, training accuracy and test accuracy; for series, training
   * loss, test loss and test MSE in the series' units.
   */
  static String table(Map<String, List<EpochMetrics>> runs) {
    boolean regression = regression(runs);
    String columns = regression ? ": loss, test loss, test MSE" : ": loss, train acc, test acc";
    StringBuilder s = new StringBuilder("\nepoch");
    for (String name : runs.keySet()) {
      s.append(String.format(Locale.ROOT, "  | %-32s", name + columns));
    }
    s.append('\n');
    int epochs = runs.values().stream().mapToInt(List::size).max().orElse(0);
    for (int e = 0; e < epochs; e++) {
      s.append(String.format(Locale.ROOT, "%5d", e + 1));
      for (List<EpochMetrics> history : runs.values()) {
        if (e < history.size()) {
          EpochMetrics m = history.get(e);
          if (regression) {
            s.append(
                String.format(
                    Locale.ROOT,
                    "  | %8.4f  %8.4f  %10.4g    ",
                    m.trainLoss(),
                    m.testLoss(),
                    m.testMse()));
          } else {
            s.append(
                String.format(
                    Locale.ROOT,
                    "  | %8.4f  %7.2f%%  %7.2f%%        ",
                    m.trainLoss(),
                    100 * m.trainAccuracy(),
                    100 * m.testAccuracy()));
          }
        } else {
          s.append(String.format(Locale.ROOT, "  | %-32s", ""));
        }
      }
      s.append('\n');
    }
    return s.toString();
  }
}
