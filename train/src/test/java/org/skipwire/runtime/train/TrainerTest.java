package org.skipwire.runtime.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import me.tongfei.progressbar.ProgressBarConsumer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.skipwire.runtime.SkipwireModel;
import org.skipwire.runtime.data.DataException;
import org.skipwire.runtime.data.DataSplit;

class TrainerTest {
  @TempDir Path dir;

  private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);

  private static TrainingPlan.Builder small() {
    return TrainingPlan.builder()
        .epochs(2)
        .batch(50)
        .learningRate(0.05)
        .schedule(Schedule.COSINE)
        .progress(Progress.QUIET);
  }

  /** Trains the tiny network on the first {@code train}/{@code test} embedded images. */
  private TrainResult train(TrainingPlan plan, int train, int test) throws Exception {
    DataSplit data = Tiny.data(plan, train, test);
    int perEpoch = data.train().batchesPerEpoch();
    return new Trainer(plan, out)
        .train("tiny", () -> Tiny.graph(plan, perEpoch), data.train(), data.test());
  }

  private String printed() {
    return printed.toString(StandardCharsets.UTF_8);
  }

  @Test
  void theTestSetIsMeasuredOnTheBatchNormFoldedCopyWithTheSameResult() throws Exception {
    TrainingPlan plan = small().epochs(2).learningRate(0.1).build();
    TrainResult r = train(plan, 300, 200);
    ComputationGraph trained = r.graph();

    ComputationGraph copy = Trainer.forEvaluation(trained);
    assertTrue(copy != trained, "conv-bn folds, so the test set runs on a copy");
    assertNull(copy.getVertex("bn"));
    DataSetIterator test = Tiny.data(plan, 300, 200).test();
    Task task = Task.classification();
    Trainer.Evaluation folded = Trainer.evaluate(copy, test, task);
    Trainer.Evaluation plain = Trainer.evaluate(trained, test, task);
    assertEquals(plain.accuracy(), folded.accuracy(), 1e-9);
    assertEquals(plain.loss(), folded.loss(), 1e-4 * plain.loss());
    assertEquals(r.testAccuracy(), folded.accuracy(), 1e-9, "what the run reported");
  }

  @Test
  void lossFallsOnEmbeddedImages() throws Exception {
    TrainResult r = train(small().epochs(3).learningRate(0.1).build(), 600, 200);

    List<EpochMetrics> h = r.history();
    assertEquals(3, h.size());
    assertTrue(h.get(2).trainLoss() < h.get(0).trainLoss() * 0.8, () -> "loss " + h);
    assertTrue(h.get(0).trainLoss() < Math.log(10) + 0.5, () -> "first epoch " + h.get(0));
    assertTrue(r.testAccuracy() > 0.6, () -> "test accuracy " + r.testAccuracy());
    assertEquals(200, r.testImages());
    assertEquals(3, r.graph().getEpochCount());
    assertEquals(36, r.graph().getIterationCount()); // 600 / 50 * 3
  }

  @Test
  void trainsAGeneratedNetworkWithThePlansOptimiser() throws Exception {
    TrainingPlan plan = small().epochs(1).trainLimit(100).testLimit(50).build();

    TrainResult r = new Trainer(plan, out).train(Tiny.model(), Tiny.embedded());

    assertEquals(1, r.epochs());
    assertEquals(50, r.testImages());
    var conv =
        (org.deeplearning4j.nn.conf.layers.BaseLayer) r.graph().getLayer("conv").conf().getLayer();
    var updater = (org.nd4j.linalg.learning.config.Nesterovs) conv.getIUpdater();
    assertEquals(0.9, updater.getMomentum(), 0);
    assertEquals(plan.schedule(2), updater.getLearningRateSchedule());
    assertTrue(
        printed()
            .startsWith(
                "training tiny on fashion-mnist (embedded subset): 100 images (2 batches of 50) per epoch,"
                    + " 50 test images"),
        printed());
  }

  @Test
  void networkThatDoesNotFitTheDataIsRefusedBeforeTraining() throws Exception {
    SkipwireModel cifarShaped =
        new ForwardingModel(Tiny.model()) {
          @Override
          public List<Integer> inputShape() {
            return List.of(3, 32, 32);
          }
        };

    DataException e =
        assertThrows(
            DataException.class,
            () -> new Trainer(small().build(), out).train(cifarShaped, Tiny.embedded()));

    assertEquals(
        "fashion-mnist (embedded subset): images are [1, 28, 28] (or 784 flat, or [28, 28] as a"
            + " sequence of 28 rows) but the network expects input [3, 32, 32]; choose a network"
            + " declared for [1, 28, 28]",
        e.getMessage());
  }

  @Test
  void sequenceNetworkTrainsOnImagesReadAsRows() throws Exception {
    // A 1x28x28 image as 28 time steps of 28 features: causal conv over rows, average over time.
    SkipwireModel rows =
        new ForwardingModel(Tiny.model()) {
          @Override
          public List<Integer> inputShape() {
            return List.of(28, 28);
          }

          @Override
          public org.deeplearning4j.nn.conf.ComputationGraphConfiguration configuration(
              org.skipwire.runtime.Training training) {
            return training
                .builder()
                .graphBuilder()
                .addInputs("in")
                .setInputTypes(org.deeplearning4j.nn.conf.inputs.InputType.recurrent(28, 28))
                .addLayer(
                    "conv",
                    new org.deeplearning4j.nn.conf.layers.Convolution1DLayer.Builder()
                        .kernelSize(3)
                        .convolutionMode(org.deeplearning4j.nn.conf.ConvolutionMode.Causal)
                        .nOut(16)
                        .activation(org.nd4j.linalg.activations.Activation.RELU)
                        .build(),
                    "in")
                .addLayer(
                    "pool",
                    new org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer.Builder(
                            org.deeplearning4j.nn.conf.layers.PoolingType.AVG)
                        .build(),
                    "conv")
                .addLayer(
                    "out",
                    new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder(
                            org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction.MCXENT)
                        .nOut(10)
                        .activation(org.nd4j.linalg.activations.Activation.SOFTMAX)
                        .build(),
                    "pool")
                .setOutputs("out")
                .build();
          }
        };
    TrainingPlan plan = small().epochs(2).trainLimit(500).testLimit(200).build();

    TrainResult r = new Trainer(plan, out).train(rows, Tiny.embedded());

    assertTrue(r.testAccuracy() > 0.4, () -> "test accuracy " + r.testAccuracy());
    assertTrue(Double.isNaN(r.testMse()));
    List<EpochMetrics> h = r.history();
    assertTrue(h.get(1).trainLoss() < h.get(0).trainLoss(), h::toString);
    List<String> lines = printed().lines().toList();
    assertTrue(lines.get(lines.size() - 1).startsWith("test accuracy "), printed());
  }

  /** Delegates every method, so a test can override one. */
  private static class ForwardingModel implements SkipwireModel {
    private final SkipwireModel m;

    ForwardingModel(SkipwireModel m) {
      this.m = m;
    }

    @Override
    public String name() {
      return m.name();
    }

    @Override
    public String declaration() {
      return m.declaration();
    }

    @Override
    public List<Integer> inputShape() {
      return m.inputShape();
    }

    @Override
    public List<Integer> outputShape() {
      return m.outputShape();
    }

    @Override
    public long trainableParams() {
      return m.trainableParams();
    }

    @Override
    public long totalParams() {
      return m.totalParams();
    }

    @Override
    public InputKind inputKind() {
      return m.inputKind();
    }

    @Override
    public org.skipwire.Loss loss() {
      return m.loss();
    }

    @Override
    public Task task() {
      return m.task();
    }

    @Override
    public List<org.skipwire.runtime.VertexInfo> vertices() {
      return m.vertices();
    }

    @Override
    public org.deeplearning4j.nn.conf.ComputationGraphConfiguration configuration(
        org.skipwire.runtime.Training training) {
      return m.configuration(training);
    }
  }

  @Test
  void quietOutputIsOneLinePerEpochThenTestAccuracy() throws Exception {
    train(small().build(), 100, 50);

    List<String> lines = printed().lines().toList();
    assertEquals(3, lines.size(), printed());
    assertTrue(lines.get(0).startsWith("epoch   1  loss "), lines.get(0));
    assertTrue(lines.get(1).startsWith("epoch   2  loss "), lines.get(1));
    assertTrue(lines.get(1).contains("test acc") && lines.get(1).contains("img/s"), lines.get(1));
    assertTrue(
        lines.get(2).matches("test accuracy \\d+\\.\\d\\d% on 50 images after 2 epochs \\(tiny\\)"),
        lines.get(2));
  }

  @Test
  void progressBarShowsLossAccuracySpeedAndEta() throws Exception {
    List<String> frames = new ArrayList<>();
    ProgressBarConsumer consumer =
        new ProgressBarConsumer() {
          @Override
          public void accept(String frame) {
            frames.add(frame);
          }

          @Override
          public int getMaxRenderedLength() {
            return 150;
          }

          @Override
          public void close() {}
        };
    TrainingPlan plan = small().epochs(1).progress(Progress.BAR).build();
    DataSplit data = Tiny.data(plan, 100, 50);

    new Trainer(plan, out)
        .barConsumer(consumer)
        .train("tiny", () -> Tiny.graph(plan, 2), data.train(), data.test());

    String last = frames.get(frames.size() - 1);
    assertTrue(last.contains("epoch 1/1 100% [") && last.contains("100/100"), last);
    assertTrue(
        last.contains(" img/s  ETA ") && last.contains("loss ") && last.contains("acc "), last);
  }

  @Test
  void writesCheckpointSidecarAndPlotsAfterEachEpoch() throws Exception {
    TrainResult r = train(small().checkpointDir(dir).build(), 100, 50);

    assertEquals(dir.resolve("checkpoint.zip"), r.checkpoint());
    CheckpointInfo info = CheckpointInfo.fromJson(Files.readString(dir.resolve("checkpoint.json")));
    assertEquals("tiny", info.model());
    assertEquals(2, info.epoch());
    assertEquals(4, info.iteration());
    assertEquals(42, info.plan().seed());
    assertEquals(r.history(), info.history());
    for (String png : List.of("loss.png", "accuracy.png", "gradient-flow.png")) {
      byte[] bytes = Files.readAllBytes(dir.resolve(png));
      assertArrayEquals(
          new byte[] {(byte) 0x89, 'P', 'N', 'G'}, java.util.Arrays.copyOf(bytes, 4), png);
    }
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(
          List.of(), files.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList());
    }
  }

  @Test
  void gradientFlowCoversEveryTrainableLayerInOrder() throws Exception {
    TrainResult r = train(small().epochs(1).build(), 100, 50);

    var norms = r.history().get(0).gradientNorms();
    assertEquals(List.of("conv", "bn", "fc", "out"), List.copyOf(norms.keySet()));
    norms.values().forEach(v -> assertTrue(v > 0 && Double.isFinite(v), norms::toString));
  }

  @Test
  void checkpointRoundTripKeepsParametersUpdaterStateAndCounters() throws Exception {
    TrainResult r = train(small().epochs(1).checkpointDir(dir).build(), 100, 50);

    Checkpoint ck = Checkpoints.load(dir);

    ComputationGraph g = ck.graph();
    assertArrayEquals(r.graph().params().toFloatVector(), g.params().toFloatVector());
    assertArrayEquals(
        r.graph().getUpdater().getStateViewArray().toFloatVector(),
        g.getUpdater().getStateViewArray().toFloatVector());
    assertEquals(1, g.getEpochCount());
    assertEquals(2, g.getIterationCount());
    assertEquals(1, ck.info().epoch());
  }

  /** Throws at the first update of the given epoch (from 0), as a crash would. */
  private static final class CrashAt extends BaseTrainingListener {
    private final int epoch;

    CrashAt(int epoch) {
      this.epoch = epoch;
    }

    @Override
    public void iterationDone(Model model, int iteration, int e) {
      if (e == epoch) {
        throw new IllegalStateException("simulated crash");
      }
    }
  }

  @Test
  void interruptedRunResumesToTheSameParametersAsAnUninterruptedOne() throws Exception {
    TrainingPlan plan = small().epochs(3).build();
    TrainResult straight = train(plan.toBuilder().checkpointDir(dir.resolve("a")).build(), 150, 50);

    TrainingPlan b = plan.toBuilder().checkpointDir(dir.resolve("b")).build();
    DataSplit data = Tiny.data(b, 150, 50);
    Trainer crashing = new Trainer(b, out).addListener(new CrashAt(2));
    assertThrows(
        IllegalStateException.class,
        () -> crashing.train("tiny", () -> Tiny.graph(b, 3), data.train(), data.test()));
    assertEquals(2, Checkpoints.load(dir.resolve("b")).info().epoch());

    TrainingPlan resume = b.toBuilder().resume(true).build();
    DataSplit again = Tiny.data(resume, 150, 50);
    TrainResult resumed =
        new Trainer(resume, out)
            .train(
                "tiny",
                () -> {
                  throw new AssertionError("must resume");
                },
                again.train(),
                again.test());

    assertEquals(2, resumed.resumedFrom());
    assertEquals(3, resumed.history().size());
    assertEquals(straight.graph().getIterationCount(), resumed.graph().getIterationCount());
    assertEquals(3, resumed.graph().getEpochCount());
    assertArrayEquals(
        straight.graph().params().toFloatVector(), resumed.graph().params().toFloatVector(), 1e-6f);
    assertArrayEquals(
        straight.graph().getUpdater().getStateViewArray().toFloatVector(),
        resumed.graph().getUpdater().getStateViewArray().toFloatVector(),
        1e-6f);
    assertEquals(straight.testAccuracy(), resumed.testAccuracy(), 1e-9);
    assertTrue(
        printed()
            .contains(
                "resuming tiny from " + dir.resolve("b/checkpoint.zip") + " after epoch 2 of 3"));
  }

  @Test
  void resumeWithMoreEpochsStretchesTheSchedule() throws Exception {
    train(small().epochs(1).checkpointDir(dir).build(), 100, 50);

    TrainResult r = train(small().epochs(2).checkpointDir(dir).resume(true).build(), 100, 50);

    assertEquals(2, r.history().size());
    assertTrue(printed().contains("now spans 2 epochs instead of 1"), printed());
  }

  @Test
  void resumeWithOtherSettingsIsRefused() throws Exception {
    train(small().epochs(1).checkpointDir(dir).build(), 100, 50);

    CheckpointException e =
        assertThrows(
            CheckpointException.class,
            () ->
                train(small().batch(25).seed(7).checkpointDir(dir).resume(true).build(), 100, 50));

    assertEquals(
        dir.resolve("checkpoint.zip")
            + ": was trained with batch 50, seed 42 but this run has batch 25,"
            + " seed 7; resume with the same settings (only the number of epochs may change)",
        e.getMessage());
  }

  @Test
  void resumeOfAnotherModelIsRefused() throws Exception {
    TrainingPlan plan = small().epochs(1).checkpointDir(dir).build();
    train(plan, 100, 50);
    TrainingPlan resume = plan.toBuilder().epochs(2).resume(true).build();
    DataSplit data = Tiny.data(resume, 100, 50);

    CheckpointException e =
        assertThrows(
            CheckpointException.class,
            () ->
                new Trainer(resume, out)
                    .train("other", () -> Tiny.graph(resume, 2), data.train(), data.test()));

    assertTrue(
        e.getMessage().startsWith(dir.resolve("checkpoint.zip") + ": holds model tiny, not other"));
  }

  @Test
  void resumeWithoutCheckpointIsRefusedBeforeTraining() throws Exception {
    CheckpointException e =
        assertThrows(
            CheckpointException.class,
            () -> train(small().epochs(1).checkpointDir(dir).resume(true).build(), 100, 50));

    assertEquals(
        dir
            + ": no checkpoint to resume (checkpoint.zip is missing); drop --resume to start a new"
            + " run",
        e.getMessage());
    assertFalse(printed().contains("epoch 1"), printed());
  }

  @Test
  void nanLossStopsTrainingAndKeepsTheLastCheckpointByteForByte() throws Exception {
    TrainingPlan plan = small().epochs(3).checkpointDir(dir).build();
    DataSplit data = Tiny.data(plan, 100, 50);
    byte[][] before = new byte[2][];
    data.train()
        .setPreProcessor(
            ds -> {
              if (data.train().epoch() == 1) {
                try {
                  if (before[0] == null) {
                    before[0] = Files.readAllBytes(dir.resolve("checkpoint.zip"));
                    before[1] = Files.readAllBytes(dir.resolve("checkpoint.json"));
                  }
                } catch (java.io.IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
                ds.getFeatures().putScalar(new long[] {0, 0, 10, 10}, Float.NaN);
              }
            });

    TrainingDivergedException e =
        assertThrows(
            TrainingDivergedException.class,
            () ->
                new Trainer(plan, out)
                    .train("tiny", () -> Tiny.graph(plan, 2), data.train(), data.test()));

    assertNotNull(before[0]);
    assertArrayEquals(before[0], Files.readAllBytes(dir.resolve("checkpoint.zip")));
    assertArrayEquals(before[1], Files.readAllBytes(dir.resolve("checkpoint.json")));
    assertEquals(2, e.epoch());
    assertEquals(1, e.history().size());
    assertFalse(e.getMessage().contains("\n"));
    assertTrue(
        e.getMessage().startsWith("tiny: loss became NaN in epoch 2, batch 1 (iteration 3, lr "),
        e.getMessage());
    assertTrue(
        e.getMessage()
            .contains(
                "the last good checkpoint "
                    + dir.resolve("checkpoint.zip")
                    + " (epoch 1) is unchanged"),
        e.getMessage());
    assertEquals(1, Checkpoints.load(dir).info().epoch());
  }

  @Test
  void hugeLearningRateDivergesBeforeAnyCheckpoint() throws Exception {
    TrainingPlan plan =
        small().epochs(1).learningRate(1e12).schedule(Schedule.CONSTANT).checkpointDir(dir).build();

    TrainingDivergedException e =
        assertThrows(TrainingDivergedException.class, () -> train(plan, 200, 50));

    assertTrue(e.getMessage().contains("no checkpoint was written"), e.getMessage());
    assertFalse(Files.exists(dir.resolve("checkpoint.zip")));
  }
}
