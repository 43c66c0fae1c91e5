package org.skipwire.runtime.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.skipwire.runtime.Training;

class CheckpointsTest {
  @TempDir Path dir;
  private ComputationGraph graph;
  private CheckpointInfo info;

  @BeforeEach
  void setUp() {
    graph = Tiny.graph(Training.defaults());
    info =
        new CheckpointInfo(
            "tiny",
            0,
            0,
            "test data",
            100,
            TrainingPlan.defaults(),
            List.of(
                new EpochMetrics(
                    1, 2.0, 0.3, Double.NaN, 0.25, 0.1, 1.5, 66.7, Map.of("conv", 0.5))));
  }

  private static void assertOneLine(CheckpointException e, Path file, String words) {
    String m = e.getMessage();
    assertFalse(m.contains("\n"), m);
    assertTrue(m.startsWith(file + ": "), m);
    assertTrue(m.contains(words), m);
  }

  @Test
  void recordRoundTripsThroughJsonWithNaNAsNull() throws Exception {
    Checkpoints.write(dir, graph, info);

    String json = Files.readString(dir.resolve("checkpoint.json"));
    assertTrue(json.contains("\"testLoss\" : null"), json);
    assertEquals(info, Checkpoints.readInfo(dir.resolve("checkpoint.zip")));
    assertEquals(info, CheckpointInfo.fromJson(json));
  }

  @Test
  void truncatedCheckpointIsReportedNotLoaded() throws Exception {
    Path zip = Checkpoints.write(dir, graph, info);
    byte[] bytes = Files.readAllBytes(zip);
    Files.write(zip, Arrays.copyOf(bytes, bytes.length / 2));

    CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoints.load(dir));

    assertOneLine(e, zip, "corrupt or truncated");
    assertTrue(e.getMessage().endsWith("; not loaded"), e.getMessage());
  }

  @Test
  void damagedEntryIsReportedNotLoaded() throws Exception {
    Path zip = Checkpoints.write(dir, graph, info);
    byte[] bytes = Files.readAllBytes(zip);
    for (int i = 200; i < 260; i++) {
      bytes[i] ^= 0x55; // inside the first entry's compressed data
    }
    Files.write(zip, bytes);

    CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoints.load(dir));

    assertOneLine(e, zip, "; not loaded");
  }

  @Test
  void plainDl4jModelIsNotACheckpoint() throws Exception {
    Path zip = dir.resolve("checkpoint.zip");
    ModelSerializer.writeModel(graph, zip.toFile(), true);

    CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoints.load(dir));

    assertOneLine(e, zip, "not a skipwire checkpoint");
  }

  @Test
  void missingCheckpoint() {
    CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoints.load(dir));

    assertEquals(dir.resolve("checkpoint.zip") + ": no checkpoint", e.getMessage());
    assertFalse(Checkpoints.exists(dir));
  }

  @Test
  void rewritingReplacesAtomicallyAndLeavesNoTemporaryFiles() throws Exception {
    Checkpoints.write(dir, graph, info);
    graph.params().addi(1);
    Checkpoints.write(dir, graph, info);

    try (var files = Files.list(dir)) {
      assertEquals(
          List.of("checkpoint.json", "checkpoint.zip"),
          files.map(p -> p.getFileName().toString()).sorted().toList());
    }
    assertEquals(graph.params(), Checkpoints.load(dir).graph().params());
  }
}
