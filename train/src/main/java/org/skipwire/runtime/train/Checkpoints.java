package org.skipwire.runtime.train;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Enumeration;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.skipwire.runtime.FastPaths;

/**
 * Writes and reads the checkpoint of a run: {@code checkpoint.zip} (DL4J's {@link ModelSerializer}
 * format with the updater state, plus an entry {@code skipwire/checkpoint.json}) and a copy of that
 * JSON as {@code checkpoint.json} beside it.
 *
 * <p>The record travels inside the zip so that network and record change in one atomic rename: two
 * files renamed one after the other could be caught half-way. The outside copy is for people and
 * tools, and is never trusted on resume.
 */
public final class Checkpoints {
  /** The network, its updater state and the record. */
  public static final String MODEL_FILE = "checkpoint.zip";

  /** A readable copy of the record. */
  public static final String SIDECAR_FILE = "checkpoint.json";

  /** The record's entry inside the zip. */
  static final String INFO_ENTRY = "skipwire/checkpoint.json";

  /** How the temporary files of a write start; {@link RunDirectory} removes strays. */
  static final String TEMP_PREFIX = ".checkpoint-";

  /** Opens a file for writing; tests put a full or read-only disk behind it. */
  @FunctionalInterface
  interface Opener {
    OutputStream open(Path file) throws IOException;
  }

  private Checkpoints() {}

  /** The checkpoint zip in {@code dir}. */
  public static Path modelFile(Path dir) {
    return dir.resolve(MODEL_FILE);
  }

  /** Whether {@code dir} has a checkpoint zip (which may still be unreadable). */
  public static boolean exists(Path dir) {
    return Files.isRegularFile(modelFile(dir));
  }

  /**
   * Writes the network (with updater state) and its record to {@code dir}, atomically replacing any
   * previous checkpoint: everything goes to temporary files in the same directory, which are
   * flushed to disk and then renamed over the old ones.
   *
   * @return the checkpoint zip
   */
  public static Path write(Path dir, ComputationGraph graph, CheckpointInfo info)
      throws CheckpointException {
    return write(dir, graph, info, Files::newOutputStream);
  }

  /**
   * {@link #write(Path, ComputationGraph, CheckpointInfo)} through {@code opener}. A failure (disk
   * full, read-only file system) leaves the previous checkpoint as it was and no temporary file
   * behind.
   */
  static Path write(Path dir, ComputationGraph graph, CheckpointInfo info, Opener opener)
      throws CheckpointException {
    Path target = modelFile(dir);
    Path serialized = null;
    Path combined = null;
    Path sidecar = null;
    try {
      Files.createDirectories(dir);
      serialized = AtomicFiles.createTemp(dir, TEMP_PREFIX, ".dl4j.tmp");
      try (OutputStream out = opener.open(serialized)) {
        ModelSerializer.writeModel(graph, out, true);
      }
      combined = AtomicFiles.createTemp(dir, TEMP_PREFIX, ".zip.tmp");
      byte[] json = info.toJson().getBytes(StandardCharsets.UTF_8);
      try (ZipFile in = new ZipFile(serialized.toFile());
          ZipOutputStream out = new ZipOutputStream(opener.open(combined))) {
        for (Enumeration<? extends ZipEntry> e = in.entries(); e.hasMoreElements(); ) {
          ZipEntry entry = e.nextElement();
          out.putNextEntry(new ZipEntry(entry.getName()));
          try (InputStream is = in.getInputStream(entry)) {
            is.transferTo(out);
          }
          out.closeEntry();
        }
        out.putNextEntry(new ZipEntry(INFO_ENTRY));
        out.write(json);
        out.closeEntry();
      }
      force(combined);
      sidecar = AtomicFiles.createTemp(dir, TEMP_PREFIX, ".json.tmp");
      try (OutputStream out = opener.open(sidecar)) {
        out.write(json);
      }
      force(sidecar);
      Files.move(combined, target, StandardCopyOption.ATOMIC_MOVE);
      Files.move(sidecar, dir.resolve(SIDECAR_FILE), StandardCopyOption.ATOMIC_MOVE);
      forceDirectory(dir);
      return target;
    } catch (IOException | RuntimeException e) {
      String kept =
          exists(dir) ? "the previous checkpoint is unchanged" : "no checkpoint was written";
      throw new CheckpointException(
          target.toString(), "cannot write (" + describe(e) + "); " + kept, e);
    } finally {
      deleteQuietly(serialized);
      deleteQuietly(combined);
      deleteQuietly(sidecar);
    }
  }

