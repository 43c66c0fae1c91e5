package org.skipwire.samples.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.skipwire.runtime.SkipwireModel;
import org.skipwire.runtime.data.SeriesDataSetIterator;
import org.skipwire.runtime.train.Blocks;
import org.skipwire.runtime.train.Lesions;
import org.skipwire.runtime.train.Plots;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Veit et al.'s lesion experiment on a trained residual network: the test metric with each residual
 * block deleted in turn and with k random blocks deleted, and the same for a plain twin where a
 * block can be deleted (see {@link Lesions}); a table and {@code lesion.png}.
 */
@Command(
    name = "lesion",
    mixinStandardHelpOptions = true,
    description =
        "Delete residual blocks of a trained network at test time, one at a time and k at random,"
            + " and measure the test set.")
final class LesionCommand implements java.util.concurrent.Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--checkpoint",
      required = true,
      paramLabel = "FILE|DIR",
      description = "a trained residual network: checkpoint.zip or its run directory")
  Path checkpoint;

  @Option(
      names = "--twin",
      paramLabel = "FILE|DIR",
      description = "its plain twin's checkpoint, lesioned too where a block keeps its shape")
  Path twin;

  @Option(
      names = "--data",
      paramLabel = "DIR|FILE.csv",
      description = "the data the networks were trained on (default: the embedded data)")
  Path data;

  @Option(
      names = "--limit",
      paramLabel = "N",
      description = "measure on the first N test examples only (default: all)")
  int limit;

  @Option(
      names = "--draws",
      paramLabel = "N",
      description = "random sets of k blocks per k, averaged (default: ${DEFAULT-VALUE})")
  int draws = 5;

  @Option(
      names = "--seed",
      paramLabel = "N",
      description = "seed for the random sets (default: ${DEFAULT-VALUE})")
  long seed = 42;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      description = "where lesion.png goes (default: beside the checkpoint)")
  Path outDir;

  @Override
  public Integer call() throws IOException {
    if (draws < 1) {
      throw new Main.UserError("--draws must be at least 1, got " + draws);
    }
    TrainedNetwork main = TrainedNetwork.open(checkpoint);
    List<Blocks.Block> blocks = Blocks.residual(main.model.vertices());
    if (blocks.isEmpty()) {
      throw new Main.UserError(
          main.name()
              + " has no residual blocks (no sum of a branch and a shortcut), so there is"
              + " nothing to delete; give a plain network as --twin of a residual one");
    }
    PrintStream out = Main.stdout(spec);
    Map<String, Lesions.Report> reports = new LinkedHashMap<>();
    reports.put(main.name(), report(main, blocks, out));
    if (twin != null) {
      TrainedNetwork plain = TrainedNetwork.open(twin);
      List<Blocks.Block> twinBlocks = Blocks.residual(plain.model.vertices());
      if (twinBlocks.isEmpty()) {
        twinBlocks = Blocks.plain(plain.model.vertices());
      }
      if (twinBlocks.isEmpty()) {
        out.println(plain.name() + " has no blocks to delete");
      } else {
        String key = plain.name().equals(main.name()) ? plain.name() + " (twin)" : plain.name();
        reports.put(key, report(plain, twinBlocks, out));
      }
    }
    Path dir = outDir != null ? outDir : main.file.toAbsolutePath().getParent();
    Path png = dir.resolve(Plots.LESION_FILE);
    Plots.lesion(png, reports);
    out.println("plot: " + png);
    out.flush();
    return 0;
  }

  private Lesions.Report report(TrainedNetwork net, List<Blocks.Block> blocks, PrintStream out) {
    DataSetIterator test = net.test(data, limit);
    Lesions.Report r;
    if (net.model.task() == SkipwireModel.Task.REGRESSION) {
      // The declaration says forecaster; its test set must then be a series' windows.
      if (!(test instanceof SeriesDataSetIterator windows)) {
        throw new Main.UserError(
            net.name() + " is a regression network; lesion it on a CSV series (--data FILE.csv)");
      }
      r = Lesions.run(net.graph(), blocks, windows, draws, seed);
    } else {
      r = Lesions.run(net.graph(), blocks, test, draws, seed);
    }
    out.print(table(net.name(), net.file.toString(), r, draws));
    out.flush();
    return r;
  }

  /** The report as text: the intact metric, one row per block, one row per k. */
  static String table(String name, String file, Lesions.Report r, int draws) {
    boolean percent = r.metric().endsWith("accuracy");
    StringBuilder s = new StringBuilder();
    s.append(
        String.format(
            Locale.ROOT,
            "%s (%s): %s %s intact, on %d test examples%n",
            name,
            file,
            r.metric(),
            value(r.intact(), percent),
            r.examples()));
    int width = r.single().stream().mapToInt(row -> row.what().length()).max().orElse(5);
    width = Math.max(width, "deleted".length());
    s.append(
        String.format(
            Locale.ROOT,
            "  %-" + width + "s  %9s  %9s%n",
            "deleted",
            r.metric().replace("test ", ""),
            "change"));
    for (Lesions.Row row : r.single()) {
      if (Double.isFinite(row.metric())) {
        s.append(
            String.format(
                Locale.ROOT,
                "  %-" + width + "s  %9s  %9s%n",
                row.what(),
                value(row.metric(), percent),
                change(row.metric() - r.intact(), percent)));
      } else {
        s.append(
            String.format(
                Locale.ROOT, "  %-" + width + "s  %9s%n", row.what(), "cannot be deleted"));
      }
    }
    if (!r.random().isEmpty()) {
      s.append(
          String.format(
              Locale.ROOT, "  k random blocks deleted (mean of %d draws; min, max):%n", draws));
      for (int k = 1; k <= r.random().size(); k++) {
        Lesions.Row row = r.random().get(k - 1);
        s.append(
            String.format(
                Locale.ROOT,
                "  k = %-" + (width - 4) + "d  %9s  %9s  (%s, %s)%n",
                k,
                value(row.metric(), percent),
                change(row.metric() - r.intact(), percent),
                value(row.min(), percent),
                value(row.max(), percent)));
      }
    }
    return s.toString();
  }

  private static String value(double v, boolean percent) {
    return percent
        ? String.format(Locale.ROOT, "%.2f%%", 100 * v)
        : String.format(Locale.ROOT, "%.4g", v);
  }

  private static String change(double d, boolean percent) {
    return percent
        ? String.format(Locale.ROOT, "%+.2f", 100 * d)
        : String.format(Locale.ROOT, "%+.4g", d);
  }
}
