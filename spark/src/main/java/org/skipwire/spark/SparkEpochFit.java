package org.skipwire.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
import org.deeplearning4j.spark.parameterserver.training.SharedTrainingMaster;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.parameterserver.distributed.conf.VoidConfiguration;
import org.skipwire.runtime.train.EpochFit;
import org.skipwire.runtime.train.TrainingDivergedException;

/**
 * Fits the {@link org.skipwire.runtime.train.Trainer}'s epochs data-parallel on Spark with DL4J's
 * {@link SparkComputationGraph}; the trainer keeps resume, progress, evaluation, checkpoints and
 * plots.
 *
 * <p>Each of the plan's batches of {@code B} examples is cut into one part of {@code B / W} per
 * worker, so that a round of {@code W} workers consumes whole batches of the plan:
 *
 * <ul>
 *   <li>{@link Mode#AVERAGING} ({@code --sync}, DL4J's {@link ParameterAveragingTrainingMaster}):
 *       a round is {@code F} batches (the averaging frequency); each worker takes {@code F} steps
 *       on its parts from the driver's parameters and updater state, and the driver averages both.
 *       With {@code F = 1} and SGD with momentum that is the single-machine step on the same
 *       batch, since the step is linear in the gradient (batch norm sees {@code B / W} examples
 *       per worker instead of {@code B}); larger {@code F} trades that for fewer rounds.
 *   <li>{@link Mode#SHARING} (DL4J's {@link SharedTrainingMaster}): the whole epoch is one Spark
 *       job in which the workers exchange threshold-encoded updates over Aeron UDP as they go.
 * </ul>
 *
 * <p>The data is the trainer's: read on the driver, sent to the executors with each round. The
 * driver's graph is DL4J's result, updated in place, with its iteration count set to the number of
 * the plan's batches fitted, so that a checkpoint resumes on a single machine at the same point
 * of the schedule, and back.
 */
public final class SparkEpochFit implements EpochFit {
  /** The two ways DL4J trains on Spark. */
  public enum Mode {
    AVERAGING,
    SHARING
  }

  private final JavaSparkContext sc;
  private final Mode mode;
  private final int workers;
  private final int batch;
  private final int averagingFrequency;
  private final int unicastPort;
  private final boolean local;
  private TrainingMaster<?, ?> master;
  private WorkerHook hook;
  private SparkComputationGraph sparkGraph;
  private long helpers = -1;

  /**
   * @param workers the data-parallel workers, one per partition (Spark's default parallelism is
   *     the usual choice)
   * @param batch the plan's batch; a multiple of {@code workers}
   * @param averagingFrequency batches per round of parameter averaging
   * @param unicastPort the UDP port of gradient sharing's controller on the driver
   */
  public SparkEpochFit(
      JavaSparkContext sc, Mode mode, int workers, int batch, int averagingFrequency,
      int unicastPort) {
    this.sc = Objects.requireNonNull(sc, "sc");
    this.mode = Objects.requireNonNull(mode, "mode");
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
    this.unicastPort = unicastPort;
    this.local = SparkContexts.isLocal(sc.master());
  }

  public int workers() {
    return workers;
  }

  public Mode mode() {
    return mode;
  }

  /**
   * Layers with skipwire's oneDNN helpers per worker network, as the executors reported them
   * (the mean over the networks DL4J built); -1 before the first round.
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
      master = mode == Mode.AVERAGING ? averaging(hook) : sharing(hook);
    }
    if (sparkGraph == null || sparkGraph.getNetwork() != graph) {
      sparkGraph = new SparkComputationGraph(sc, graph, master);
    }
    int roundBatches = mode == Mode.AVERAGING ? averagingFrequency : Integer.MAX_VALUE;
    List<DataSet> round = new ArrayList<>();
    while (batches.hasNext()) {
      round.add(batches.next());
      if (round.size() == roundBatches || !batches.hasNext()) {
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
    hook.lossSum.reset();
    hook.correct.reset();
    hook.measured.reset();
    hook.gradientNorms.reset();
    sparkGraph.fit(rdd);
    // SparkComputationGraph counts an epoch per fit and parameter averaging F iterations per
    // round; the trainer counts epochs, and a batch of the plan is one iteration.
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
        round.size(), examples, hook.lossSum.value(), hook.correct.value(), hook.measured.value(),
        sparkGraph.getScore());
  }

  /** {@code ds} in {@code workers} parts of equal size (the last batch of an epoch may be short). */
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

  private TrainingMaster<?, ?> sharing(WorkerHook hook) {
    int perWorker = batch / workers;
    String host = sc.getConf().get("spark.driver.host", "127.0.0.1");
    VoidConfiguration voids =
        VoidConfiguration.builder()
            .unicastPort(unicastPort)
            .controllerAddress(host)
            .networkMask(mask(host))
            .build();
    SharedTrainingMaster shared =
        new SharedTrainingMaster.Builder(voids, perWorker)
            .batchSizePerWorker(perWorker)
            // A local master is one node whose tasks share one JVM's parameter server client.
            .workersPerNode(local ? workers : 1)
            .workerPrefetchNumBatches(0)
            .rddTrainingApproach(RDDTrainingApproach.Direct)
            .repartitionData(Repartition.Never)
            .build();
    shared.addHook(hook);
    return shared;
  }

  /** The /24 network of an IPv4 address, which gradient sharing picks its interface from. */
  static String mask(String host) {
    String[] octets = host.split("\\.");
    if (octets.length != 4) {
      return null;
    }
    return String.format(Locale.ROOT, "%s.%s.%s.0/24", octets[0], octets[1], octets[2]);
  }
}