  /** The checkpoint in {@code dir}, or empty if there is none. */
  public static Optional<Checkpoint> loadIfPresent(Path dir) throws CheckpointException {
    return exists(dir) ? Optional.of(load(dir)) : Optional.empty();
  }

  /**
   * Loads the checkpoint in {@code dir} with its updater state. Every entry is read and its CRC
   * checked first, so a truncated or damaged file is reported, never half-loaded.
   */
  public static Checkpoint load(Path dir) throws CheckpointException {
    return loadFile(modelFile(dir));
  }

  /** {@link #load(Path)} for a checkpoint zip wherever it is and whatever its name. */
  public static Checkpoint loadFile(Path file) throws CheckpointException {
    CheckpointInfo info = readInfo(file);
    ComputationGraph graph;
    try {
      graph = ModelSerializer.restoreComputationGraph(file.toFile(), true);
      FastPaths.install(graph);
    } catch (IOException | RuntimeException e) {
      throw new CheckpointException(file.toString(), "cannot be loaded (" + describe(e) + ")", e);
    }
    if (graph.getEpochCount() != info.epoch() || graph.getIterationCount() != info.iteration()) {
      throw new CheckpointException(
          file.toString(),
          "inconsistent: the network is at epoch "
              + graph.getEpochCount()
              + ", iteration "
              + graph.getIterationCount()
              + " but its record says epoch "
              + info.epoch()
              + ", iteration "
              + info.iteration()
              + "; not loaded");
    }
    return new Checkpoint(file, graph, info);
  }

  /** Reads only the record of a checkpoint zip, after checking the whole zip is intact. */
  public static CheckpointInfo readInfo(Path file) throws CheckpointException {
    if (!Files.isRegularFile(file)) {
      throw new CheckpointException(file.toString(), "no checkpoint");
    }
    String json = null;
    boolean hasUpdater = false;
    boolean hasParams = false;
    try (ZipFile zip = new ZipFile(file.toFile())) {
      for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
        ZipEntry entry = e.nextElement();
        try (InputStream in = zip.getInputStream(entry)) {
          byte[] content = in.readAllBytes(); // verifies the CRC
          switch (entry.getName()) {
            case INFO_ENTRY -> json = new String(content, StandardCharsets.UTF_8);
            case ModelSerializer.UPDATER_BIN -> hasUpdater = true;
            case ModelSerializer.COEFFICIENTS_BIN -> hasParams = true;
            default -> {}
          }
        }
      }
    } catch (ZipException e) {
      throw new CheckpointException(
          file.toString(), "corrupt or truncated (" + describe(e) + "); not loaded", e);
    } catch (IOException e) {
      throw new CheckpointException(
          file.toString(), "cannot read (" + describe(e) + "); not loaded", e);
    }
    if (json == null || !hasParams) {
      throw new CheckpointException(
          file.toString(),
          "not a skipwire checkpoint (no "
              + (json == null ? INFO_ENTRY : ModelSerializer.COEFFICIENTS_BIN)
              + " entry); not loaded");
    }
    if (!hasUpdater) {
      throw new CheckpointException(
          file.toString(), "holds no updater state, so training cannot resume from it; not loaded");
    }
    try {
      return CheckpointInfo.fromJson(json);
    } catch (IllegalArgumentException e) {
      throw new CheckpointException(
          file.toString(),
          "unreadable record " + INFO_ENTRY + " (" + e.getMessage() + "); not loaded",
          e);
    }
  }

  private static void force(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
  }

  /** Makes the renames durable; not every platform lets a directory be opened, so best effort. */
  private static void forceDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | RuntimeException e) {
      // The renames are atomic regardless; only durability across a power cut is at stake.
    }
  }

  private static void deleteQuietly(Path p) {
    if (p != null) {
      try {
        Files.deleteIfExists(p);
      } catch (IOException e) {
        // A stray temporary file is harmless; its name starts with a dot.
      }
    }
  }

  static String describe(Throwable e) {
    String m = e.getMessage();
    String text = m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    return text.replaceAll("\\s*\\R\\s*", " ").strip();
  }
}
