package org.skipwire.samples.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.skipwire.runtime.train.RunDirectory;

/**
 * The other process of {@link BadRunsTest}'s cross-process lock test: opens a run directory as a
 * training run does (taking its OS lock), says {@code held} on stdout, and keeps it until its stdin
 * closes or 120 s pass, so it never outlives a failed test by much.
 */
public final class LockHolder {
  private LockHolder() {}

  public static void main(String[] args) throws Exception {
    CountDownLatch closed = new CountDownLatch(1);
    Thread reader =
        new Thread(
            () -> {
              try {
                while (System.in.read() >= 0) {
                  // until the parent closes our stdin
                }
              } catch (IOException e) {
                // closed as well
              }
              closed.countDown();
            });
    reader.setDaemon(true);
    try (RunDirectory run = RunDirectory.open(Path.of(args[0]), false, false)) {
      System.out.println("held");
      System.out.flush();
      reader.start();
      closed.await(120, TimeUnit.SECONDS);
    }
  }
}
