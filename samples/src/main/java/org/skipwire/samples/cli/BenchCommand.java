package org.skipwire.samples.cli;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.skipwire.runtime.Backend;
import org.skipwire.runtime.BatchNormFolding;
import org.skipwire.runtime.SkipwireModel;
import org.skipwire.samples.bench.Benchmark;
import org.skipwire.samples.bench.HandWired;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Training and inference images per second of generated networks on random data, beside the same
 * networks wired by hand with the DL4J builder. A measurement, not a test: run it on a quiet
 * machine and read the backend line it prints first.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
      "Measure training and inference images/s on random data (median after warm-up),",
      "for the generated network and the same network wired by hand with the DL4J builder."
    })
final class BenchCommand implements Runnable {
  @Spec CommandSpec spec;

  @Parameters(
      paramLabel = "MODEL",
      arity = "0..*",
      description = "networks to measure (default: cifar-resnet20-b)")
  List<String> models = List.of("cifar-resnet20-b");

  @Option(names = "--batch", description = "batch size (default: 128 at 32x32 or smaller, else 8)")
  Integer batch;

  @Option(
      names = "--warmup",
      defaultValue = "3",
      description = "untimed steps first (default: ${DEFAULT-VALUE})")
  int warmup;

  @Option(
      names = "--steps",
      defaultValue = "7",
      description = "timed steps (default: ${DEFAULT-VALUE})")
  int steps;

  @Option(names = "--no-hand", description = "measure the generated network only")
  boolean noHand;

  @Option(names = "--no-train", description = "skip training")
  boolean noTrain;

  @Option(names = "--no-infer", description = "skip inference")
  boolean noInfer;

  @Option(
      names = "--no-fold",
      description = "skip the inference copy with batch norm folded into the convolutions")
  boolean noFold;

  @Override
  public void run() {
    PrintWriter out = spec.commandLine().getOut();
    if (steps < 1 || warmup < 0 || (batch != null && batch < 1)) {
      throw new Main.UserError("--steps and --batch must be at least 1, --warmup at least 0");
    }
    out.println("backend: " + Backend.active());
    out.printf(
        Locale.ROOT,
        "%-20s %-10s %6s %12s %13s %13s%n",
        "model",
        "wiring",
        "batch",
        "params",
        "train img/s",
        "infer img/s");
    out.flush();
    for (String name : models) {
      SkipwireModel model = SummaryCommand.find(name);
      List<Integer> in = model.inputShape();
      int b = batch != null ? batch : in.size() < 3 || in.get(1) <= 32 ? 128 : 8;
      Map<String, ComputationGraph> graphs = new LinkedHashMap<>();
      graphs.put("generated", model.create());
      ComputationGraphConfiguration hand = noHand ? null : HandWired.of(name);
      if (hand != null) {
        ComputationGraph g = new ComputationGraph(hand);
        g.init();
        graphs.put("hand", g);
      }
      long[] shape = in.stream().mapToLong(Integer::longValue).toArray();
      int classes = model.outputShape().get(0);
      List<Benchmark.Result> results =
          Benchmark.run(
              graphs, shape, classes, new Benchmark.Plan(b, warmup, steps, !noTrain, !noInfer));
      for (Benchmark.Result r : results) {
        out.printf(
            Locale.ROOT,
            "%-20s %-10s %6d %,12d %13.1f %13.1f%n",
            name,
            r.wiring(),
            b,
            r.params(),
            r.trainPerSecond(),
            r.inferPerSecond());
      }
      if (results.size() == 2) {
        Benchmark.Result g = results.get(0);
        Benchmark.Result h = results.get(1);
        if (g.params() != h.params()) {
          out.printf(
              "warning: %s has %d parameters generated, %d hand-wired%n",
              name, g.params(), h.params());
        }
        // Paired: the median of step-by-step ratios, which a load change between steps cancels.
        out.printf(
            Locale.ROOT,
            "%-20s %-10s %6s %12s %13.3f %13.3f%n",
            name,
            "gen/hand",
            "",
            "",
            1 / h.trainRatio(),
            1 / h.inferRatio());
      }
      if (!noInfer && !noFold) {
        // Inference only, after training moved the running statistics: the generated graph and
        // its copy with batch norm folded into the convolutions, again in alternating steps.
        ComputationGraph generated = graphs.get("generated");
        Map<String, ComputationGraph> pair = new LinkedHashMap<>();
        pair.put("generated", generated);
        pair.put("folded", BatchNormFolding.forInference(generated));
        List<Benchmark.Result> f =
            Benchmark.run(pair, shape, classes, new Benchmark.Plan(b, warmup, steps, false, true));
        out.printf(
            Locale.ROOT,
            "%-20s %-10s %6d %,12d %13s %13.1f%n",
            name,
            "bn-folded",
            b,
            f.get(1).params(),
            "-",
            f.get(1).inferPerSecond());
        out.printf(
            Locale.ROOT,
            "%-20s %-10s %6s %12s %13s %13.3f%n",
            name,
            "fold/gen",
            "",
            "",
            "",
            f.get(1).inferRatio());
      }
      out.flush();
      graphs.clear();
      System.gc();
    }
  }
}
