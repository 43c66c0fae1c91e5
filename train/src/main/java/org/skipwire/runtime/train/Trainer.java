package org.skipwire.runtime.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarConsumer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.skipwire.runtime.BatchNormFolding;
import org.skipwire.runtime.FastPaths;
import org.skipwire.runtime.Models;
import org.skipwire.runtime.SkipwireModel;
import org.skipwire.runtime.data.DataException;
import org.skipwire.runtime.data.DataSplit;
import org.skipwire.runtime.data.Dataset;
import org.skipwire.runtime.data.EpochIterator;
import org.skipwire.runtime.data.Series;
import org.skipwire.runtime.data.SeriesDataSetIterator;
import org.skipwire.runtime.data.SeriesSplit;

/**
 * Trains a DL4J {@link ComputationGraph} for the epochs of a {@link TrainingPlan}: a progress bar
 * (or one line) per epoch, evaluation on the test set after each, a checkpoint and PNG plots after
 * each, resume from the last checkpoint, and a stop on NaN or infinite loss that leaves the last
 * checkpoint as it was.
 *
 * <pre>{@code
 * Dataset data = Datasets.open(dirOrNull);                       // DataException
 * TrainingPlan plan = TrainingPlan.builder().epochs(15).schedule(Schedule.WARMUP_COSINE)
 *     .checkpointDir(Path.of("runs/resnet20")).build();
 * TrainResult r = new Trainer(plan).train(model, data);          // SkipwireModel
 * }</pre>
 *
 * <p>A run is deterministic for a given plan and seed on one machine: the shuffle and the
 * augmentation of epoch e depend only on the seed and e, and the updater state, iteration and epoch
 * counters travel in the checkpoint, so a resumed run continues as if never stopped.
 *
 * <p>The network's declared task ({@link SkipwireModel#task()}) decides the run, and data that does
 * not fit it is refused before training. A classification network trains on classes ({@link
 * Dataset}): loss is mean cross-entropy, with training and test accuracy, and the last line is the
 * test accuracy. A regression network trains on a series ({@link Series}, or a graph trained on
 * {@link SeriesDataSetIterator}s): loss is the mean squared error between standardised values, the
 * epoch line adds the test MSE in the series' units, and the last line compares it with the naive
 * forecast (each value predicted by the one before it), e.g. for a small causal convolutional
 * network with a window of 24 months after 4 epochs on the shipped sunspots:
 *
 * <pre>
 * test MSE 397.1 (RMSE 19.93) in the series' units on 560 values; naive last-value baseline MSE 401.6; ratio 0.989
 * </pre>
 */
public final class Trainer {
  private final TrainingPlan plan;
  private final PrintStream out;
  private final List<TrainingListener> extraListeners = new ArrayList<>();
  private ProgressBarConsumer barConsumer;
  private boolean overwrite;
  private GradientHealth health = new GradientHealth();
  private Checkpoints.Opener opener = java.nio.file.Files::newOutputStream;
  private EpochFit epochFit;
  private GraphStart graphStart = GraphStart.NONE;

  /** A trainer that prints to standard output (and the bar to standard error). */
  public Trainer(TrainingPlan plan) {
    this(plan, System.out);
  }

  /** A trainer that prints its lines to {@code out}. */
  public Trainer(TrainingPlan plan, PrintStream out) {
    this.plan = Objects.requireNonNull(plan, "plan");
    this.out = Objects.requireNonNull(out, "out");
  }

  public TrainingPlan plan() {
    return plan;
  }

  /** Adds a listener to every network this trainer trains (after its own). */
  public Trainer addListener(TrainingListener listener) {
    extraListeners.add(Objects.requireNonNull(listener, "listener"));
    return this;
  }

  /**
   * Lets a run without {@link TrainingPlan#resume()} replace the checkpoint of an earlier run in
   * its directory; without it such a run is refused before it starts (see {@link RunDirectory}).
   */
  public Trainer overwrite(boolean overwrite) {
    this.overwrite = overwrite;
    return this;
  }

