package org.skipwire.runtime.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.skipwire.runtime.data.DataSplit;

/** The checkpoint directory's checks, its lock, stray temporary files, and failing disks. */
class RunDirectoryTest {
  @TempDir Path dir;

  private final PrintStream out =
      new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

  private static TrainingPlan.Builder small() {
    return TrainingPlan.builder()
        .epochs(1)
        .batch(50)
        .learningRate(0.05)
        .schedule(Schedule.COSINE)
        .progress(Progress.QUIET);
  }

  private TrainResult train(TrainingPlan plan, Trainer trainer) throws Exception {
    DataSplit data = Tiny.data(plan, 100, 50);
    int perEpoch = data.train().batchesPerEpoch();
    return trainer.train("tiny", () -> Tiny.graph(plan, perEpoch), data.train(), data.test());
  }

  private static void oneLine(String message) {
    assertEquals(1, message.lines().count(), message);
  }

  @Test
  void aFileIsNotACheckpointDirectory() throws Exception {
    Path file = Files.writeString(dir.resolve("runs"), "x");
    CheckpointException e =
        assertThrows(CheckpointException.class, () -> RunDirectory.open(file, false, false));
    assertEquals(file + ": not a directory; checkpoints need a directory", e.getMessage());
  }

  /**
   * A directory in which creating a file fails also for root, who ignores permission bits: Linux's
   * {@code /proc} (a directory; a new file in it is {@code No such file or directory}). The probe
   * file is what finds it, before any training.
   */
  @Test
  void aDirectoryWhereNoFileCanBeCreatedIsRefusedAlsoForRoot() {
    Path proc = Path.of("/proc");
    Assumptions.assumeTrue(Files.isDirectory(proc.resolve("self")), "Linux /proc");
    CheckpointException e =
        assertThrows(CheckpointException.class, () -> RunDirectory.open(proc, false, false));
    oneLine(e.getMessage());
    assertTrue(e.getMessage().startsWith("/proc: not writable ("), e.getMessage());
    assertTrue(e.getMessage().endsWith("); checkpoints could not be saved"), e.getMessage());
  }

  /** The same through permission bits, where they count: not as root. */
  @Test
  void aDirectoryWithoutWritePermissionIsRefused() throws Exception {
    Path locked = Files.createDirectory(dir.resolve("locked"));
    Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("r-xr-xr-x"));
    try {
      boolean writable;
      try {
        Files.delete(Files.createFile(locked.resolve("root-ignores-bits")));
        writable = true;
      } catch (IOException expected) {
        writable = false;
      }
      Assumptions.assumeFalse(writable, "root ignores permission bits");
      CheckpointException e =
          assertThrows(CheckpointException.class, () -> RunDirectory.open(locked, false, false));
      oneLine(e.getMessage());
      assertTrue(
          e.getMessage().startsWith(locked + ": not writable (" + locked.resolve(".write-test-")),
          e.getMessage());
      assertTrue(e.getMessage().endsWith("); checkpoints could not be saved"), e.getMessage());
    } finally {
      Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
  }

  @Test
  void resumeWithoutACheckpointIsRefused() throws Exception {
    Path missing = dir.resolve("mistyped");
    CheckpointException e =
        assertThrows(CheckpointException.class, () -> RunDirectory.open(missing, true, false));
    assertEquals(
        missing
            + ": no such directory, so no checkpoint to resume; drop --resume to start a new run",
        e.getMessage());
    assertFalse(Files.exists(missing), "nothing created");
    e = assertThrows(CheckpointException.class, () -> RunDirectory.open(dir, true, false));
    assertEquals(
        dir
            + ": no checkpoint to resume (checkpoint.zip is missing); drop --resume to start a new run",
        e.getMessage());
    // and the directory is not left locked
    RunDirectory.open(dir, false, false).close();
  }

  @Test
  void anExistingRunIsReplacedOnlyWithOverwrite() throws Exception {
    Files.writeString(dir.resolve(Checkpoints.MODEL_FILE), "old run");
    Files.writeString(dir.resolve(Checkpoints.SIDECAR_FILE), "{}");
    CheckpointException e =
        assertThrows(CheckpointException.class, () -> RunDirectory.open(dir, false, false));
    assertEquals(
        dir
            + ": holds a run's checkpoint (checkpoint.zip); continue it with --resume, replace it"
            + " with --overwrite, or choose another directory",
        e.getMessage());
    assertEquals("old run", Files.readString(dir.resolve(Checkpoints.MODEL_FILE)));
    try (RunDirectory run = RunDirectory.open(dir, false, true)) {
      assertFalse(Files.exists(dir.resolve(Checkpoints.MODEL_FILE)), "old checkpoint gone");
      assertFalse(Files.exists(dir.resolve(Checkpoints.SIDECAR_FILE)), "old record gone");
    }
  }

