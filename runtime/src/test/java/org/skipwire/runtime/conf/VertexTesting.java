package org.skipwire.runtime.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.Function;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.common.function.Consumer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/** What every runtime vertex test does: gradient checks and the two serialisation round trips. */
final class VertexTesting {
  private VertexTesting() {}

  /**
   * Runs DL4J's finite-difference check over every parameter of {@code graph}. The graph must be
   * built with {@code DataType.DOUBLE} and the {@code NoOp} updater; the default data type is
   * switched to double for the check (GradientCheckUtil insists) and restored afterwards.
   */
  static void assertGradientsMatch(ComputationGraph graph, INDArray input, INDArray labels) {
    assertGradientsMatch(graph, input, labels, null);
  }

  /**
   * As {@link #assertGradientsMatch(ComputationGraph, INDArray, INDArray)}, for a graph that draws
   * random numbers in training: {@code seed} is given to ND4J's generator before every forward
   * pass, so each perturbed pass sees the draws of the analytic one.
   */
  static void assertGradientsMatchReseeding(
      ComputationGraph graph, INDArray input, INDArray labels, long seed) {
    assertGradientsMatch(graph, input, labels, g -> Nd4j.getRandom().setSeed(seed));
  }

  /**
   * As {@link #assertGradientsMatch(ComputationGraph, INDArray, INDArray)}, leaving out the batch
   * norms' running statistics ({@code <vertex>_mean}, {@code _var}, {@code _log10stdev}): the layer
   * moves them in training, they have no gradient.
   */
  static void assertGradientsMatchBesidesRunningStatistics(
      ComputationGraph graph, INDArray input, INDArray labels) {
    java.util.Set<String> statistics = new java.util.HashSet<>();
    for (org.deeplearning4j.nn.api.Layer l : graph.getLayers()) {
      if (l instanceof org.deeplearning4j.nn.layers.normalization.BatchNormalization) {
        for (String key : new String[] {"mean", "var", "log10stdev"}) {
          statistics.add(l.getConfig().getLayerName() + "_" + key);
        }
      }
    }
    assertGradientsMatch(graph, input, labels, null, statistics);
  }

  private static void assertGradientsMatch(
      ComputationGraph graph,
      INDArray input,
      INDArray labels,
      Consumer<ComputationGraph> eachIter) {
    assertGradientsMatch(graph, input, labels, eachIter, java.util.Set.of());
  }

  private static void assertGradientsMatch(
      ComputationGraph graph,
      INDArray input,
      INDArray labels,
      Consumer<ComputationGraph> eachIter,
      java.util.Set<String> excluded) {
    DataType before = Nd4j.dataType();
    DataType beforeFloat = Nd4j.defaultFloatingPointType();
    Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    try {
      boolean ok =
          GradientCheckUtil.checkGradients(
              new GradientCheckUtil.GraphConfig()
                  .net(graph)
                  .inputs(new INDArray[] {input})
                  .labels(new INDArray[] {labels})
                  .epsilon(1e-6)
                  .maxRelError(1e-3)
                  .minAbsoluteError(1e-8)
                  .exitOnFirstError(true)
                  .excludeParams(excluded)
                  .callEachIter(eachIter));
      assertTrue(
          ok,
          "GradientCheckUtil found analytic and numeric gradients that differ"
              + " (details go to the SLF4J log)");
    } finally {
      Nd4j.setDefaultDataTypes(before, beforeFloat);
    }
  }

  /**
   * Trains two copies of a graph, one with workspaces and one without, and asserts they stay
   * identical. A vertex that hands out an array from a workspace that has since been reused would
   * make the first copy drift or fail.
   */
  static void assertWorkspacesChangeNothing(
      Function<WorkspaceMode, ComputationGraph> graphs, INDArray input, INDArray labels) {
    assertWorkspacesChangeNothing(graphs, input, labels, () -> {});
  }

  /**
   * As {@link #assertWorkspacesChangeNothing(Function, INDArray, INDArray)}, running {@code
   * beforeEachStep} (say, reseeding ND4J's generator) before each training step of either copy.
   */
  static void assertWorkspacesChangeNothing(
      Function<WorkspaceMode, ComputationGraph> graphs,
      INDArray input,
      INDArray labels,
      Runnable beforeEachStep) {
    ComputationGraph with = graphs.apply(WorkspaceMode.ENABLED);
    ComputationGraph without = graphs.apply(WorkspaceMode.NONE);
    assertEquals(without.params(), with.params());
    MultiDataSet data = new MultiDataSet(input, labels);
    for (int i = 0; i < 3; i++) {
      beforeEachStep.run();
      with.fit(data);
      beforeEachStep.run();
      without.fit(data);
    }
    assertTrue(without.params().equalsWithEps(with.params(), 1e-12), "parameters drifted apart");
    assertTrue(without.outputSingle(input).equalsWithEps(with.outputSingle(input), 1e-12));
  }

  /** toJson then fromJson gives an equal configuration, and the same JSON again. */
  static ComputationGraphConfiguration assertJsonRoundTrip(ComputationGraphConfiguration conf) {
    String json = conf.toJson();
    ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(json);
    assertEquals(conf, back);
    assertEquals(json, back.toJson());
    return back;
  }

  /** Writes the graph with ModelSerializer and reads it back. */
  static ComputationGraph writeAndRestore(ComputationGraph graph) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      ModelSerializer.writeModel(graph, bytes, true);
      return ModelSerializer.restoreComputationGraph(
          new ByteArrayInputStream(bytes.toByteArray()), true);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A reproducible uniform [0, 1) array. */
  static INDArray random(long seed, DataType type, long... shape) {
    Nd4j.getRandom().setSeed(seed);
    return Nd4j.rand(type, shape);
  }

  /** One-hot rows with a fixed, mixed class per example. */
  static INDArray oneHot(int examples, int classes, DataType type) {
    INDArray labels = Nd4j.zeros(type, examples, classes);
    for (int i = 0; i < examples; i++) {
      labels.putScalar(i, (i * 7 + 3) % classes, 1.0);
    }
    return labels;
  }
}
