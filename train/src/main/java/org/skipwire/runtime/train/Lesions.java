package org.skipwire.runtime.train;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.ScaleVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.skipwire.runtime.ActivationFusion;
import org.skipwire.runtime.FastPaths;
import org.skipwire.runtime.data.SeriesDataSetIterator;

/**
 * The lesion experiment of Veit, Wilber and Belongie 2016 ("Residual networks behave like ensembles
 * of relatively shallow networks"): the test metric of a trained network with blocks deleted at
 * test time, each block alone and k random blocks together.
 *
 * <p>Deleting a residual block cuts its branch: a DL4J {@code ScaleVertex(0)} goes between the
 * branch and the sum, so the block computes {@code act(0 + shortcut(x))}, which for an identity
 * shortcut after a ReLU is x itself, and for a projection or zero-pad shortcut keeps the shape
 * change. Deleting a plain block removes its vertices and lets its consumers read its input, which
 * is possible only where the block keeps the shape; other plain blocks are reported as not
 * deletable. The copy shares nothing with the trained graph: every parameter, batch-norm statistics
 * included, is copied by vertex name.
 */
public final class Lesions {
  private Lesions() {}

  /** The metric with {@code blocks} deleted; what {@link #run} returns per row. */
  public record Row(String what, List<String> deleted, double metric, double min, double max) {}

  /**
   * What the experiment measured.
   *
   * @param metric {@code "test accuracy"} or {@code "test MSE"}
   * @param intact the metric of the network as trained
   * @param single one row per block, in order; NaN where the block cannot be deleted
   * @param random per k = 1..(deletable blocks), the mean over the draws (with min and max)
   * @param examples the test examples each figure is measured on
   */
  public record Report(
      String metric, double intact, List<Row> single, List<Row> random, int examples) {}

  /** A copy of {@code graph} with {@code deleted} deleted (see the class comment). */
  public static ComputationGraph without(ComputationGraph graph, Collection<Blocks.Block> deleted) {
    ComputationGraphConfiguration conf = graph.getConfiguration().clone();
    // A removed plain block's output reads as its input, which may itself be a removed block's
    // output (two neighbours deleted): resolved through the chain once all are removed.
    Map<String, String> redirect = new java.util.HashMap<>();
    for (Blocks.Block b : deleted) {
      if (!b.deletable()) {
        throw new IllegalArgumentException(
            b.name() + " cannot be deleted: it maps " + b.inShape() + " to " + b.outShape());
      }
      // Blocks name declared vertices; on the fast path a ReLU is merged into the batch norm or
      // sum it read, which then stands for it.
      if (b.residual()) {
        String cut = b.name() + ".lesion";
        String branch = vertexOf(graph, b.branch());
        conf.getVertices().put(cut, new ScaleVertex(0.0));
        conf.getVertexInputs().put(cut, new ArrayList<>(List.of(branch)));
        conf.getVertexInputs()
            .get(vertexOf(graph, b.sum()))
            .replaceAll(in -> in.equals(branch) ? cut : in);
      } else {
        for (String m : b.members()) {
          conf.getVertices().remove(m);
          conf.getVertexInputs().remove(m);
        }
        redirect.put(vertexOf(graph, b.output()), vertexOf(graph, b.input()));
      }
    }
    for (List<String> inputs : conf.getVertexInputs().values()) {
      inputs.replaceAll(in -> resolve(redirect, in));
    }
    conf.getNetworkOutputs().replaceAll(in -> resolve(redirect, in));
    conf.setTopologicalOrder(null);
    conf.setTopologicalOrderStr(null);
    ComputationGraph copy = new ComputationGraph(conf);
    copy.init();
    FastPaths.install(copy);
    for (GraphVertex v : copy.getVertices()) {
      Map<String, INDArray> to = v.paramTable(false);
      if (to != null && !to.isEmpty()) {
        Map<String, INDArray> from = graph.getVertex(v.getVertexName()).paramTable(false);
        to.forEach((key, param) -> param.assign(from.get(key)));
      }
    }
    return copy;
  }

  /** The vertex of the trained graph that computes the declared vertex {@code name}. */
  private static String vertexOf(ComputationGraph graph, String name) {
    String v = ActivationFusion.vertexOf(graph.getConfiguration(), name);
    if (v == null) {
      throw new IllegalArgumentException(
          "the network has no vertex " + name + ": was it built from another declaration?");
    }
    return v;
  }

  private static String resolve(Map<String, String> redirect, String vertex) {
    String v = vertex;
    while (redirect.containsKey(v)) {
      v = redirect.get(v);
    }
    return v;
  }

  /**
   * Runs the experiment on a classifier's test set, scored by accuracy.
   *
   * @param draws random subsets per k, averaged
   * @param seed for the random subsets
   */
  public static Report run(
      ComputationGraph graph,
      List<Blocks.Block> blocks,
      DataSetIterator test,
      int draws,
      long seed) {
    return run(graph, blocks, test, Task.classification(), draws, seed);
  }

  /** Runs the experiment on a forecaster's test windows, scored by MSE in the series' units. */
  public static Report run(
      ComputationGraph graph,
      List<Blocks.Block> blocks,
      SeriesDataSetIterator test,
      int draws,
      long seed) {
    return run(graph, blocks, test, Task.regression(test), draws, seed);
  }

  private static Report run(
      ComputationGraph graph,
      List<Blocks.Block> blocks,
      DataSetIterator test,
      Task task,
      int draws,
      long seed) {
    boolean classes = task instanceof Task.Classification;
    Trainer.Evaluation whole = Trainer.evaluate(graph, test, task);
    double intact = classes ? whole.accuracy() : whole.mse();
    List<Row> single = new ArrayList<>();
    List<Blocks.Block> deletable = new ArrayList<>();
    for (Blocks.Block b : blocks) {
      if (b.deletable()) {
        deletable.add(b);
        double m = metric(without(graph, List.of(b)), test, task, classes);
        single.add(new Row(b.name(), List.of(b.name()), m, m, m));
      } else {
        single.add(
            new Row(
                b.name() + " (changes " + b.inShape() + " to " + b.outShape() + ")",
                List.of(),
                Double.NaN,
                Double.NaN,
                Double.NaN));
      }
    }
    List<Row> random = new ArrayList<>();
    Random rng = new Random(seed);
    for (int k = 1; k <= deletable.size(); k++) {
      double sum = 0;
      double min = Double.POSITIVE_INFINITY;
      double max = Double.NEGATIVE_INFINITY;
      List<String> last = List.of();
      int n = k == deletable.size() ? 1 : draws; // one way to delete them all
      for (int d = 0; d < n; d++) {
        List<Blocks.Block> pick = new ArrayList<>(deletable);
        java.util.Collections.shuffle(pick, rng);
        pick = pick.subList(0, k);
        double m = metric(without(graph, pick), test, task, classes);
        sum += m;
        min = Math.min(min, m);
        max = Math.max(max, m);
        last = pick.stream().map(Blocks.Block::name).collect(Collectors.toList());
      }
      random.add(new Row(k + " random", last, sum / n, min, max));
    }
    return new Report(
        classes ? "test accuracy" : "test MSE", intact, single, random, whole.images());
  }

  private static double metric(
      ComputationGraph graph, DataSetIterator test, Task task, boolean classes) {
    Trainer.Evaluation e = Trainer.evaluate(graph, test, task);
    return classes ? e.accuracy() : e.mse();
  }
}
