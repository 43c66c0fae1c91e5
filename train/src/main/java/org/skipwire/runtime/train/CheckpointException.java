package org.skipwire.runtime.train;

import java.io.IOException;

/**
 * A checkpoint that cannot be written, read, or resumed from. The message is one line that starts
 * with the file, e.g. {@code runs/resnet20/checkpoint.zip: corrupt or truncated (zip END header not
 * found); not loaded}.
 */
public class CheckpointException extends IOException {
  private static final long serialVersionUID = 1L;

  public CheckpointException(String file, String problem) {
    super((file + ": " + problem).replaceAll("\\s*\\R\\s*", " ").strip());
  }

  public CheckpointException(String file, String problem, Throwable cause) {
    this(file, problem);
    initCause(cause);
  }
}
