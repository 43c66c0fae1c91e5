package org.skipwire.runtime.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.SubsetVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;
import org.skipwire.runtime.conf.GroupedConvolutionLayer;
import org.skipwire.runtime.impl.GroupedConvolutionLayerImpl;

/**
 * Times {@link GroupedConvolutionLayer}, run both ways it can ({@link
 * GroupedConvolutionLayerImpl.Algorithm}), against the stock DL4J route to a grouped convolution
 * (SubsetVertex per group, ConvolutionLayer per group, MergeVertex), and against one ungrouped
 * ConvolutionLayer of the same size for scale, on a ResNeXt-like 3x3 convolution.
 *
 * <p>Each graph is {@code input -> conv -> per-pixel MSE loss}; "forward" is {@code output} in
 * inference mode, "forward+backward" is {@code computeGradientAndScore}. Reports the median and the
 * fastest of the timed repetitions, in milliseconds, after warm-up; the variants take turns, one
 * repetition each, so that the load of a shared machine weighs on all alike.
 *
 * <p>Arguments (all optional): channels, groups, size, batch, repetitions; defaults 128 32 28 16
 * 20. A main, not a test; from the repository root:
 *
 * <pre>
 * mvn -B -q -pl runtime -am test-compile dependency:build-classpath \
 *     -Dmdep.outputFile=target/bench.cp -Dmdep.includeScope=test
 * java -cp runtime/target/test-classes:runtime/target/classes:$(cat runtime/target/bench.cp) \
 *     org.skipwire.runtime.bench.GroupedConvolutionBenchmark
 * </pre>
 *
 * <p>The last row, the loss layer on the input alone, is the share of "forward+backward" that is
 * not the convolution.
 */
public final class GroupedConvolutionBenchmark {

  private GroupedConvolutionBenchmark() {}

  public static void main(String[] args) {
    int channels = arg(args, 0, 128);
    int groups = arg(args, 1, 32);
    int size = arg(args, 2, 28);
    int batch = arg(args, 3, 16);
    int reps = arg(args, 4, 20);
    Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
    INDArray x = Nd4j.rand(DataType.FLOAT, batch, channels, size, size);
    INDArray y = Nd4j.rand(DataType.FLOAT, batch, channels, size, size);

    System.out.printf(
        "3x3 conv, pad 1, %d -> %d channels, %d groups, %dx%d, batch %d, fp32; %s; %d cores"
            + " (OMP_NUM_THREADS=%s); libnd4j with oneDNN: %s; load average %s%n",
        channels,
        channels,
        groups,
        size,
        size,
        batch,
        Nd4j.getExecutioner().getClass().getSimpleName(),
        Runtime.getRuntime().availableProcessors(),
        System.getenv("OMP_NUM_THREADS"),
        Nd4j.getBackend().buildInfo().contains("HAVE_ONEDNN"),
        loadAverage());
    List<String> names = new ArrayList<>();
    List<ComputationGraph> graphs = new ArrayList<>();
    for (String algorithm : new String[] {"im2col", "per-group"}) {
      System.setProperty(GroupedConvolutionLayerImpl.ALGORITHM_PROPERTY, algorithm);
      try {
        graphs.add(grouped(channels, groups, size));
      } finally {
        System.clearProperty(GroupedConvolutionLayerImpl.ALGORITHM_PROPERTY);
      }
      names.add("GroupedConvolutionLayer, " + algorithm);
    }
    graphs.add(split(channels, groups, size));
    names.add("Subset -> " + groups + " x Conv -> Merge");
    graphs.add(ungrouped(channels, size));
    names.add("ungrouped ConvolutionLayer");
    graphs.add(lossOnly());
    names.add("(loss layer alone)");

    List<Runnable> forward = new ArrayList<>();
    List<Runnable> both = new ArrayList<>();
    for (ComputationGraph g : graphs) {
      forward.add(() -> g.output(false, x));
      both.add(
          () -> {
            g.setInputs(x);
            g.setLabels(y);
            g.computeGradientAndScore();
          });
    }
    double[][] fwd = interleaved(forward, reps);
    double[][] fwdBwd = interleaved(both, reps);
    System.out.printf(
        "%-34s %10s %10s %12s %12s%n", "", "fwd med", "fwd min", "fwd+bwd med", "fwd+bwd min");
    for (int i = 0; i < graphs.size(); i++) {
      System.out.printf(
          "%-34s %10.1f %10.1f %12.1f %12.1f%n",
          names.get(i), median(fwd[i]), min(fwd[i]), median(fwdBwd[i]), min(fwdBwd[i]));
    }
    System.out.println("load average after: " + loadAverage());
  }