  @Test
  void aSecondRunIntoTheSameDirectoryIsRefusedWhileTheFirstHoldsIt() throws Exception {
    try (RunDirectory first = RunDirectory.open(dir, false, false)) {
      CheckpointException e =
          assertThrows(CheckpointException.class, () -> RunDirectory.open(dir, false, false));
      assertEquals(
          dir
              + ": in use by another training run (it holds .skipwire.lock); wait for it to end or"
              + " choose another checkpoint directory",
          e.getMessage());
    }
    RunDirectory.open(dir, false, false).close(); // released
  }

  @Test
  void temporaryFilesOfAKilledWriteAreRemovedAndNeverLoaded() throws Exception {
    Path stray1 = Files.writeString(dir.resolve(".checkpoint-123.zip.tmp"), "half a zip");
    Path stray2 = Files.writeString(dir.resolve(".checkpoint-456.dl4j.tmp"), "half");
    Path mine = Files.writeString(dir.resolve("notes.tmp"), "not ours");
    CheckpointException e =
        assertThrows(CheckpointException.class, () -> RunDirectory.open(dir, true, false));
    assertTrue(e.getMessage().contains("no checkpoint to resume"), e.getMessage());
    assertFalse(Files.exists(stray1) || Files.exists(stray2), "strays removed");
    assertTrue(Files.exists(mine), "other files are left alone");

    Files.writeString(stray1, "again");
    try (RunDirectory run = RunDirectory.open(dir, false, false)) {
      assertEquals(List.of(stray1), run.removedTemporaries());
    }
  }

  /** A disk that fills up after {@code room} bytes of checkpoint data. */
  private static Checkpoints.Opener fullAfter(long room) {
    long[] written = {0};
    return file ->
        new FilterOutputStream(Files.newOutputStream(file)) {
          @Override
          public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
          }

          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            if (written[0] + len > room) {
              throw new IOException("No space left on device");
            }
            written[0] += len;
            out.write(b, off, len);
          }
        };
  }

  private static final Checkpoints.Opener READ_ONLY =
      file -> {
        throw new FileSystemException(file.toString(), null, "Read-only file system");
      };

  @Test
  void aFullOrReadOnlyDiskIsOneLineAndTheLastGoodCheckpointStays() throws Exception {
    train(small().checkpointDir(dir).build(), new Trainer(small().checkpointDir(dir).build(), out));
    Path zip = dir.resolve(Checkpoints.MODEL_FILE);
    byte[] good = Files.readAllBytes(zip);
    byte[] goodRecord = Files.readAllBytes(dir.resolve(Checkpoints.SIDECAR_FILE));

    for (Checkpoints.Opener failing : List.of(fullAfter(10_000), fullAfter(0), READ_ONLY)) {
      TrainingPlan more = small().epochs(2).checkpointDir(dir).resume(true).build();
      CheckpointException e =
          assertThrows(
              CheckpointException.class, () -> train(more, new Trainer(more, out).opener(failing)));
      oneLine(e.getMessage());
      assertTrue(e.getMessage().startsWith(zip + ": cannot write ("), e.getMessage());
      assertTrue(
          e.getMessage().contains("No space left on device")
              || e.getMessage().contains("Read-only file system"),
          e.getMessage());
      assertTrue(e.getMessage().endsWith("; the previous checkpoint is unchanged"), e.getMessage());
      assertArrayEquals(good, Files.readAllBytes(zip));
      assertArrayEquals(goodRecord, Files.readAllBytes(dir.resolve(Checkpoints.SIDECAR_FILE)));
      assertEquals(1, Checkpoints.load(dir).info().epoch());
      try (Stream<Path> files = Files.list(dir)) {
        assertEquals(
            List.of(), files.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList());
      }
    }
    // and the run can go on once the disk has room
    TrainingPlan more = small().epochs(2).checkpointDir(dir).resume(true).build();
    assertEquals(2, train(more, new Trainer(more, out)).graph().getEpochCount());
  }

  @Test
  void aFirstCheckpointThatCannotBeWrittenSaysNoneWasWritten() throws Exception {
    TrainingPlan plan = small().checkpointDir(dir).build();
    CheckpointException e =
        assertThrows(
            CheckpointException.class,
            () -> train(plan, new Trainer(plan, out).opener(fullAfter(100))));
    assertTrue(e.getMessage().endsWith("; no checkpoint was written"), e.getMessage());
    assertFalse(Checkpoints.exists(dir));
  }

  @Test
  void trainerRefusesAnExistingRunBeforeTraining() throws Exception {
    TrainingPlan plan = small().checkpointDir(dir).build();
    train(plan, new Trainer(plan, out));
    byte[] first = Files.readAllBytes(dir.resolve(Checkpoints.MODEL_FILE));
    CheckpointException e =
        assertThrows(CheckpointException.class, () -> train(plan, new Trainer(plan, out)));
    assertTrue(e.getMessage().contains("--overwrite"), e.getMessage());
    assertArrayEquals(first, Files.readAllBytes(dir.resolve(Checkpoints.MODEL_FILE)));
    train(plan, new Trainer(plan, out).overwrite(true));
    assertTrue(Checkpoints.exists(dir));
  }
}
