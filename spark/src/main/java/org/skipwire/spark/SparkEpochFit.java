package org.skipwire.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.api.TrainingMaster;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.skipwire.runtime.train.EpochFit;
import org.skipwire.runtime.train.TrainingDivergedException;

/**
 * Fits the {@link org.skipwire.runtime.train.Trainer}'s epochs data-parallel on Spark with DL4J's
 * {@link SparkComputationGraph} and {@link ParameterAveragingTrainingMaster}; the trainer keeps
 * resume, progress, evaluation, checkpoints, plots and the stop on a loss that is not finite.
 *
 * <p>Each of the plan's batches of {@code B} examples is cut into one part of {@code B / W} per
 * worker. A round is {@code F} batches (the averaging frequency): each worker takes {@code F} steps
 * on its parts from the driver's parameters and updater state, and the driver averages both. With
 * {@code F = 1} and SGD with momentum that is the single-machine step on the same batch, since the
 * step is linear in the gradient (batch norm sees {@code B / W} examples per worker instead of
 * {@code B}); a larger {@code F} trades that for fewer rounds, each a Spark job.
 *
 * <p>DL4J's other master, gradient sharing ({@code SharedTrainingMaster},
 * dl4j-spark-parameterserver 1.0.0-M2), does not train with ND4J M2.1 in local mode: with two
 * training threads in the JVM its gradient accumulator waits at every step for a thread that has no
 * data left, and with one its Aeron transport fails to bind (the driver's controller and the
 * executor share the JVM and the port) and the driver's network stays untrained.
 *
 * <p>The data is the trainer's: read on the driver and sent to the executors with each round. The
 * driver's graph is DL4J's result, updated in place, with its iteration count set to the number of
 * the plan's batches fitted, so that a checkpoint resumes on a single machine at the same point of
 * the schedule, and back.
 */
public final class SparkEpochFit implements EpochFit {
  private final JavaSparkContext sc;
  private final int workers;
  private final int batch;
  private final int averagingFrequency;
  private TrainingMaster<?, ?> master;
  private WorkerHook hook;
  private SparkComputationGraph sparkGraph;
  private long helpers = -1;

  /**
   * @param workers the data-parallel workers, one per partition (Spark's default parallelism is the
   *     usual choice)
   * @param batch the plan's batch; a multiple of {@code workers}
   * @param averagingFrequency batches per round of parameter averaging
   */
  public SparkEpochFit(JavaSparkContext sc, int workers, int batch, int averagingFrequency) {
    this.sc = Objects.requireNonNull(sc, "sc");
    if (workers < 1 || batch % workers != 0) {
      throw new IllegalArgumentException(
          "the batch (" + batch + ") must be a multiple of the workers (" + workers + ")");
    }
    if (averagingFrequency < 1) {
      throw new IllegalArgumentException("the averaging frequency must be at least 1");
    }
    this.workers = workers;
    this.batch = batch;
    this.averagingFrequency = averagingFrequency;
  }

  public int workers() {
    return workers;
  }

  /**
   * Layers with skipwire's oneDNN helpers per worker network, as the executors reported them (the
   * mean over the networks DL4J built); -1 before the first round.
   */
  public long helpersPerWorkerNetwork() {
    return helpers;
  }

  @Override
  public ComputationGraph fit(ComputationGraph graph, DataSetIterator batches, Steps steps)
      throws TrainingDivergedException {
    if (master == null) {
      hook =
          new WorkerHook(
              steps.classification(),
              sc.sc().doubleAccumulator("skipwire.lossSum"),
              sc.sc().longAccumulator("skipwire.correct"),
              sc.sc().longAccumulator("skipwire.measured"),
              sc.sc().longAccumulator("skipwire.helpers"),
              sc.sc().longAccumulator("skipwire.networks"),
              sc.sc().collectionAccumulator("skipwire.gradientNorms"));
      master = averaging(hook);
    }
    if (sparkGraph == null || sparkGraph.getNetwork() != graph) {
      sparkGraph = new SparkComputationGraph(sc, graph, master);
    }
    List<DataSet> round = new ArrayList<>();
    while (batches.hasNext()) {
      round.add(batches.next());
      if (round.size() == averagingFrequency || !batches.hasNext()) {
        fitRound(graph, round, steps);
        round.clear();
      }
    }
    return graph;
  }

  private void fitRound(ComputationGraph graph, List<DataSet> round, Steps steps)
      throws TrainingDivergedException {
    // Worker w's partition holds part w of every batch of the round, in order.
    List<List<DataSet>> parts = new ArrayList<>();
    long examples = 0;
    for (DataSet ds : round) {
      parts.add(ds.numExamples() > 1 ? split(ds) : List.of(ds));
      examples += ds.numExamples();
    }
    List<DataSet> ordered = new ArrayList<>();
    for (int w = 0; w < workers; w++) {
      for (List<DataSet> p : parts) {
        if (w < p.size()) {
          ordered.add(p.get(w));
        }
      }
    }
    JavaRDD<DataSet> rdd = sc.parallelize(ordered, Math.min(workers, ordered.size()));
    int iterations = graph.getIterationCount();
    int epochs = graph.getEpochCount();
    hook.iteration = iterations;
    hook.epoch = epochs;
    hook.lossSum.reset();
    hook.correct.reset();
    hook.measured.reset();
    hook.gradientNorms.reset();
    sparkGraph.fit(rdd);
    // SparkComputationGraph counts an epoch per fit and parameter averaging F iterations per
    // round, also for a last round that is short; the trainer counts epochs, and a batch of the
    // plan is one iteration.
    graph.getConfiguration().setEpochCount(epochs);
    graph.getConfiguration().setIterationCount(iterations + round.size());
    long networks = hook.networks.value();
    if (networks > 0) {
      helpers = hook.helpers.value() / networks;
    }
    for (Map<String, Double> norms : hook.gradientNorms.value()) {
      steps.gradientNorms(norms);
    }
    steps.fitted(
        round.size(),
        examples,
        hook.lossSum.value(),
        hook.correct.value(),
        hook.measured.value(),
        sparkGraph.getScore());
  }

  /**
   * {@code ds} in {@code workers} parts of equal size (the last batch of an epoch may be short).
   */
  private List<DataSet> split(DataSet ds) {
    int n = ds.numExamples();
    int size = (n + workers - 1) / workers;
    return ds.batchBy(size);
  }

  private TrainingMaster<?, ?> averaging(WorkerHook hook) {
    int perWorker = batch / workers;
    return new ParameterAveragingTrainingMaster.Builder(workers, perWorker)
        .batchSizePerWorker(perWorker)
        .averagingFrequency(averagingFrequency)
        .saveUpdater(true)
        .workerPrefetchNumBatches(0)
        .rddTrainingApproach(RDDTrainingApproach.Direct)
        .repartionData(Repartition.Never)
        .trainingHooks(hook)
        .build();
  }
}
