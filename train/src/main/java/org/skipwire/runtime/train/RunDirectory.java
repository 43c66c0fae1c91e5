package org.skipwire.runtime.train;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A run's checkpoint directory, opened before the first batch and held until the run ends, so that
 * every way the directory can fail a run fails it at the start, in one line:
 *
 * <ul>
 *   <li>a path that is a file, or a directory that cannot be created or written to (a probe file is
 *       created and deleted: permission bits say nothing to root or on a read-only mount);
 *   <li>another run writing to it: a lock ({@link FileChannel#tryLock()} on {@value #LOCK_FILE}) is
 *       held for the whole run, so a second {@code train} into the same directory, from this
 *       process or another, is refused;
 *   <li>{@code resume} with no checkpoint to resume from (a mistyped directory would otherwise
 *       train from scratch and lose the point of resuming);
 *   <li>an existing run's checkpoint without {@code resume} or {@code overwrite}: never replaced
 *       silently. With {@code overwrite} the old checkpoint and its record are deleted at once, so
 *       the directory never mixes two runs.
 * </ul>
 *
 * <p>Under the lock it deletes the temporary files ({@code .checkpoint-*.tmp}) that a run killed
 * while writing a checkpoint leaves behind: no live writer can own them then. They are never read
 * as checkpoints; only {@link Checkpoints#MODEL_FILE} is.
 */
public final class RunDirectory implements AutoCloseable {
  /** Held, with an OS file lock, while a run writes to the directory. */
  public static final String LOCK_FILE = ".skipwire.lock";

  private final Path dir;
  private final FileChannel channel;
  private final FileLock lock;
  private final List<Path> removed;

  private RunDirectory(Path dir, FileChannel channel, FileLock lock, List<Path> removed) {
    this.dir = dir;
    this.channel = channel;
    this.lock = lock;
    this.removed = List.copyOf(removed);
  }

  /**
   * Checks and locks {@code dir} for a run.
   *
   * @param resume the run continues from the checkpoint in {@code dir}, which must exist
   * @param overwrite the run may replace an existing checkpoint (deleted here)
   * @throws CheckpointException naming the directory and what to do, in one line
   */
  public static RunDirectory open(Path dir, boolean resume, boolean overwrite)
      throws CheckpointException {
    String where = dir.toString();
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new CheckpointException(where, "not a directory; checkpoints need a directory");
    }
    if (resume && !Files.isDirectory(dir)) {
      throw new CheckpointException(
          where, "no such directory, so no checkpoint to resume; drop --resume to start a new run");
    }
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new CheckpointException(
          where, "cannot create the directory (" + Checkpoints.describe(e) + ")", e);
    }
    try {
      Path probe = Files.createTempFile(dir, ".write-test-", ".tmp");
      Files.delete(probe);
    } catch (IOException | RuntimeException e) {
      throw new CheckpointException(
          where,
          "not writable (" + Checkpoints.describe(e) + "); checkpoints could not be saved",
          e);
    }
    FileChannel channel;
    try {
      channel =
          FileChannel.open(
              dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new CheckpointException(
          where,
          "cannot open the lock file " + LOCK_FILE + " (" + Checkpoints.describe(e) + ")",
          e);
    }
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null; // this process already holds it: another run in this JVM
    } catch (IOException e) {
      closeQuietly(channel);
      throw new CheckpointException(where, "cannot lock (" + Checkpoints.describe(e) + ")", e);
    }
    if (lock == null) {
      closeQuietly(channel);
      throw new CheckpointException(
          where,
          "in use by another training run (it holds "
              + LOCK_FILE
              + "); wait for it to end"
              + " or choose another checkpoint directory");
    }
    RunDirectory run = null;
    try {
      List<Path> removed = removeTemporaries(dir);
      run = new RunDirectory(dir, channel, lock, removed);
      if (resume && !Checkpoints.exists(dir)) {
        throw new CheckpointException(
            where,
            "no checkpoint to resume ("
                + Checkpoints.MODEL_FILE
                + " is missing); drop"
                + " --resume to start a new run");
      }
      if (!resume && Checkpoints.exists(dir)) {
        if (!overwrite) {
          throw new CheckpointException(
              where,
              "holds a run's checkpoint ("
                  + Checkpoints.MODEL_FILE
                  + "); continue it with"
                  + " --resume, replace it with --overwrite, or choose another directory");
        }
        Files.deleteIfExists(Checkpoints.modelFile(dir));
        Files.deleteIfExists(dir.resolve(Checkpoints.SIDECAR_FILE));
      }
      return run;
    } catch (IOException | RuntimeException e) {
      if (run != null) {
        run.close();
      } else {
        release(lock, channel);
      }
      if (e instanceof CheckpointException c) {
        throw c;
      }
      throw new CheckpointException(where, "cannot prepare (" + Checkpoints.describe(e) + ")", e);
    }
  }

  /** Whether {@code name} is one of the temporary files a checkpoint write makes. */
  static boolean isTemporary(String name) {
    return (name.startsWith(Checkpoints.TEMP_PREFIX) || name.startsWith(".write-test-"))
        && name.endsWith(".tmp");
  }

  private static List<Path> removeTemporaries(Path dir) throws IOException {
    List<Path> removed = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path p : files) {
        if (isTemporary(p.getFileName().toString()) && Files.isRegularFile(p)) {
          Files.deleteIfExists(p);
          removed.add(p);
        }
      }
    }
    return removed;
  }

  public Path dir() {
    return dir;
  }

  /** The temporary files an interrupted run had left, deleted when this directory was opened. */
  public List<Path> removedTemporaries() {
    return removed;
  }

  /** Releases the lock; the lock file stays (deleting it would race with a run taking it). */
  @Override
  public void close() {
    release(lock, channel);
  }

  private static void release(FileLock lock, FileChannel channel) {
    try {
      if (lock != null && lock.isValid()) {
        lock.release();
      }
    } catch (IOException e) {
      // Closing the channel below releases it too.
    }
    closeQuietly(channel);
  }

  private static void closeQuietly(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      // Nothing was written through it.
    }
  }
}
