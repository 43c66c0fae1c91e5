package org.skipwire.runtime.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.skipwire.runtime.Training;

class LearningRateScheduleTest {
  private static final double EPS = 1e-12;

  @ParameterizedTest(name = "step, iteration {0}: {1}")
  @CsvSource({
    "0, 0.1",
    "499, 0.1",
    "500, 0.01",
    "749, 0.01",
    "750, 0.001",
    "999, 0.001",
    "5000, 0.001"
  })
  void stepDecaysTenfoldAtHalfAndThreeQuarters(int iteration, double lr) {
    LearningRateSchedule s = LearningRateSchedule.of(Schedule.STEP, 0.1, 10, 100, 0.05);

    assertEquals(lr, s.valueAt(iteration, 0), EPS);
  }

  @ParameterizedTest(name = "cosine, iteration {0}: {1}")
  @CsvSource({
    "0, 0.1",
    "250, 0.08535533905932738", // 0.05 * (1 + cos(pi/4))
    "500, 0.05",
    "750, 0.014644660940672627",
    "999, 2.467399070893439E-7" // 0.05 * (1 + cos(pi * 999/1000))
  })
  void cosineFallsFromBaseToZero(int iteration, double lr) {
    LearningRateSchedule s = LearningRateSchedule.of(Schedule.COSINE, 0.1, 10, 100, 0.05);

    assertEquals(lr, s.valueAt(iteration, 0), 1e-15);
  }

  @ParameterizedTest(name = "warmup-cosine, iteration {0}: {1}")
  @CsvSource({
    "0, 0.002", // (0 + 1) / 50 of 0.1
    "24, 0.05",
    "49, 0.1",
    "50, 0.1", // cosine starts at the top
    "525, 0.05", // halfway through the 950 cosine iterations
    "999, 2.733959946432663E-7" // 0.05 * (1 + cos(pi * 949/950))
  })
  void warmupRisesLinearlyThenCosine(int iteration, double lr) {
    LearningRateSchedule s = LearningRateSchedule.of(Schedule.WARMUP_COSINE, 0.1, 10, 100, 0.05);

    assertEquals(50, s.getWarmupIterations());
    assertEquals(lr, s.valueAt(iteration, 0), 1e-15);
  }

  @Test
  void constantIgnoresIteration() {
    LearningRateSchedule s = LearningRateSchedule.of(Schedule.CONSTANT, 0.03, 2, 7, 0.05);

    assertEquals(0.03, s.valueAt(0, 0), EPS);
    assertEquals(0.03, s.valueAt(13, 1), EPS);
  }

  @Test
  void warmupIsAtLeastOneIteration() {
    LearningRateSchedule s = LearningRateSchedule.of(Schedule.WARMUP_COSINE, 1.0, 1, 4, 0.01);

    assertEquals(1, s.getWarmupIterations());
    assertEquals(1.0, s.valueAt(0, 0), EPS);
  }

  @Test
  void survivesTheConfigurationJsonOfACheckpoint() {
    LearningRateSchedule s = LearningRateSchedule.of(Schedule.WARMUP_COSINE, 0.2, 3, 11, 0.1);
    Training t = Training.defaults().withUpdater(new Nesterovs(s, 0.9));
    ComputationGraphConfiguration conf = Tiny.graph(t).getConfiguration();

    ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(conf.toJson());

    LayerVertex conv = (LayerVertex) back.getVertices().get("conv");
    Nesterovs u = (Nesterovs) ((BaseLayer) conv.getLayerConf().getLayer()).getIUpdater();
    assertEquals(s, u.getLearningRateSchedule());
  }

  @Test
  void parsesCommandLineNames() {
    assertEquals(Schedule.WARMUP_COSINE, Schedule.parse("warmup-cosine"));
    assertEquals(Schedule.STEP, Schedule.parse("STEP"));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Schedule.parse("linear"));
    assertEquals(
        "unknown schedule 'linear'; expected one of constant, step, cosine, warmup-cosine",
        e.getMessage());
  }
}