  /** Warns after each epoch by these thresholds instead of {@link GradientHealth}'s defaults. */
  public Trainer gradientHealth(GradientHealth health) {
    this.health = Objects.requireNonNull(health, "health");
    return this;
  }

  /** Writes checkpoint files through {@code opener} (tests: a full or read-only disk). */
  Trainer opener(Checkpoints.Opener opener) {
    this.opener = Objects.requireNonNull(opener, "opener");
    return this;
  }

  /**
   * Fits each epoch through {@code fit} (data-parallel on Spark, say) instead of batch by batch in
   * this JVM; null for the latter. Resume, progress, evaluation, checkpoints, plots and the stop on
   * a loss that is not finite stay as they are.
   */
  public Trainer epochFit(EpochFit fit) {
    this.epochFit = fit;
    return this;
  }

  /** Prepares every fresh graph before its first step (pretrained weights, freezing). */
  public Trainer startWith(GraphStart graphStart) {
    this.graphStart = Objects.requireNonNull(graphStart, "graphStart");
    return this;
  }

  /** Sends the progress bar somewhere else than the terminal (tests, logs). */
  Trainer barConsumer(ProgressBarConsumer consumer) {
    this.barConsumer = consumer;
    return this;
  }

  /**
   * Trains a generated network on a data set: shapes the data for the network (refusing one it does
   * not fit), creates the network with {@link TrainingPlan#training} (Nesterov momentum, the plan's
   * schedule and weight decay, its seed) or resumes it, and trains.
   *
   * @throws DataException if the network's input or output does not fit the data
   * @throws CheckpointException if a checkpoint cannot be written, or read when resuming
   * @throws TrainingDivergedException if the loss stops being finite
   */
  public TrainResult train(SkipwireModel model, Dataset data)
      throws DataException, CheckpointException, TrainingDivergedException {
    if (model.task() == SkipwireModel.Task.REGRESSION) {
      throw new DataException(
          data.name(),
          model.name()
              + " is a regression network (@Output loss "
              + model.loss()
              + "); a data set of classes trains a classification network, e.g. @Output(loss ="
              + " MCXENT)");
    }
    DataSplit split = data.iterators(model.inputShape(), model.outputShape(), plan.dataOptions());
    int perEpoch = split.train().batchesPerEpoch();
    out.printf(
        Locale.ROOT,
        "training %s on %s: %d images (%d batches of %d) per epoch, %d test images%n",
        model.name(),
        data.name(),
        split.train().size(),
        perEpoch,
        plan.batch(),
        split.test().size());
    InferenceInfo inference =
        InferenceInfo.classifier(
            model.name(),
            model.inputShape(),
            data,
            split.train().layout(),
            split.train().getLabels(),
            split.stats());
    return run(
        model.name(),
        () -> model.create(plan.training(perEpoch)),
        split.train(),
        split.test(),
        data.name(),
        inference,
        Task.classification());
  }

  /**
   * Trains a generated forecaster on a series: input {@code [1, T]}, output {@code [1]}, the next
   * value from the {@code T} before it (see {@link Series#split} for the windows, the chronological
   * split and the standardisation). Otherwise as {@link #train(SkipwireModel, Dataset)}.
   *
   * @throws DataException if the network does not take a series, or the series is too short for its
   *     window
   */
  public TrainResult train(SkipwireModel model, Series series)
      throws DataException, CheckpointException, TrainingDivergedException {
    SeriesSplit split =
        series.iterators(model.inputShape(), model.outputShape(), plan.dataOptions());
    if (model.task() != SkipwireModel.Task.REGRESSION) {
      throw new DataException(
          series.name(),
          model.name()
              + " is a classification network (@Output loss "
              + model.loss()
              + "); a series trains a regression network, e.g. @Output(loss = MSE)");
    }
    int perEpoch = split.train().batchesPerEpoch();
    out.printf(
        Locale.ROOT,
        "training %s on %s, column %s: %d windows of %d values (%d batches of %d) per epoch, %d test"
            + " targets%n",
        model.name(),
        series.name(),
        series.column(),
        split.train().size(),
        split.train().window(),
        perEpoch,
        plan.batch(),
        split.test().size());
    return run(
        model.name(),
        () -> model.create(plan.training(perEpoch)),
        split.train(),
        split.test(),
        series.name(),
        InferenceInfo.forecaster(
            model.name(), model.inputShape(), split.train().mean(), split.train().std()),
        Task.regression(split.test()));
  }