  /**
   * Milliseconds of {@code reps} runs of each task, after warm-up, taking the tasks in turn so that
   * a shared machine's changing load falls on all of them alike.
   */
  private static double[][] interleaved(List<Runnable> tasks, int reps) {
    for (Runnable r : tasks) {
      for (int i = 0; i < Math.max(3, reps / 4); i++) {
        r.run();
      }
    }
    double[][] ms = new double[tasks.size()][reps];
    for (int i = 0; i < reps; i++) {
      for (int t = 0; t < tasks.size(); t++) {
        long start = System.nanoTime();
        tasks.get(t).run();
        // Native work is synchronous on CPU, so the clock stops when the pass is done.
        ms[t][i] = (System.nanoTime() - start) / 1e6;
      }
    }
    return ms;
  }

  /** The 1-minute load average, or "?": on a shared machine, the context of every number. */
  private static String loadAverage() {
    try {
      return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ")[0];
    } catch (java.io.IOException | RuntimeException e) {
      return "?";
    }
  }

  private static int arg(String[] args, int i, int otherwise) {
    return args.length > i ? Integer.parseInt(args[i]) : otherwise;
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  private static double min(double[] v) {
    return Arrays.stream(v).min().orElse(Double.NaN);
  }

  private static GraphBuilder base() {
    return new NeuralNetConfiguration.Builder()
        .seed(1)
        .dataType(DataType.FLOAT)
        .updater(new NoOp())
        .weightInit(WeightInit.RELU)
        .graphBuilder()
        .addInputs("in");
  }

  private static CnnLossLayer loss() {
    return new CnnLossLayer.Builder(LossFunction.MSE).activation(Activation.IDENTITY).build();
  }

  private static ComputationGraph init(GraphBuilder b) {
    ComputationGraph g =
        new ComputationGraph(b.addLayer("loss", loss(), "conv").setOutputs("loss").build());
    g.init();
    return g;
  }

  static ComputationGraph grouped(int c, int groups, int size) {
    return init(
        base()
            .addLayer(
                "conv",
                new GroupedConvolutionLayer.Builder(3, 3)
                    .padding(1, 1)
                    .nIn(c)
                    .nOut(c)
                    .groups(groups)
                    .hasBias(false)
                    .activation(Activation.IDENTITY)
                    .build(),
                "in"));
  }

  /** No input types: in DL4J M2.1 they make SubsetVertex's miscount of map channels fatal. */
  static ComputationGraph split(int c, int groups, int size) {
    GraphBuilder b = base();
    int cg = c / groups;
    List<String> convs = new ArrayList<>();
    for (int g = 0; g < groups; g++) {
      b.addVertex("slice" + g, new SubsetVertex(g * cg, (g + 1) * cg - 1), "in");
      b.addLayer("conv" + g, conv(cg, cg), "slice" + g);
      convs.add("conv" + g);
    }
    b.addVertex("conv", new MergeVertex(), convs.toArray(String[]::new));
    return init(b);
  }

  static ComputationGraph lossOnly() {
    return init(
        base()
            .addLayer(
                "conv",
                new ActivationLayer.Builder().activation(Activation.IDENTITY).build(),
                "in"));
  }

  static ComputationGraph ungrouped(int c, int size) {
    return init(base().addLayer("conv", conv(c, c), "in"));
  }

  private static ConvolutionLayer conv(int in, int out) {
    return new ConvolutionLayer.Builder(3, 3)
        .padding(1, 1)
        .convolutionMode(ConvolutionMode.Truncate)
        .nIn(in)
        .nOut(out)
        .hasBias(false)
        .activation(Activation.IDENTITY)
        .build();
  }
}
