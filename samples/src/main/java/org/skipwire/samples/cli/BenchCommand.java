package org.skipwire.samples.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.skipwire.runtime.BatchNormFolding;
import org.skipwire.runtime.ChannelsLast;
import org.skipwire.runtime.FastPaths;
import org.skipwire.runtime.SkipwireModel;
import org.skipwire.samples.bench.Benchmark;
import org.skipwire.samples.bench.Flops;
import org.skipwire.samples.bench.HandWired;
import org.skipwire.samples.bench.SameDiffResNet;
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

  @Option(
      names = "--dl4j-helpers",
      description =
          "add the generated network on DL4J's own oneDNN conv and batch-norm helpers instead of"
              + " skipwire's (dl4j/gen: paired ratio)")
  boolean dl4jHelpers;

  @Option(
      names = "--nchw",
      description =
          "add the generated network channels-first on the same fast path (-Dskipwire.onednn"
              + " without nhwc; nchw/gen: paired ratio), to measure the channels-last layout")
  boolean nchw;

  @Option(
      names = "--alt",
      paramLabel = "SETTING",
      description =
          "add the generated network built under -Dskipwire.onednn=SETTING (alt/gen: paired"
              + " ratio), e.g. conv,batchnorm,relu,nhwc for the batch-norm+ReLU fusion off")
  String alt;

  @Option(
      names = "--samediff",
      arity = "0..1",
      paramLabel = "VARIANTS",
      fallbackValue = "default",
      split = ",",
      description =
          "cifar-resnet20-b only: add the same network written in SameDiff (sd/gen: paired"
              + " ratio). VARIANTS: comma-separated; each is /-separated choices that replace the"
              + " defaults train-nchw/infer-nhwc/yxio/fused/relubp/stop/helpers, e.g."
              + " default,nchw,composed/threshold; see SameDiffResNet.Options.")
  List<String> sameDiff = List.of();

  @Option(
      names = "--peak",
      paramLabel = "GFLOPS",
      description =
          "fp32 peak for the %% columns instead of probing it (bench/run.sh passes the fast"
              + " path's probe to every run)")
  Double peak;

  @Override
  public void run() {
    PrintWriter out = spec.commandLine().getOut();
    if (steps < 1 || warmup < 0 || (batch != null && batch < 1)) {
      throw new Main.UserError("--steps and --batch must be at least 1, --warmup at least 0");
    }
    List<SameDiffResNet.Options> sameDiffOptions = new ArrayList<>();
    for (String v : sameDiff) {
      try {
        sameDiffOptions.add(SameDiffResNet.Options.parse(v));
      } catch (IllegalArgumentException e) {
        throw new Main.UserError("--samediff: " + e.getMessage());
      }
    }
    out.println("backend: " + FastPaths.describe());
    if (peak != null && !(peak > 0)) {
      throw new Main.UserError("--peak must be a positive GFLOP/s figure, got " + peak);
    }
    double peakGflops;
    if (peak == null) {
      Benchmark.Peak p = Benchmark.Peak.probe(2048);
      peakGflops = p.gflops();
      out.printf(
          Locale.ROOT,
          "peak: %.1f GFLOP/s fp32 (%s %d^3, best of 3, %d threads)%n",
          p.gflops(),
          p.kernel(),
          p.size(),
          Runtime.getRuntime().availableProcessors());
    } else {
      peakGflops = peak;
      out.printf(Locale.ROOT, "peak: %.1f GFLOP/s fp32 (given)%n", peakGflops);
    }
    out.printf(
        Locale.ROOT,
        "%-20s %-10s %6s %12s %13s %13s %9s %14s %6s %14s %6s%n",
        "model",
        "wiring",
        "batch",
        "params",
        "train img/s",
        "infer img/s",
        "MMAC/img",
        "train GFLOP/s",
        "%peak",
        "infer GFLOP/s",
        "%peak");
    out.flush();
    for (String name : models) {
      SkipwireModel model = SummaryCommand.find(name);
      List<Integer> in = model.inputShape();
      int b = batch != null ? batch : in.size() < 3 || in.get(1) <= 32 ? 128 : 8;
      Map<String, ComputationGraph> graphs = new LinkedHashMap<>();
      graphs.put("generated", model.create());
      ComputationGraphConfiguration hand = noHand ? null : HandWired.of(name);
      if (hand != null) {
        // What SkipwireModel.create does for the generated graph: the fast path's layout, helpers.
        ComputationGraph g = new ComputationGraph(FastPaths.configure(hand, model.inputType()));
        g.init();
        FastPaths.install(g);
        graphs.put("hand", g);
      }
      if (dl4jHelpers) {
        graphs.put("dl4j", withOneDnn("false", model::create));
      }
      if (nchw) {
        graphs.put("nchw", withOneDnn("conv,batchnorm,relu", model::create));
      }
      if (alt != null) {
        out.println("alt: -D" + ONEDNN_PROPERTY + "=" + alt);
        graphs.put("alt", withOneDnn(alt, model::create));
      }
      out.printf(
          "%s: %s%n",
          name,
          ChannelsLast.isChannelsLast(graphs.get("generated").getConfiguration())
              ? "channels-last (NHWC) inside"
              : "channels-first (NCHW)"
                  + ChannelsLast.unsupported(model.configuration(), model.inputType())
                      .map(why -> ", as it has no channels-last copy: " + why)
                      .orElse(""));
      Map<String, Benchmark.Net> nets = new LinkedHashMap<>();
      graphs.forEach((k, g) -> nets.put(k, Benchmark.Net.of(g)));
      nets.putAll(sameDiffNets(name, sameDiffOptions, out));
      long[] shape = in.stream().mapToLong(Integer::longValue).toArray();
      int classes = model.outputShape().get(0);
      List<Benchmark.Result> results =
          Benchmark.runNets(
              nets, shape, classes, new Benchmark.Plan(b, warmup, steps, !noTrain, !noInfer));
      // Forward multiply-adds per image; a training step counts 3x forward, a multiply-add 2 FLOPs.
      long macs = Flops.macsPerImage(graphs.get("generated"), in);
      for (Benchmark.Result r : results) {
        double train = r.trainPerSecond() * 3 * 2 * macs / 1e9;
        double infer = r.inferPerSecond() * 2 * macs / 1e9;
        out.printf(
            Locale.ROOT,
            "%-20s %-10s %6d %,12d %13.1f %13.1f %9.2f %14.1f %6.1f %14.1f %6.1f%n",
            name,
            r.wiring(),
            b,
            r.params(),
            r.trainPerSecond(),
            r.inferPerSecond(),
            macs / 1e6,
            train,
            100 * train / peakGflops,
            infer,
            100 * infer / peakGflops);
      }
      Benchmark.Result g = results.get(0);
      for (Benchmark.Result r : results) {
        if (Set.of("dl4j", "nchw", "alt").contains(r.wiring())) {
          out.printf(
              Locale.ROOT,
              "%-20s %-10s %6s %12s %13.3f %13.3f%n",
              name,
              r.wiring() + "/gen",
              "",
              "",
              r.trainRatio(),
              r.inferRatio());
        }
        if (r.wiring().startsWith("samediff")) {
          if (g.params() != r.params()) {
            out.printf(
                "warning: %s has %d parameters generated, %d in SameDiff%n",
                name, g.params(), r.params());
          }
          out.printf(
              Locale.ROOT,
              "%-20s %-10s %6s %12s %13.3f %13.3f%n",
              name,
              r.wiring().replace("samediff", "sd") + "/gen",
              "",
              "",
              r.trainRatio(),
              r.inferRatio());
        }
      }
      Benchmark.Result h =
          results.stream().filter(r -> r.wiring().equals("hand")).findFirst().orElse(null);
      if (h != null) {
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
        double folded = f.get(1).inferPerSecond() * 2 * macs / 1e9;
        out.printf(
            Locale.ROOT,
            "%-20s %-10s %6d %,12d %13s %13.1f %9.2f %14s %6s %14.1f %6.1f%n",
            name,
            "bn-folded",
            b,
            f.get(1).params(),
            "-",
            f.get(1).inferPerSecond(),
            macs / 1e6,
            "-",
            "-",
            folded,
            100 * folded / peakGflops);
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

  /** skipwire-onednn's switch for its helpers ({@code OneDnnLayers.PROPERTY}). */
  private static final String ONEDNN_PROPERTY = "skipwire.onednn";

  /** A graph built with DL4J's own oneDNN helpers left in place (-Dskipwire.onednn=false). */
  private static ComputationGraph withOneDnn(String setting, Supplier<ComputationGraph> create) {
    String before = System.getProperty(ONEDNN_PROPERTY);
    System.setProperty(ONEDNN_PROPERTY, setting);
    try {
      return create.get();
    } finally {
      if (before == null) {
        System.clearProperty(ONEDNN_PROPERTY);
      } else {
        System.setProperty(ONEDNN_PROPERTY, before);
      }
    }
  }

  /**
   * The SameDiff contestants --samediff asks for, named samediff (one) or samediff1, samediff2...
   * (several); none where the option is absent or the model has no SameDiff twin.
   */
  private static Map<String, Benchmark.Net> sameDiffNets(
      String model, List<SameDiffResNet.Options> variants, PrintWriter out) {
    Map<String, Benchmark.Net> nets = new LinkedHashMap<>();
    if (variants.isEmpty()) {
      return nets;
    }
    if (!model.equals("cifar-resnet20-b")) {
      out.println("note: --samediff has a SameDiff twin for cifar-resnet20-b only, not " + model);
      return nets;
    }
    for (int i = 0; i < variants.size(); i++) {
      SameDiffResNet.Options options = variants.get(i);
      SameDiffResNet net = SameDiffResNet.cifarResNet(3, options, 42);
      String key = variants.size() == 1 ? "samediff" : "samediff" + (i + 1);
      out.printf(
          Locale.ROOT,
          "%s: SameDiff %s, %,d trainable parameters + %,d batch-norm running statistics%n",
          key,
          options,
          net.trainableParams(),
          net.runningStatistics());
      nets.put(key, net.asNet());
    }
    out.flush();
    return nets;
  }
}