  /**
   * Trains any single-input, single-output classification graph (a forecaster: {@link
   * #train(String, Supplier, SeriesDataSetIterator, SeriesDataSetIterator)}). A fresh graph keeps
   * its own updater; only its learning rate is replaced by the plan's schedule. Under {@link
   * TrainingPlan#resume()} the graph comes from the checkpoint instead, if there is one, and {@code
   * fresh} is not called.
   *
   * @param name the network's name, recorded in checkpoints and checked on resume
   * @param fresh makes a new initialised graph
   * @param train the training batches; an {@link EpochIterator} is set to each epoch's order, any
   *     other iterator is reset between epochs
   * @param test the test batches
   */
  public TrainResult train(
      String name, Supplier<ComputationGraph> fresh, DataSetIterator train, DataSetIterator test)
      throws CheckpointException, TrainingDivergedException {
    String source = train instanceof EpochIterator it ? it.source() : "";
    return run(name, fresh, train, test, source, null, Task.classification());
  }

  /**
   * Trains any single-input, single-output regression graph on a series' windows (from {@link
   * Series#split}), as {@link #train(String, Supplier, DataSetIterator, DataSetIterator)} does a
   * classification graph.
   */
  public TrainResult train(
      String name,
      Supplier<ComputationGraph> fresh,
      SeriesDataSetIterator train,
      SeriesDataSetIterator test)
      throws CheckpointException, TrainingDivergedException {
    return run(name, fresh, train, test, train.source(), null, Task.regression(test));
  }

  private TrainResult run(
      String name,
      Supplier<ComputationGraph> fresh,
      DataSetIterator train,
      DataSetIterator test,
      String datasetName,
      InferenceInfo inference,
      Task task)
      throws CheckpointException, TrainingDivergedException {
    int perEpoch = batchesPerEpoch(train);
    int trainImages = imagesPerEpoch(train);
    if (perEpoch == 0) {
      throw new IllegalArgumentException("the training iterator has no batches");
    }
    LearningRateSchedule schedule = plan.schedule(perEpoch);
    Path dir = plan.checkpointDir();
    // Every way the directory can fail the run fails it here, before the first batch.
    try (RunDirectory run = dir == null ? null : RunDirectory.open(dir, plan.resume(), overwrite)) {
      if (run != null && !run.removedTemporaries().isEmpty()) {
        out.printf(
            "note: removed %d temporary file(s) an interrupted run left in %s%n",
            run.removedTemporaries().size(), dir);
      }
      return run(
          name,
          fresh,
          train,
          test,
          datasetName,
          inference,
          task,
          perEpoch,
          trainImages,
          schedule,
          dir);
    }
  }

