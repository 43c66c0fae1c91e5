package org.skipwire.runtime.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.skipwire.runtime.Training;
import org.skipwire.runtime.data.ChannelStats;
import org.skipwire.runtime.data.Dataset;
import org.skipwire.runtime.data.ImageData;
import org.skipwire.runtime.data.ImageFolders;
import org.skipwire.runtime.predict.ClassificationReport;
import org.skipwire.runtime.predict.Prediction;
import org.skipwire.runtime.predict.Predictor;

/**
 * Trains on PNG class folders written from the embedded Fashion-MNIST subset, then predicts from
 * the checkpoint alone, as a user's own project would.
 */
class ImageFolderTrainingTest {
  @TempDir Path dir;

  private final ByteArrayOutputStream printed = new ByteArrayOutputStream();

  @Test
  void trainOnPngFoldersThenPredictFromTheCheckpoint() throws Exception {
    Path images = dir.resolve("images");
    ImageFolders.write(Tiny.embedded(), images, "png", 400, 100);
    Dataset data = ImageFolders.open(images, List.of(1, 28, 28), 0.1, 42);
    Path run = dir.resolve("run");
    TrainingPlan plan =
        TrainingPlan.builder()
            .epochs(1)
            .batch(50)
            .learningRate(0.05)
            .schedule(Schedule.CONSTANT)
            .progress(Progress.QUIET)
            .checkpointDir(run)
            .build();

    TrainResult r =
        new Trainer(plan, new PrintStream(printed, true, StandardCharsets.UTF_8))
            .train(Tiny.model(), data);

    // The checkpoint records what inference needs.
    InferenceInfo info = Checkpoints.readInfo(Checkpoints.modelFile(run)).inference();
    assertEquals("tiny", info.model());
    assertEquals(InferenceInfo.Kind.CLASSIFICATION, info.task());
    assertEquals(List.of(1, 28, 28), info.inputShape());
    assertEquals(List.of(1, 28, 28), info.imageShape());
    assertEquals(data.classNames(), info.classNames());
    assertEquals(data.train().channelStats(), info.normalization());
    String sidecar = Files.readString(run.resolve(Checkpoints.SIDECAR_FILE));
    assertTrue(sidecar.contains("\"task\" : \"classification\""), sidecar);
    assertTrue(sidecar.contains("\"T-shirt-top\""), sidecar);

    Predictor p = Predictor.load(run);
    Path file = images.resolve("val").resolve("Bag").resolve("00000.png");
    List<Prediction> top = p.top(file, 3);
    assertEquals(3, top.size());
    assertTrue(top.get(0).probability() >= top.get(1).probability());
    assertEquals(data.classNames().get(top.get(0).index()), top.get(0).label());
    // A file, the same picture as a BufferedImage, and its pixels as floats agree.
    BufferedImage picture = ImageIO.read(file.toFile());
    assertEquals(top, p.top(picture, 3));
    float[] pixels = new float[28 * 28];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = picture.getRaster().getSample(i % 28, i / 28, 0) / 255f;
    }
    List<Prediction> fromFloats = p.top(pixels, 3);
    for (int k = 0; k < 3; k++) {
      assertEquals(top.get(k).index(), fromFloats.get(k).index());
      assertEquals(top.get(k).probability(), fromFloats.get(k).probability(), 1e-5);
    }

    // Evaluating the validation images reproduces the trainer's test accuracy.
    ImageData val = data.test();
    ClassificationReport report = ClassificationReport.of(p, val, 64);
    assertEquals(r.testAccuracy(), report.accuracy(), 1e-9);
    assertEquals(val.size(), report.total());
    Path png = run.resolve("confusion.png");
    report.writeConfusionPng(png, "tiny");
    assertTrue(ImageIO.read(png.toFile()).getHeight() >= 500);
    assertTrue(report.toText().contains("accuracy "), report.toText());
  }

  @Test
  void checkpointsAndPlotsGetTheUmasksPermissionsNotTempFiles0600() throws Exception {
    Files.createDirectories(dir);
    Path reference = Files.createFile(dir.resolve("reference"));
    Set<PosixFilePermission> expected = Files.getPosixFilePermissions(reference);

    Checkpoints.write(dir, Tiny.graph(Training.defaults()), record(null));
    Plots.writeAll(dir, "tiny", record(null).history());

    for (String f : List.of(Checkpoints.MODEL_FILE, Checkpoints.SIDECAR_FILE, Plots.LOSS_FILE)) {
      assertEquals(expected, Files.getPosixFilePermissions(dir.resolve(f)), f);
    }
  }

  private static CheckpointInfo record(InferenceInfo inference) {
    return new CheckpointInfo(
        "tiny",
        0,
        0,
        "test data",
        100,
        TrainingPlan.defaults(),
        List.of(new EpochMetrics(1, 2.0, 0.3, 1.0, 0.25, 0.1, 1.5, 66.7, Map.of("conv", 0.5))),
        inference);
  }

  @Test
  void inferenceRecordRoundTripsAndOlderRecordsStillRead() throws Exception {
    InferenceInfo info =
        new InferenceInfo(
            "tiny",
            InferenceInfo.Kind.CLASSIFICATION,
            List.of(784),
            List.of(1, 28, 28),
            "FLAT",
            List.of("a", "b"),
            new ChannelStats(List.of(0.5), List.of(0.25)));
    CheckpointInfo withInfo = record(info);
    assertEquals(withInfo, CheckpointInfo.fromJson(withInfo.toJson()));

    // A record as checkpoints had it before: no "inference" object.
    String old = record(null).toJson();
    assertFalse(old.contains("inference"));
    assertNull(CheckpointInfo.fromJson(old).inference());
  }

  @Test
  void predictingFromACheckpointWithoutTheRecordIsOneLine() throws Exception {
    Checkpoints.write(dir, Tiny.graph(Training.defaults()), record(null));
    CheckpointException e = assertThrows(CheckpointException.class, () -> Predictor.load(dir));
    assertTrue(e.getMessage().startsWith(Checkpoints.modelFile(dir) + ": "), e.getMessage());
    assertTrue(e.getMessage().contains("before checkpoints recorded class names"), e.getMessage());
    assertFalse(e.getMessage().contains("\n"));

    CheckpointException none =
        assertThrows(CheckpointException.class, () -> Predictor.load(dir.resolve("nothing")));
    assertTrue(none.getMessage().contains("no checkpoint"), none.getMessage());
  }

  @Test
  void confusionCountsAndPerClassFigures() {
    ClassificationReport r =
        ClassificationReport.of(
            List.of("a", "b", "c"), new int[] {0, 0, 0, 1, 1, 2}, new int[] {0, 0, 1, 1, 0, 1});
    assertEquals(3.0 / 6, r.accuracy(), 1e-12);
    assertEquals(2.0 / 3, r.precision(0), 1e-12);
    assertEquals(2.0 / 3, r.recall(0), 1e-12);
    assertEquals(1.0 / 3, r.precision(1), 1e-12);
    assertEquals(0.5, r.recall(1), 1e-12);
    assertEquals(2 * (1.0 / 3) * 0.5 / (1.0 / 3 + 0.5), r.f1(1), 1e-12);
    assertTrue(Double.isNaN(r.precision(2)));
    assertEquals(0.0, r.recall(2));
    assertArrayEquals(new long[] {1, 0}, new long[] {r.count(2, 1), r.count(2, 2)});
  }
}
