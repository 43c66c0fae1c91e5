package org.skipwire.samples.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.skipwire.runtime.train.EpochMetrics;
import org.skipwire.runtime.train.GradientHealth;
import org.skipwire.runtime.train.SkipUsage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * How much each skip of a trained network carries (see {@link SkipUsage}), on the first 64 test
 * examples, and the gradient-health verdict of its last epoch.
 */
@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    description =
        "Print a trained network's skip usage: per residual block ||F(x)||/||x||, per highway"
            + " layer the mean gate T(x), per ReZero or gated skip its alpha.")
final class InspectCommand implements java.util.concurrent.Callable<Integer> {
  /** Examples of the fixed batch, as during training. */
  static final int BATCH = 64;

  @Spec CommandSpec spec;

  @Option(
      names = "--checkpoint",
      required = true,
      paramLabel = "FILE|DIR",
      description = "checkpoint.zip or its run directory")
  Path checkpoint;

  @Option(
      names = "--data",
      paramLabel = "DIR|FILE.csv",
      description = "the data the network was trained on (default: the embedded data)")
  Path data;

  @Option(
      names = "--limit",
      paramLabel = "N",
      description = "measure on the first N test examples only (default: all)")
  int limit;

  @Override
  public Integer call() {
    TrainedNetwork net = TrainedNetwork.open(checkpoint);
    SkipUsage usage = new SkipUsage(net.model.vertices());
    if (usage.isEmpty()) {
      throw new Main.UserError(
          net.name()
              + " has no residual blocks, highway layers or learned skip scalars to inspect");
    }
    DataSetIterator test = net.test(data, limit);
    test.reset();
    INDArray features = test.next().getFeatures();
    long n = Math.min(BATCH, features.size(0));
    Map<String, Double> measures =
        usage.measure(net.graph(), features.get(NDArrayIndex.interval(0, n)));
    PrintStream out = Main.stdout(spec);
    out.printf(
        Locale.ROOT,
        "%s (%s), after epoch %d: skip usage on the first %d test examples%n",
        net.name(),
        net.file,
        net.checkpoint.info().epoch(),
        n);
    int width = measures.keySet().stream().mapToInt(String::length).max().orElse(0);
    measures.forEach((k, v) -> out.printf(Locale.ROOT, "  %-" + width + "s  %8.4f%n", k, v));
    List<EpochMetrics> history = net.checkpoint.info().history();
    if (!history.isEmpty()) {
      EpochMetrics last = history.get(history.size() - 1);
      out.println(
          new GradientHealth()
              .check(last.epoch(), last.gradientNorms())
              .orElse("gradients of epoch " + last.epoch() + ": no vanishing or exploding norms"));
    }
    out.flush();
    return 0;
  }
}