  private TrainResult run(
      String name,
      Supplier<ComputationGraph> fresh,
      DataSetIterator train,
      DataSetIterator test,
      String datasetName,
      InferenceInfo inference,
      Task task,
      int perEpoch,
      int trainImages,
      LearningRateSchedule schedule,
      Path dir)
      throws CheckpointException, TrainingDivergedException {
    ComputationGraph graph;
    List<EpochMetrics> history = new ArrayList<>();
    Path checkpointFile = null;
    Optional<Checkpoint> resumed =
        plan.resume() ? Checkpoints.loadIfPresent(dir) : Optional.empty();
    if (resumed.isPresent()) {
      Checkpoint ck = resumed.get();
      checkCompatible(ck, name, trainImages, task);
      graph = ck.graph();
      history.addAll(ck.info().history());
      checkpointFile = ck.file();
      out.printf(
          Locale.ROOT,
          "resuming %s from %s after epoch %d of %d%n",
          name,
          ck.file(),
          ck.info().epoch(),
          plan.epochs());
      if (ck.info().plan().epochs() != plan.epochs()) {
        // The schedule is by iteration over the whole run, so a longer run stretches it; one
        // schedule for every layer would silently undo per-layer rates (--trunk-lr-scale).
        if (distinctLearningRates(graph) > 1) {
          throw new CheckpointException(
              ck.file().toString(),
              "its layers train at different learning rates (a --trunk-lr-scale run), which"
                  + " stretching the schedule to "
                  + plan.epochs()
                  + " epochs would undo; resume"
                  + " with --epochs "
                  + ck.info().plan().epochs());
        }
        graph.setLearningRate(schedule);
        out.printf(
            Locale.ROOT,
            "note: the %s schedule now spans %d epochs instead of %d%n",
            plan.schedule(),
            plan.epochs(),
            ck.info().plan().epochs());
      }
    } else {
      graph = Objects.requireNonNull(fresh.get(), "fresh graph");
      graph.setLearningRate(schedule);
      graph = graphStart.prepare(graph, schedule);
    }
    // Whatever built the graph, it trains on skipwire's oneDNN helpers where DL4J put its own, so
    // a run and its resumption compute alike.
    FastPaths.install(graph);
    int start = graph.getEpochCount();

    BatchStatsListener batchStats = new BatchStatsListener(task);
    GradientFlowListener gradients = new GradientFlowListener();
    List<TrainingListener> listeners = new ArrayList<>(List.of(batchStats, gradients));
    listeners.addAll(extraListeners);
    graph.setListeners(listeners);
    SkipUsageListener usage = skipUsage(name, test);

    boolean bar =
        plan.progress().showsBar() || (barConsumer != null && plan.progress() == Progress.BAR);
    for (int epoch = start; epoch < plan.epochs(); epoch++) {
      startEpoch(train, epoch);
      batchStats.reset();
      gradients.startEpoch();
      long images = 0;
      int batch = 0;
      long t0 = System.nanoTime();
      try (ProgressBar pb = bar ? progressBar(epoch, trainImages) : null) {
        if (epochFit != null) {
          FitSteps steps =
              new FitSteps(
                  name,
                  epoch,
                  graph,
                  schedule,
                  checkpointFile,
                  history,
                  task,
                  batchStats,
                  gradients,
                  pb);
          graph = epochFit.fit(graph, train, steps);
          batch = steps.batches;
          images = steps.examples;
        } else {
          while (train.hasNext()) {
            DataSet ds = train.next();
            graph.fit(ds);
            batch++;
            images += ds.numExamples();
            double score = graph.score();
            if (!Double.isFinite(score)) {
              throw diverged(
                  name, "loss", score, epoch, batch, graph, schedule, checkpointFile, history);
            }
            if (pb != null) {
              pb.stepBy(ds.numExamples());
              pb.setExtraMessage(task.barMessage(batchStats.meanLoss(), batchStats.accuracy()));
            }
          }
        }
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      graph.incrementEpochCount();
      if (!finite(graph.params())) {
        throw diverged(
            name, "parameters", Double.NaN, epoch, batch, graph, schedule, checkpointFile, history);
      }
      Evaluation eval = evaluate(forEvaluation(graph), test, task);
      double lr = schedule.valueAt(Math.max(0, graph.getIterationCount() - 1), epoch);
      EpochMetrics m =
          new EpochMetrics(
              epoch + 1,
              batchStats.meanLoss(),
              batchStats.accuracy(),
              eval.loss(),
              eval.accuracy(),
              lr,
              seconds,
              images / Math.max(seconds, 1e-9),
              gradients.endEpoch(),
              eval.mse());
      history.add(m);
      out.println(task.summary(m));
      health.check(m.epoch(), m.gradientNorms()).ifPresent(out::println);
      if (usage != null) {
        usage.onEpochEnd(graph);
      }
      if (dir != null) {
        CheckpointInfo info =
            new CheckpointInfo(
                name,
                graph.getEpochCount(),
                graph.getIterationCount(),
                datasetName,
                trainImages,
                plan,
                history,
                inference);
        checkpointFile = Checkpoints.write(dir, graph, info, opener);
        writePlots(dir, name, history, task);
        if (usage != null) {
          writeSkipUsage(dir, name, usage);
        }
      }
    }

    Evaluation last;
    if (!history.isEmpty() && start < plan.epochs()) {
      EpochMetrics m = history.get(history.size() - 1);
      last = new Evaluation(m.testLoss(), m.testAccuracy(), testImages(test), m.testMse());
    } else {
      out.printf(Locale.ROOT, "%s has already been trained for %d epochs%n", name, start);
      last = evaluate(forEvaluation(graph), test, task);
    }
    out.println(task.finalLine(last, graph.getEpochCount(), name));
    return new TrainResult(
        name,
        graph,
        history,
        start,
        last.accuracy(),
        last.loss(),
        last.images(),
        checkpointFile,
        last.mse(),
        task.baselineMse());
  }

  /** The trainer's side of an {@link EpochFit}: counts, figures, the bar and the loss check. */
  private final class FitSteps implements EpochFit.Steps {
    private final String name;
    private final int epoch;
    private final ComputationGraph graph;
    private final LearningRateSchedule schedule;
    private final Path checkpointFile;
    private final List<EpochMetrics> history;
    private final Task task;
    private final BatchStatsListener stats;
    private final GradientFlowListener gradients;
    private final ProgressBar pb;
    int batches;
    long examples;

    FitSteps(
        String name,
        int epoch,
        ComputationGraph graph,
        LearningRateSchedule schedule,
        Path checkpointFile,
        List<EpochMetrics> history,
        Task task,
        BatchStatsListener stats,
        GradientFlowListener gradients,
        ProgressBar pb) {
      this.name = name;
      this.epoch = epoch;
      this.graph = graph;
      this.schedule = schedule;
      this.checkpointFile = checkpointFile;
      this.history = history;
      this.task = task;
      this.stats = stats;
      this.gradients = gradients;
      this.pb = pb;
    }

    @Override
    public void gradientNorms(Map<String, Double> norms) {
      gradients.add(norms);
    }

    @Override
    public boolean classification() {
      return task instanceof Task.Classification;
    }

    @Override
    public void fitted(
        int batches, long examples, double lossSum, long correct, long measured, double score)
        throws TrainingDivergedException {
      this.batches += batches;
      this.examples += examples;
      stats.add(lossSum, correct, measured);
      if (!Double.isFinite(score)) {
        throw diverged(
            name, "loss", score, epoch, this.batches, graph, schedule, checkpointFile, history);
      }
      if (pb != null) {
        pb.stepBy(examples);
        pb.setExtraMessage(task.barMessage(stats.meanLoss(), stats.accuracy()));
      }
    }
  }

  private void checkCompatible(Checkpoint ck, String name, int trainImages, Task task)
      throws CheckpointException {
    CheckpointInfo info = ck.info();
    String file = ck.file().toString();
    if (!info.model().equals(name)) {
      throw new CheckpointException(
          file,
          "holds model " + info.model() + ", not " + name + "; use another checkpoint directory");
    }
    TrainingPlan saved = info.plan();
    List<String> was = new ArrayList<>();
    List<String> now = new ArrayList<>();
    differ(was, now, "batch", saved.batch(), plan.batch());
    differ(was, now, "lr", saved.learningRate(), plan.learningRate());
    differ(was, now, "schedule", saved.schedule(), plan.schedule());
    if (plan.schedule() == Schedule.WARMUP_COSINE) {
      differ(was, now, "warm-up", saved.warmupFraction(), plan.warmupFraction());
    }
    differ(was, now, "optimizer", saved.optimizer(), plan.optimizer());
    differ(was, now, "momentum", saved.momentum(), plan.momentum());
    differ(was, now, "weight decay", saved.weightDecay(), plan.weightDecay());
    differ(was, now, "limit", saved.trainLimit(), plan.trainLimit());
    differ(was, now, "normalize", saved.normalize(), plan.normalize());
    differ(was, now, "augment", saved.augment(), plan.augment());
    differ(was, now, "seed", saved.seed(), plan.seed());
    differ(was, now, "training " + task.examples(), info.trainImages(), trainImages);
    if (!was.isEmpty()) {
      throw new CheckpointException(
          file,
          "was trained with "
              + String.join(", ", was)
              + " but this run has "
              + String.join(", ", now)
              + "; resume with the same settings (only the number of epochs may change)");
    }
  }

  /** How many different learning rates the graph's trainable layers have now. */
  private static long distinctLearningRates(ComputationGraph graph) {
    return java.util.Arrays.stream(graph.getLayers())
        .filter(l -> l.numParams() > 0)
        .map(l -> graph.getLearningRate(l.conf().getLayer().getLayerName()))
        .filter(lr -> lr != null && Double.isFinite(lr))
        .distinct()
        .count();
  }

  private static void differ(List<String> was, List<String> now, String what, Object a, Object b) {
    if (!a.equals(b)) {
      was.add(what + " " + a);
      now.add(what + " " + b);
    }
  }

  private TrainingDivergedException diverged(
      String name,
      String what,
      double value,
      int epoch,
      int batch,
      ComputationGraph graph,
      LearningRateSchedule schedule,
      Path checkpointFile,
      List<EpochMetrics> history) {
    int iteration = graph.getIterationCount();
    double lr = schedule.valueAt(Math.max(0, iteration - 1), epoch);
    String kept;
    if (plan.checkpointDir() == null) {
      kept = "no checkpoint directory was given";
    } else if (checkpointFile == null) {
      kept = "no checkpoint was written (none had been made yet)";
    } else {
      kept =
          "the last good checkpoint "
              + checkpointFile
              + " (epoch "
              + history.size()
              + ") is unchanged";
    }
    String state =
        what.equals("loss") ? "loss became " + value : "parameters became NaN or infinite";
    String message =
        String.format(
            Locale.ROOT,
            "%s: %s in epoch %d, batch %d (iteration %d, lr %.4g); training stopped, %s;"
                + " try a lower learning rate",
            name,
            state,
            epoch + 1,
            batch,
            iteration,
            lr,
            kept);
    return new TrainingDivergedException(message, epoch + 1, iteration, history);
  }

  /**
   * A skip-usage recorder for a generated network with skips (found by name among the registered
   * models), on the first {@value #USAGE_BATCH} test examples; null when there is nothing to
   * measure.
   */
  private static SkipUsageListener skipUsage(String name, DataSetIterator test) {
    Optional<SkipwireModel> model = Models.find(name);
    if (model.isEmpty()) {
      return null;
    }
    SkipUsage usage = new SkipUsage(model.get().vertices());
    if (usage.isEmpty()) {
      return null;
    }
    startEpoch(test, 0);
    if (!test.hasNext()) {
      return null;
    }
    INDArray features = test.next().getFeatures();
    long n = Math.min(USAGE_BATCH, features.size(0));
    return new SkipUsageListener(usage, features.get(NDArrayIndex.interval(0, n)).dup());
  }

  /** Examples in the fixed batch {@link SkipUsage} is measured on. */
  static final int USAGE_BATCH = 64;

  private void writeSkipUsage(Path dir, String name, SkipUsageListener usage) {
    try {
      Plots.skipUsage(dir.resolve(Plots.SKIP_USAGE_FILE), name, usage.history());
    } catch (IOException | RuntimeException e) {
      out.println("note: plots not written to " + dir + " (" + Checkpoints.describe(e) + ")");
    }
  }

  private void writePlots(Path dir, String name, List<EpochMetrics> history, Task task) {
    try {
      task.writePlots(dir, name, history);
    } catch (IOException | RuntimeException e) {
      // Plots are a convenience; a failing chart must not end a training run.
      out.println("note: plots not written to " + dir + " (" + Checkpoints.describe(e) + ")");
    }
  }

  private ProgressBar progressBar(int epoch, int images) {
    ProgressBarBuilder b =
        new ProgressBarBuilder()
            .setTaskName(String.format(Locale.ROOT, "epoch %d/%d", epoch + 1, plan.epochs()))
            .setInitialMax(images)
            .setRenderer(new EpochBarRenderer())
            .setUpdateIntervalMillis(250);
    if (barConsumer != null) {
      b.setConsumer(barConsumer);
    }
    return b.build();
  }

  /**
   * A test set's figures: mean loss, accuracy (NaN for a series) and, for a series, the mean
   * squared error in its units (NaN for classes).
   */
  record Evaluation(double loss, double accuracy, int images, double mse) {}

  /**
   * The graph to measure the test set with: its batch-norm folded inference copy where something
   * folds (the same outputs within float rounding, about 1.5x as fast for a post-activation ResNet;
   * see {@link BatchNormFolding}), the graph itself otherwise.
   */
  static ComputationGraph forEvaluation(ComputationGraph graph) {
    return BatchNormFolding.foldable(graph.getConfiguration()).isEmpty()
        ? graph
        : BatchNormFolding.forInference(graph);
  }

  static Evaluation evaluate(ComputationGraph graph, DataSetIterator test, Task task) {
    startEpoch(test, 0);
    double lossSum = 0;
    long correct = 0;
    long n = 0;
    while (test.hasNext()) {
      DataSet ds = test.next();
      INDArray output = graph.output(false, ds.getFeatures())[0];
      BatchStatsListener.Scores s = task.score(output, ds.getLabels());
      lossSum += s.lossSum();
      correct += s.correct();
      n += s.examples();
    }
    if (n == 0) {
      return new Evaluation(Double.NaN, Double.NaN, 0, Double.NaN);
    }
    double loss = lossSum / n;
    boolean classes = task instanceof Task.Classification;
    return new Evaluation(
        loss, classes ? (double) correct / n : Double.NaN, (int) n, task.toDataUnits(loss));
  }

  private static void startEpoch(DataSetIterator it, int epoch) {
    if (it instanceof EpochIterator seeded) {
      seeded.setEpoch(epoch);
    } else {
      it.reset();
    }
  }

  private static int batchesPerEpoch(DataSetIterator it) {
    if (it instanceof EpochIterator seeded) {
      return seeded.batchesPerEpoch();
    }
    // Unknown iterators are counted once; the schedule needs the number of updates.
    it.reset();
    int n = 0;
    while (it.hasNext()) {
      it.next();
      n++;
    }
    it.reset();
    return n;
  }

  private static int imagesPerEpoch(DataSetIterator it) {
    if (it instanceof EpochIterator seeded) {
      return seeded.size();
    }
    it.reset();
    int n = 0;
    while (it.hasNext()) {
      n += it.next().numExamples();
    }
    it.reset();
    return n;
  }

  private static int testImages(DataSetIterator test) {
    return test instanceof EpochIterator seeded ? seeded.size() : imagesPerEpoch(test);
  }

  private static boolean finite(INDArray params) {
    // A sum is NaN or infinite as soon as one term is; one reduction instead of two scans.
    return params == null || Double.isFinite(params.sumNumber().doubleValue());
  }
}
