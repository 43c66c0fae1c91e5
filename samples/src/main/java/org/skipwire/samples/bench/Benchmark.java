package org.skipwire.samples.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.blas.params.MMulTranspose;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Training and inference throughput of one or more networks on the same random batch: DL4J graphs,
 * or anything else that can {@link Net fit and infer}. The networks take turns, one step each and
 * in alternating order, so that a change in machine load during the run hits them alike; each
 * reports the median over its timed steps, after warm-up steps, and its speed relative to the first
 * graph as the median of the step-by-step ratios (paired, so a load change between steps cancels
 * out).
 */
public final class Benchmark {
  private Benchmark() {}

  /**
   * Images per second, median over the timed steps, and speed relative to the first graph measured
   * (1 for the first), median of the paired step ratios.
   */
  public record Result(
      String wiring,
      long params,
      double trainPerSecond,
      double inferPerSecond,
      double trainRatio,
      double inferRatio) {}

  /** What to measure: batch size, warm-up and timed steps, and whether to train. */
  public record Plan(int batch, int warmup, int steps, boolean train, boolean infer) {}

  /** A contestant: one training step, inference, and its parameter count. */
  public interface Net {
    /** One training step on the batch: forward, backward, update. */
    void fit(DataSet batch);

    /** The network's output for the images, in inference mode. */
    INDArray output(INDArray images);

    /** Parameter count, counted as DL4J counts it (batch norm's running statistics included). */
    long params();

    /** A DL4J graph as a contestant: {@code fit} and {@code outputSingle(false, ...)}. */
    static Net of(ComputationGraph graph) {
      return new Net() {
        @Override
        public void fit(DataSet batch) {
          graph.fit(batch);
        }

        @Override
        public INDArray output(INDArray images) {
          return graph.outputSingle(false, images);
        }

        @Override
        public long params() {
          return graph.params().length();
        }
      };
    }
  }

  /**
   * Measures every graph in {@code graphs} (name to graph, all with the same input shape and class
   * count) and returns their results in the same order.
   */
  public static List<Result> run(
      Map<String, ComputationGraph> graphs, long[] inputShape, int classes, Plan plan) {
    Map<String, Net> nets = new LinkedHashMap<>();
    graphs.forEach((k, g) -> nets.put(k, Net.of(g)));
    return runNets(nets, inputShape, classes, plan);
  }

  /** As {@link #run}, for any contestants. */
  public static List<Result> runNets(
      Map<String, Net> nets, long[] inputShape, int classes, Plan plan) {
    long[] shape = new long[inputShape.length + 1];
    shape[0] = plan.batch();
    System.arraycopy(inputShape, 0, shape, 1, inputShape.length);
    Nd4j.getRandom().setSeed(7);
    INDArray x = Nd4j.rand(DataType.FLOAT, shape);
    INDArray y = Nd4j.zeros(DataType.FLOAT, plan.batch(), classes);
    Random random = new Random(7);
    for (int i = 0; i < plan.batch(); i++) {
      y.putScalar(i, random.nextInt(classes), 1.0);
    }
    DataSet data = new DataSet(x, y);

    Map<String, double[]> train = new LinkedHashMap<>();
    Map<String, double[]> infer = new LinkedHashMap<>();
    nets.keySet()
        .forEach(
            k -> {
              train.put(k, new double[plan.steps()]);
              infer.put(k, new double[plan.steps()]);
            });
    List<Map.Entry<String, Net>> order = new ArrayList<>(nets.entrySet());
    for (int step = -plan.warmup(); step < plan.steps(); step++) {
      // Alternate who goes first: the second of two back-to-back runs finds warmer caches.
      List<Map.Entry<String, Net>> turn = new ArrayList<>(order);
      if (step % 2 != 0) {
        Collections.reverse(turn);
      }
      for (Map.Entry<String, Net> e : turn) {
        Net net = e.getValue();
        if (plan.train()) {
          long t0 = System.nanoTime();
          net.fit(data);
          long t1 = System.nanoTime();
          if (step >= 0) {
            train.get(e.getKey())[step] = (t1 - t0) / 1e9;
          }
        }
        if (plan.infer()) {
          long t0 = System.nanoTime();
          INDArray out = net.output(x);
          long t1 = System.nanoTime();
          out.close();
          if (step >= 0) {
            infer.get(e.getKey())[step] = (t1 - t0) / 1e9;
          }
        }
      }
    }
    List<Result> results = new ArrayList<>();
    String first = order.get(0).getKey();
    for (Map.Entry<String, Net> e : order) {
      String k = e.getKey();
      results.add(
          new Result(
              k,
              e.getValue().params(),
              plan.train() ? plan.batch() / median(train.get(k)) : Double.NaN,
              plan.infer() ? plan.batch() / median(infer.get(k)) : Double.NaN,
              plan.train() ? pairedRatio(train.get(k), train.get(first)) : Double.NaN,
              plan.infer() ? pairedRatio(infer.get(k), infer.get(first)) : Double.NaN));
    }
    return results;
  }

  /**
   * The machine's measured fp32 peak: the best of a few {@code n x n x n} single-precision matrix
   * products on ND4J's threads, through BLAS ({@code Nd4j.gemm}, OpenBLAS) and through libnd4j's
   * {@code matmul} op (oneDNN's sgemm on the oneDNN build), whichever is faster. A probe, not the
   * data sheet's figure: what a well-tuned fp32 kernel gets here, now, under the current load.
   */
  public record Peak(double gflops, String kernel, int size) {
    /** Measures it: one untimed and three timed products per kernel, about a second at n 2048. */
    public static Peak probe(int n) {
      INDArray a = Nd4j.rand(DataType.FLOAT, n, n);
      INDArray b = Nd4j.rand(DataType.FLOAT, n, n);
      INDArray c = Nd4j.create(DataType.FLOAT, n, n);
      double flop = 2.0 * n * n * n;
      double blas = best(() -> Nd4j.gemm(a, b, c, false, false, 1.0, 0.0));
      double matmul = best(() -> Nd4j.exec(new Mmul(a, b, c, MMulTranspose.allFalse())));
      return blas <= matmul
          ? new Peak(flop / blas / 1e9, "BLAS sgemm", n)
          : new Peak(flop / matmul / 1e9, "libnd4j matmul", n);
    }

    private static double best(Runnable product) {
      product.run();
      double best = Double.MAX_VALUE;
      for (int i = 0; i < 3; i++) {
        long t0 = System.nanoTime();
        product.run();
        best = Math.min(best, (System.nanoTime() - t0) / 1e9);
      }
      return best;
    }
  }

  /** Median over steps of this graph's speed over the reference's: reference time / own time. */
  static double pairedRatio(double[] own, double[] reference) {
    double[] r = new double[own.length];
    for (int i = 0; i < own.length; i++) {
      r[i] = reference[i] / own[i];
    }
    return median(r);
  }

  static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    int n = v.length;
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }
}
