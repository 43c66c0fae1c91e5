package org.skipwire.samples.zoo;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.skipwire.runtime.data.Datasets;
import org.skipwire.runtime.train.EpochMetrics;
import org.skipwire.runtime.train.Optimizer;
import org.skipwire.runtime.train.Progress;
import org.skipwire.runtime.train.Schedule;
import org.skipwire.runtime.train.TrainResult;
import org.skipwire.runtime.train.Trainer;
import org.skipwire.runtime.train.TrainingPlan;

/**
 * The two sequence samples train through the same {@link Trainer} the command line uses, on the
 * data that ships with skipwire: the transformer on Fashion-MNIST images read row by row, the
 * temporal convolutional network on the monthly sunspot numbers.
 */
class SequenceTrainingTest {

  private static final PrintStream QUIET =
      new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

  @Test
  void transformerEncoderLearnsToClassifyImagesReadAsRows() throws Exception {
    TrainingPlan plan =
        TrainingPlan.builder()
            .epochs(2)
            .batch(64)
            .optimizer(Optimizer.ADAM)
            .learningRate(1e-3)
            .schedule(Schedule.WARMUP_COSINE)
            .trainLimit(768)
            .testLimit(200)
            .progress(Progress.QUIET)
            .build();
    TrainResult result =
        new Trainer(plan, QUIET).train(new TransformerEncoderGraph(), Datasets.embedded());
    List<EpochMetrics> history = result.history();
    assertTrue(
        history.get(1).trainLoss() < history.get(0).trainLoss(), "training loss falls: " + history);
    // Ten classes: chance is 10%; two short epochs on 768 images get well above it.
    assertTrue(result.testAccuracy() > 0.3, "test accuracy " + result.testAccuracy());
  }

  @Test
  void tcnForecasterLearnsTheSunspotSeries() throws Exception {
    TrainingPlan plan =
        TrainingPlan.builder()
            .epochs(2)
            .batch(64)
            .trainLimit(512)
            .optimizer(Optimizer.ADAM)
            .learningRate(1e-3)
            .schedule(Schedule.WARMUP_COSINE)
            .progress(Progress.QUIET)
            .build();
    TrainResult result =
        new Trainer(plan, QUIET).train(new TcnForecasterGraph(), Datasets.sunspots());
    List<EpochMetrics> history = result.history();
    assertTrue(
        history.get(history.size() - 1).trainLoss() < history.get(0).trainLoss(),
        "training loss falls: " + history);
    assertTrue(Double.isFinite(result.testMse()) && result.testMse() > 0, "" + result.testMse());
  }
}
