package org.skipwire.samples.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
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
 * The degradation experiment of He et al.: trains any number of networks (a residual network and
 * its plain twin, or {@code --preset degradation}: plain and residual networks at two depths) with
 * the same data, budget and seed, then prints their curves side by side and a summary table, and
 * plots their losses, accuracy and gradient norms together.
 */
@Command(
    name = "compare",
    mixinStandardHelpOptions = true,
    description = "Train networks with the same budget and compare their training curves.")
final class CompareCommand implements java.util.concurrent.Callable<Integer> {
  /** The networks each preset trains, in order. */
  static final Map<String, List<String>> PRESETS =
      Map.of(
          "degradation",
          List.of("fashion-plain20", "fashion-plain56", "fashion-resnet20", "fashion-resnet56"),
          "mlp",
          List.of("mlp-plain", "mlp-residual", "mlp-highway", "mlp-dense"));

  @Spec CommandSpec spec;

  @Option(
      names = "--model",
      paramLabel = "NAME",
      description =
          "a network to train; give it once per network, e.g. --model fashion-resnet --model"
              + " fashion-plain")
  List<String> models = new ArrayList<>();

  @Option(
      names = "--preset",
      paramLabel = "NAME",
      description =
          "degradation (fashion-plain20, -plain56, -resnet20, -resnet56) or mlp (mlp-plain,"
              + " -residual, -highway, -dense), trained before any --model")
  String preset;

  @Mixin TrainOptions options;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      description =
          "where each run's checkpoints and the comparison plots go (default: runs/compare)")
  Path outDir = Path.of("runs", "compare");

  @Override
  public Integer call() throws IOException {
    List<String> names = new ArrayList<>();
    if (preset != null) {
      List<String> members = PRESETS.get(preset);
      if (members == null) {
        throw new Main.UserError(
            "--preset: unknown preset '"
                + preset
                + "'; expected one of "
                + String.join(", ", new TreeMap<>(PRESETS).keySet()));
      }
      names.addAll(members);
    }
    names.addAll(models);
    if (names.size() < 2) {
      throw new Main.UserError(
          "compare needs at least two networks (--model twice, or --preset), got " + names.size());
    }
    List<SkipwireModel> networks = names.stream().map(SummaryCommand::find).toList();
    TrainingData data = options.data();
    PrintStream out = Main.stdout(spec);
    Map<String, List<EpochMetrics>> runs = new LinkedHashMap<>();
    Map<String, Summary> summaries = new LinkedHashMap<>();
    double baselineMse = Double.NaN;
    for (SkipwireModel network : networks) {
      // The same network twice gets two runs: name, name-2, ...
      String key = network.name();
      for (int i = 2; runs.containsKey(key); i++) {
        key = network.name() + "-" + i;
      }
      Trainer trainer =
          new Trainer(options.plan(outDir.resolve(key), false), out).overwrite(options.overwrite);
      long t0 = System.nanoTime();
      TrainResult result = data.train(trainer, network);
      double seconds = (System.nanoTime() - t0) / 1e9;
      runs.put(key, result.history());
      summaries.put(key, new Summary(network.trainableParams(), result, seconds));
      baselineMse = result.baselineMse();
    }
    boolean regression = regression(runs);
    out.print(table(runs));
    out.print(summary(summaries, regression));
    Files.createDirectories(outDir);
    Path loss = outDir.resolve(Plots.LOSS_FILE);
    Path trainingLoss = outDir.resolve(Plots.TRAINING_LOSS_FILE);
    Path second = outDir.resolve(regression ? Plots.MSE_FILE : Plots.ACCURACY_FILE);
    Path gradients = outDir.resolve(Plots.GRADIENT_FLOW_FILE);
    Plots.loss(loss, runs);
    Plots.trainingLoss(trainingLoss, runs);
    if (regression) {
      Plots.mse(second, runs, baselineMse);
    } else {
      Plots.accuracy(second, runs);
    }
    Plots.gradientFlowComparison(gradients, runs);
    out.println("plots: " + trainingLoss + ", " + loss + ", " + second + ", " + gradients);
    out.flush();
    return 0;
  }

  /** One run's end: its size, its result and its wall time (data shaping, training, tests). */
  record Summary(long params, TrainResult result, double seconds) {}

  /**
   * One row per run: parameters, the last epoch's training loss and accuracy (as trained, in
   * training mode), the test accuracy (for a series: test loss and MSE) and the wall time.
   */
  static String summary(Map<String, Summary> runs, boolean regression) {
    int width = Math.max(8, runs.keySet().stream().mapToInt(String::length).max().orElse(0));
    StringBuilder s = new StringBuilder("\n");
    String header =
        regression
            ? "%-" + width + "s  %10s  %10s  %10s  %10s  %8s%n"
            : "%-" + width + "s  %10s  %10s  %9s  %9s  %8s%n";
    s.append(
        String.format(
            Locale.ROOT,
            header,
            "network",
            "params",
            "train loss",
            regression ? "test loss" : "train acc",
            regression ? "test MSE" : "test acc",
            "time"));
    runs.forEach(
        (name, r) -> {
          List<EpochMetrics> h = r.result().history();
          EpochMetrics last = h.isEmpty() ? null : h.get(h.size() - 1);
          double trainLoss = last == null ? Double.NaN : last.trainLoss();
          String time = String.format(Locale.ROOT, "%.0f s", r.seconds());
          if (regression) {
            s.append(
                String.format(
                    Locale.ROOT,
                    "%-" + width + "s  %,10d  %10.4f  %10.4f  %10.4g  %8s%n",
                    name,
                    r.params(),
                    trainLoss,
                    r.result().testLoss(),
                    r.result().testMse(),
                    time));
          } else {
            double trainAcc = last == null ? Double.NaN : 100 * last.trainAccuracy();
            s.append(
                String.format(
                    Locale.ROOT,
                    "%-" + width + "s  %,10d  %10.4f  %8.2f%%  %8.2f%%  %8s%n",
                    name,
                    r.params(),
                    trainLoss,
                    trainAcc,
                    100 * r.result().testAccuracy(),
                    time));
          }
        });
    return s.toString();
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
