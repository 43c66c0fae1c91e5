package org.skipwire.runtime.data;

import java.io.IOException;

/**
 * A data set that cannot be used: a missing, truncated or malformed file, or images that do not fit
 * the model. The message is one line that names the file (or directory) first, e.g. {@code
 * train-labels-idx1-ubyte.gz: expected magic 2049 (IDX labels), found 2051 (IDX images)}, so a
 * program can print it as it is and exit.
 */
public class DataException extends IOException {
  private static final long serialVersionUID = 1L;

  private final String source;

  /**
   * @param source the file, resource or directory at fault, as the user would recognise it
   * @param problem what is wrong with it, lowercase, no final period
   */
  public DataException(String source, String problem) {
    super(oneLine(source + ": " + problem));
    this.source = source;
  }

  public DataException(String source, String problem, Throwable cause) {
    this(source, problem);
    initCause(cause);
  }

  /** The file, resource or directory the message names. */
  public String source() {
    return source;
  }

  /** Folds any line breaks (from a cause's message, say) so the message stays one line. */
  static String oneLine(String text) {
    return text.replaceAll("\\s*\\R\\s*", " ").strip();
  }
}
