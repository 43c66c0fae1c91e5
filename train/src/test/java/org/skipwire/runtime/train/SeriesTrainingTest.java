package org.skipwire.runtime.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;
import org.skipwire.runtime.SkipwireModel;
import org.skipwire.runtime.data.DataException;
import org.skipwire.runtime.data.Datasets;
import org.skipwire.runtime.data.Series;
import org.skipwire.runtime.data.SeriesSplit;
import org.skipwire.runtime.predict.Predictor;

/** Regression runs: a hand-built causal convolutional forecaster on the shipped sunspot series. */
class SeriesTrainingTest {
  private static final int WINDOW = 24;

  @TempDir Path dir;

  private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);

  private static TrainingPlan.Builder small() {
    return TrainingPlan.builder()
        .epochs(3)
        .batch(64)
        .learningRate(0.01)
        .schedule(Schedule.COSINE)
        .progress(Progress.QUIET);
  }

  private String printed() {
    return printed.toString(StandardCharsets.UTF_8);
  }

  private static double parse(Matcher m, int group) {
    return Double.parseDouble(m.group(group));
  }

  @Test
  void lossFallsAndTheReportedFiguresAreFiniteAndConsistent() throws Exception {
    Series sunspots = Datasets.sunspots();
    TrainingPlan plan = small().checkpointDir(dir).build();

    TrainResult r = new Trainer(plan, out).train(Forecaster.model(WINDOW), sunspots);

    List<EpochMetrics> h = r.history();
    assertEquals(3, h.size());
    assertTrue(h.get(2).trainLoss() < 0.8 * h.get(0).trainLoss(), () -> "loss " + h);
    for (EpochMetrics m : h) {
      assertTrue(Double.isFinite(m.trainLoss()) && Double.isFinite(m.testLoss()), m::toString);
      assertTrue(m.testMse() > 0 && Double.isFinite(m.testMse()), m::toString);
      assertTrue(Double.isNaN(m.trainAccuracy()) && Double.isNaN(m.testAccuracy()), m::toString);
    }

    // 2,796 windows of 24 in 2,820 months; the last ceil(2796 / 5) = 560 targets are the test set.
    int firstTest = WINDOW + 2236;
    double[] v = sunspots.values();
    double mean = 0;
    for (int i = 0; i < firstTest; i++) {
      mean += v[i] / firstTest;
    }
    double var = 0;
    double naive = 0;
    for (int i = 0; i < firstTest; i++) {
      var += (v[i] - mean) * (v[i] - mean) / firstTest;
    }
    for (int j = firstTest; j < v.length; j++) {
      naive += (v[j] - v[j - 1]) * (v[j] - v[j - 1]) / 560;
    }
    assertEquals(560, r.testImages());
    assertEquals(naive, r.baselineMse(), 1e-9 * naive);
    assertEquals(r.testLoss() * var, r.testMse(), 1e-6 * r.testMse());
    assertEquals(h.get(2).testMse(), r.testMse());
    assertTrue(Double.isNaN(r.testAccuracy()));

    List<String> lines = printed().lines().toList();
    assertEquals(
        "training forecaster on sunspots (embedded), column sunspots: 2236 windows of 24 values"
            + " (35 batches of 64) per epoch, 560 test targets",
        lines.get(0));
    assertTrue(lines.get(1).startsWith("epoch   1  loss "), lines.get(1));
    assertTrue(
        lines.get(1).contains("  test MSE ") && lines.get(1).contains("windows/s"), lines.get(1));
    assertFalse(lines.get(1).contains("acc"), lines.get(1));
    String last = lines.get(lines.size() - 1);
    Matcher m =
        Pattern.compile(
                "test MSE (\\S+) \\(RMSE (\\S+)\\) in the series' units on 560 values; naive"
                    + " last-value baseline MSE (\\S+); ratio (\\S+)")
            .matcher(last);
    assertTrue(m.matches(), last);
    assertEquals(r.testMse(), parse(m, 1), 1e-3 * r.testMse());
    assertEquals(Math.sqrt(r.testMse()), parse(m, 2), 1e-3 * Math.sqrt(r.testMse()));
    assertEquals(naive, parse(m, 3), 1e-3 * naive);
    assertEquals(r.testMse() / naive, parse(m, 4), 1e-3);

    // Loss and MSE charts, no accuracy chart; the history, test MSE included, in the checkpoint.
    for (String png : List.of("loss.png", "mse.png", "gradient-flow.png")) {
      byte[] bytes = Files.readAllBytes(dir.resolve(png));
      assertArrayEquals(
          new byte[] {(byte) 0x89, 'P', 'N', 'G'}, java.util.Arrays.copyOf(bytes, 4), png);
    }
    assertFalse(Files.exists(dir.resolve("accuracy.png")));
    CheckpointInfo info = CheckpointInfo.fromJson(Files.readString(dir.resolve("checkpoint.json")));
    assertEquals(h, info.history());
    assertEquals(2236, info.trainImages());
  }

  @Test
  void interruptedRegressionRunResumesToTheSameParametersAsAnUninterruptedOne() throws Exception {
    Series sunspots = Datasets.sunspots();
    TrainingPlan plan = small().epochs(2).trainLimit(640).build();
    TrainResult straight =
        new Trainer(plan.toBuilder().checkpointDir(dir.resolve("a")).build(), out)
            .train(Forecaster.model(WINDOW), sunspots);

    TrainingPlan b = plan.toBuilder().checkpointDir(dir.resolve("b")).build();
    Trainer crashing =
        new Trainer(b, out)
            .addListener(
                new BaseTrainingListener() {
                  @Override
                  public void iterationDone(Model model, int iteration, int epoch) {
                    if (epoch == 1) {
                      throw new IllegalStateException("simulated crash");
                    }
                  }
                });
    assertThrows(
        IllegalStateException.class, () -> crashing.train(Forecaster.model(WINDOW), sunspots));
    assertEquals(1, Checkpoints.load(dir.resolve("b")).info().epoch());
    TrainResult resumed =
        new Trainer(plan.toBuilder().checkpointDir(dir.resolve("b")).resume(true).build(), out)
            .train(Forecaster.model(WINDOW), sunspots);

    assertEquals(1, resumed.resumedFrom());
    assertEquals(2, resumed.history().size());
    assertEquals(straight.graph().getIterationCount(), resumed.graph().getIterationCount());
    assertArrayEquals(
        straight.graph().params().toFloatVector(), resumed.graph().params().toFloatVector(), 1e-6f);
    assertArrayEquals(
        straight.graph().getUpdater().getStateViewArray().toFloatVector(),
        resumed.graph().getUpdater().getStateViewArray().toFloatVector(),
        1e-6f);
    assertEquals(straight.testMse(), resumed.testMse(), 1e-6 * straight.testMse());
    assertEquals(straight.baselineMse(), resumed.baselineMse());
    // The first epoch's figures come back from the checkpoint's record.
    assertEquals(straight.history().get(0).testMse(), resumed.history().get(0).testMse(), 1e-9);
    assertTrue(printed().contains("resuming forecaster from " + dir.resolve("b/checkpoint.zip")));
    assertTrue(
        printed()
            .lines()
            .toList()
            .get(printed().lines().toList().size() - 1)
            .startsWith("test MSE "));
  }

  @Test
  void resumeWithAnotherWindowCountIsRefused() throws Exception {
    Series sunspots = Datasets.sunspots();
    new Trainer(small().epochs(1).trainLimit(640).checkpointDir(dir).build(), out)
        .train(Forecaster.model(WINDOW), sunspots);

    CheckpointException e =
        assertThrows(
            CheckpointException.class,
            () ->
                new Trainer(
                        small().epochs(2).trainLimit(320).checkpointDir(dir).resume(true).build(),
                        out)
                    .train(Forecaster.model(WINDOW), sunspots));

    assertTrue(e.getMessage().contains("limit 640, training windows 640"), e.getMessage());
  }

  @Test
  void nanInASeriesStopsTrainingAndKeepsTheLastCheckpoint() throws Exception {
    Series sunspots = Datasets.sunspots();
    TrainingPlan plan = small().trainLimit(640).checkpointDir(dir).build();
    SeriesSplit split = sunspots.split(WINDOW, plan.dataOptions());
    split
        .train()
        .setPreProcessor(
            ds -> {
              if (split.train().epoch() == 1) {
                ds.getLabels().putScalar(new long[] {0, 0}, Float.NaN);
              }
            });

    TrainingDivergedException e =
        assertThrows(
            TrainingDivergedException.class,
            () ->
                new Trainer(plan, out)
                    .train(
                        "forecaster",
                        () -> Forecaster.model(WINDOW).create(plan.training(10)),
                        split.train(),
                        split.test()));

    assertEquals(2, e.epoch());
    assertTrue(
        e.getMessage().startsWith("forecaster: loss became NaN in epoch 2, batch 1"),
        e.getMessage());
    assertEquals(1, Checkpoints.load(dir).info().epoch());
  }

  @Test
  void anImageNetworkCannotTrainOnASeries() {
    DataException e =
        assertThrows(
            DataException.class,
            () -> new Trainer(small().build(), out).train(Tiny.model(), Datasets.sunspots()));

    assertTrue(
        e.getMessage()
            .startsWith(
                "sunspots (embedded): a series trains a network with input [1, T] and output [1]"),
        e.getMessage());
    assertEquals("", printed(), "refused before training");
  }

  /** The task comes from the declaration, not from the data: a classifier is refused a series. */
  @Test
  void aClassificationNetworkCannotTrainOnASeries() {
    DataException e =
        assertThrows(
            DataException.class,
            () ->
                new Trainer(small().build(), out)
                    .train(
                        Forecaster.model(WINDOW, SkipwireModel.Task.CLASSIFICATION),
                        Datasets.sunspots()));

    assertEquals(
        "sunspots (embedded): forecaster is a classification network (@Output loss MSE); a series"
            + " trains a regression network, e.g. @Output(loss = MSE)",
        e.getMessage());
    assertEquals("", printed(), "refused before training");
  }

  /** And a regression network is refused a data set of classes. */
  @Test
  void aRegressionNetworkCannotTrainOnClasses() {
    DataException e =
        assertThrows(
            DataException.class,
            () ->
                new Trainer(small().build(), out).train(Forecaster.model(WINDOW), Tiny.embedded()));

    assertTrue(
        e.getMessage()
            .contains(
                "forecaster is a regression network (@Output loss MSE); a data set"
                    + " of classes trains a classification network"),
        e.getMessage());
    assertEquals("", printed(), "refused before training");
  }

  /**
   * A forecaster's checkpoint predicts values: the last 24 values, standardised with the training
   * part's mean and deviation, through the network, and back to the series' units.
   */
  @Test
  void aTrainedForecasterPredictsTheNextValue() throws Exception {
    Series sunspots = Datasets.sunspots();
    TrainingPlan plan = small().epochs(1).trainLimit(640).checkpointDir(dir).build();
    new Trainer(plan, out).train(Forecaster.model(WINDOW), sunspots);
    SeriesSplit split = sunspots.split(WINDOW, plan.dataOptions());
    double mean = split.mean();
    double std = split.std();

    Predictor p = Predictor.load(dir);

    assertTrue(p.regression());
    assertEquals(WINDOW, p.window());
    double[] v = sunspots.values();
    float[] window = new float[WINDOW];
    for (int t = 0; t < WINDOW; t++) {
      window[t] = (float) ((v[v.length - WINDOW + t] - mean) / std);
    }
    double expected =
        Checkpoints.load(dir)
                    .graph()
                    .outputSingle(false, Nd4j.create(window, new long[] {1, 1, WINDOW}))
                    .getDouble(0)
                * std
            + mean;
    assertEquals(expected, p.forecast(sunspots)[0], 1e-3 * Math.abs(expected) + 1e-3);
    assertEquals(expected, p.forecast(v)[0], 1e-3 * Math.abs(expected) + 1e-3);
    assertTrue(Double.isFinite(expected) && expected > -50 && expected < 500, "" + expected);

    IllegalArgumentException shortWindow =
        assertThrows(IllegalArgumentException.class, () -> p.forecast(new double[] {1, 2, 3}));
    assertEquals(
        "3 values; forecaster forecasts from the last 24 (its input [1, 24])",
        shortWindow.getMessage());
    assertThrows(IllegalStateException.class, () -> p.top(new float[WINDOW], 1));
  }
}
