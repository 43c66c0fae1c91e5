package org.skipwire.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.skipwire.runtime.train.RunDirectory;

/**
 * The runs and files rows of the README's table of bad inputs: each is one line on stderr, a
 * non-zero status, and no training (nothing lost).
 */
class BadRunsTest {
  @TempDir Path dir;

  private record Run(int status, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(status, out.toString(), err.toString());
  }

  private Run train(Path checkpoints, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "train",
                "--model",
                "highway-mlp",
                "--epochs",
                "1",
                "--limit",
                "128",
                "--quiet",
                "--checkpoint-dir",
                checkpoints.toString()));
    args.addAll(List.of(more));
    return run(args.toArray(String[]::new));
  }

  private static void refusedInOneLine(Run r, String line) {
    assertEquals(2, r.status(), r.out());
    assertEquals(List.of("skipwire: " + line), r.err().lines().toList());
    assertFalse(r.out().contains("epoch 1"), "nothing trained: " + r.out());
  }

  @Test
  void resumeWithoutACheckpointIsOneLine() {
    refusedInOneLine(
        train(dir, "--resume"),
        dir
            + ": no checkpoint to resume (checkpoint.zip is missing); drop --resume to start a new"
            + " run");
    Path typo = dir.resolve("runz");
    refusedInOneLine(
        train(typo, "--resume"),
        typo + ": no such directory, so no checkpoint to resume; drop --resume to start a new run");
  }

  @Test
  void aFileAsCheckpointDirectoryIsOneLineBeforeTraining() throws IOException {
    Path file = Files.writeString(dir.resolve("runs"), "");
    refusedInOneLine(train(file), file + ": not a directory; checkpoints need a directory");
  }

  @Test
  void anExistingRunIsNotOverwrittenWithoutTheFlag() throws IOException {
    assertEquals(0, train(dir).status());
    byte[] first = Files.readAllBytes(dir.resolve("checkpoint.zip"));
    refusedInOneLine(
        train(dir),
        dir
            + ": holds a run's checkpoint (checkpoint.zip); continue it with --resume, replace it"
            + " with --overwrite, or choose another directory");
    assertEquals(
        List.of(first.length), List.of(Files.readAllBytes(dir.resolve("checkpoint.zip")).length));
    Run again = train(dir, "--overwrite");
    assertEquals(0, again.status(), again.err());
  }

  @Test
  void aSecondTrainIntoALockedDirectoryIsOneLine() throws Exception {
    try (RunDirectory held = RunDirectory.open(dir, false, false)) {
      refusedInOneLine(
          train(dir),
          dir
              + ": in use by another training run (it holds .skipwire.lock); wait for it to end or"
              + " choose another checkpoint directory");
    }
  }

  /**
   * The lock across processes, as two {@code train} commands meet: a second JVM (from {@code
   * java.home}, this test's class path) holds the directory through {@link RunDirectory}; a train
   * into it from here is refused in one line. Bounded: the holder gives up after 120 s, and is
   * killed if it has not ended 30 s after its stdin closed.
   */
  @Test
  void aTrainIntoADirectoryAnotherProcessHoldsIsOneLine() throws Exception {
    Path launcher = Path.of(System.getProperty("java.home"), "bin", "java");
    Process holder =
        new ProcessBuilder(
                launcher.toString(),
                "-cp",
                System.getProperty("java.class.path"),
                LockHolder.class.getName(),
                dir.toString())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    try {
      CompletableFuture<String> first =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return new BufferedReader(
                          new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8))
                      .readLine();
                } catch (IOException e) {
                  return e.toString();
                }
              });
      assertEquals("held", first.get(120, TimeUnit.SECONDS));
      refusedInOneLine(
          train(dir),
          dir
              + ": in use by another training run (it holds .skipwire.lock); wait for it to end or"
              + " choose another checkpoint directory");
      assertFalse(Files.exists(dir.resolve("checkpoint.zip")));
      holder.getOutputStream().close();
      assertTrue(holder.waitFor(30, TimeUnit.SECONDS), "holder ended");
      assertEquals(0, holder.exitValue());
      RunDirectory.open(dir, false, false).close(); // free once the holder ended
    } finally {
      holder.destroyForcibly();
    }
  }

  @Test
  void aCheckpointDirectoryWhereNoFileCanBeCreatedIsOneLine() {
    Path proc = Path.of("/proc");
    Assumptions.assumeTrue(Files.isDirectory(proc.resolve("self")));
    Run r = train(proc);
    assertEquals(2, r.status(), r.out());
    List<String> lines = r.err().lines().toList();
    assertEquals(1, lines.size(), r.err());
    assertTrue(lines.get(0).startsWith("skipwire: /proc: not writable ("), lines.get(0));
    assertTrue(lines.get(0).endsWith("); checkpoints could not be saved"), lines.get(0));
    assertFalse(r.out().contains("epoch 1"), r.out());
  }

  @Test
  void strayTemporaryFilesAreRemovedOnTheNextStart() throws IOException {
    Files.writeString(dir.resolve(".checkpoint-1234.zip.tmp"), "half a checkpoint");
    Run r = train(dir);
    assertEquals(0, r.status(), r.err());
    assertTrue(
        r.out().contains("note: removed 1 temporary file(s) an interrupted run left in " + dir),
        r.out());
    assertFalse(Files.exists(dir.resolve(".checkpoint-1234.zip.tmp")));
  }

  /** An IDX file: magic, counts, then the bytes. */
  private static byte[] idx(int magic, int count, boolean images) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeInt(magic);
    out.writeInt(count);
    if (images) {
      out.writeInt(28);
      out.writeInt(28);
    }
    for (int i = 0; i < count * (images ? 784 : 1); i++) {
      out.writeByte(images ? (i * 31) % 256 : i % 10);
    }
    return bytes.toByteArray();
  }

  private Path idxDir(String suffix) throws IOException {
    Path data = Files.createDirectories(dir.resolve("data" + suffix));
    for (String set : List.of("train", "t10k")) {
      Files.write(data.resolve(set + "-images-idx3-ubyte" + suffix), idx(2051, 20, true));
      Files.write(data.resolve(set + "-labels-idx1-ubyte" + suffix), idx(2049, 20, false));
    }
    return data;
  }

  @Test
  void aGzNameOnPlainDataIsReadAsWhatItIs() throws IOException {
    Path data = idxDir(".gz"); // plain IDX bytes under .gz names: the content decides
    Run r =
        run(
            "train",
            "--model",
            "highway-mlp",
            "--epochs",
            "1",
            "--quiet",
            "--data",
            data.toString(),
            "--checkpoint-dir",
            dir.resolve("run").toString());
    assertEquals(0, r.status(), r.err());
    assertTrue(r.out().contains("20 test images"), r.out());
  }

  @Test
  void aGzNameOnNeitherGzipNorIdxIsOneLine() throws IOException {
    Path data = idxDir("");
    Path bad = data.resolve("train-images-idx3-ubyte");
    Files.delete(bad);
    Path gz = data.resolve("train-images-idx3-ubyte.gz");
    Files.writeString(gz, "<html>404 not found</html>");
    Run r = run("train", "--model", "highway-mlp", "--epochs", "1", "--data", data.toString());
    assertEquals(2, r.status(), r.out());
    assertEquals(1, r.err().lines().count(), r.err());
    assertTrue(r.err().startsWith("skipwire: " + gz + ": "), r.err());
  }

  @Test
  void anUnknownPresetIsOneLine() {
    Run r = run("compare", "--preset", "deep");
    assertEquals(2, r.status());
    assertEquals(
        List.of("skipwire: --preset: unknown preset 'deep'; expected one of degradation, mlp"),
        r.err().lines().toList());
  }

  @Test
  void theDefaultDirectoryMovesOnInsteadOfReplacingAnEarlierRun() throws IOException {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    java.io.PrintStream out = new java.io.PrintStream(bytes, true, "UTF-8");
    Path runs = dir.resolve("runs");
    assertEquals(runs.resolve("m"), TrainCommand.defaultCheckpointDir(runs, "m", false, out));
    Files.createDirectories(runs.resolve("m"));
    Files.writeString(runs.resolve("m").resolve("checkpoint.zip"), "earlier run");
    Files.createDirectories(runs.resolve("m-2")); // exists, even without a checkpoint: skipped
    assertEquals(runs.resolve("m-3"), TrainCommand.defaultCheckpointDir(runs, "m", false, out));
    assertEquals(
        "note: "
            + runs.resolve("m")
            + " holds an earlier run (continue it with --resume, replace"
            + " it with --overwrite); this run writes to "
            + runs.resolve("m-3"),
        bytes.toString("UTF-8").strip());
    // --resume and --overwrite mean the earlier run itself.
    assertEquals(runs.resolve("m"), TrainCommand.defaultCheckpointDir(runs, "m", true, out));
  }
}
