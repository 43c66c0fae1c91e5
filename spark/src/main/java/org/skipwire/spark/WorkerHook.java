package org.skipwire.spark;

import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import org.apache.spark.TaskContext;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.DoubleAccumulator;
import org.apache.spark.util.LongAccumulator;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.layers.IOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.spark.api.TrainingHook;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.skipwire.runtime.FastPaths;
import org.skipwire.runtime.train.GradientFlowListener;

/**
 * Runs on the executors, before each minibatch a worker fits. The first time it sees a worker's
 * network (DL4J builds one per task from the configuration's JSON and the broadcast parameters) it
 * puts the fast path's helpers on it (skipwire-onednn's oneDNN helpers), as the single-machine
 * trainer does with {@link FastPaths#install}, and attaches a listener that measures each batch's
 * training loss and accuracy as the single-machine trainer's does: the output layer's probabilities
 * after the backward pass, before the update. The figures come back to the driver in Spark
 * accumulators.
 *
 * <p>It also seeds the task thread's ND4J generator ({@code Nd4j.getRandom()}, which drop-path,
 * shake-shake and DL4J's dropout draw from) from the configuration's seed, the round and the
 * worker, before the worker's first step of the round: see {@link #seed}. DL4J's worker builds its
 * network from the broadcast parameters ({@code init(params, false)}), which seeds nothing, so
 * without this each executor thread draws from a generator ND4J seeded with the wall clock when the
 * thread first used it, and a seeded Spark run is not reproducible.
 */
final class WorkerHook implements TrainingHook {
  private static final long serialVersionUID = 1L;

  private final boolean classification;
  final DoubleAccumulator lossSum;
  final LongAccumulator correct;
  final LongAccumulator measured;

  /** Layers that got skipwire's oneDNN helpers, summed over the workers' networks. */
  final LongAccumulator helpers;

  /** Workers' networks seen. */
  final LongAccumulator networks;

  /**
   * The driver's iteration and epoch counts when the round started, set before each round (the hook
   * travels with the round's tasks). DL4J's worker builds its network from a clone of the
   * configuration, and {@code ComputationGraphConfiguration.clone()} in 1.0.0-M2.1 drops both
   * counts: without this every worker would step at iteration 0 of the learning-rate schedule.
   */
  int iteration;

  int epoch;

  /** Each update's gradient norm per layer, for the trainer's gradient-flow plot. */
  final CollectionAccumulator<Map<String, Double>> gradientNorms;

  /**
   * Networks this JVM has prepared, with their gradient listener; weak: DL4J makes one per task.
   */
  private static final Map<Model, GradientFlowListener> PREPARED =
      Collections.synchronizedMap(new WeakHashMap<>());

  WorkerHook(
      boolean classification,
      DoubleAccumulator lossSum,
      LongAccumulator correct,
      LongAccumulator measured,
      LongAccumulator helpers,
      LongAccumulator networks,
      CollectionAccumulator<Map<String, Double>> gradientNorms) {
    this.classification = classification;
    this.lossSum = lossSum;
    this.correct = correct;
    this.measured = measured;
    this.helpers = helpers;
    this.networks = networks;
    this.gradientNorms = gradientNorms;
  }

  @Override
  public void preUpdate(DataSet minibatch, Model model) {
    prepare(model);
  }

  @Override
  public void preUpdate(MultiDataSet minibatch, Model model) {
    prepare(model);
  }

  @Override
  public void postUpdate(DataSet minibatch, Model model) {
    report(model);
  }

  @Override
  public void postUpdate(MultiDataSet minibatch, Model model) {
    report(model);
  }

  private void prepare(Model model) {
    if (!(model instanceof ComputationGraph graph) || PREPARED.containsKey(model)) {
      return;
    }
    graph.getConfiguration().setIterationCount(iteration);
    graph.getConfiguration().setEpochCount(epoch);
    long seed = graph.getConfiguration().getDefaultConfiguration().getSeed();
    Nd4j.getRandom().setSeed(seed(seed, iteration, TaskContext.getPartitionId()));
    GradientFlowListener gradients = new GradientFlowListener();
    PREPARED.put(model, gradients);
    networks.add(1);
    helpers.add(FastPaths.install(graph));
    graph.addListeners(new Stats(), gradients);
  }

  /**
   * The seed of worker {@code partition}'s generator for the round that starts at the driver's
   * {@code iteration}: a function of the three alone, so a run with the same seed, data and workers
   * draws the same numbers whichever executor thread a task lands on and in whatever order the
   * tasks run, and every worker and every round draws different ones. DL4J makes a network per task
   * and a task per worker and round, so this runs once per worker and round; within a round the
   * worker's steps continue one stream.
   */
  static long seed(long seed, int iteration, int partition) {
    return mix(mix(mix(seed) + iteration) + partition);
  }

  /** SplitMix64's finaliser: nearby inputs give unrelated outputs. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  private void report(Model model) {
    GradientFlowListener gradients = PREPARED.get(model);
    if (gradients != null) {
      Map<String, Double> norms = gradients.endEpoch();
      if (!norms.isEmpty()) {
        gradientNorms.add(norms);
      }
    }
  }

  /** The single-machine trainer's batch figures, into this hook's accumulators. */
  private final class Stats extends BaseTrainingListener {
    private boolean unsupported;

    @Override
    public void onBackwardPass(Model model) {
      if (unsupported || !(model instanceof ComputationGraph graph)) {
        return;
      }
      try {
        Layer out = graph.getNumOutputArrays() == 1 ? graph.getOutputLayer(0) : null;
        if (!(out instanceof IOutputLayer outputLayer) || outputLayer.getLabels() == null) {
          unsupported = true;
          return;
        }
        INDArray y = outputLayer.getLabels().castTo(DataType.DOUBLE);
        INDArray p = out.activate(false, LayerWorkspaceMgr.noWorkspaces()).castTo(DataType.DOUBLE);
        if (p.rank() != 2 || !Arrays.equals(p.shape(), y.shape())) {
          unsupported = true;
          return;
        }
        long n = p.size(0);
        if (classification) {
          INDArray picked = p.mul(y).sum(1);
          lossSum.add(
              -Transforms.log(Transforms.max(picked, 1e-12, false), false)
                  .sumNumber()
                  .doubleValue());
          correct.add(p.argMax(1).eq(y.argMax(1)).castTo(DataType.INT32).sumNumber().longValue());
        } else {
          INDArray d = p.sub(y);
          lossSum.add(d.mul(d).sumNumber().doubleValue() / (d.length() / (double) n));
        }
        measured.add(n);
      } catch (RuntimeException e) {
        // An output this does not understand: no figures rather than a failed task.
        unsupported = true;
      }
    }
  }
}
