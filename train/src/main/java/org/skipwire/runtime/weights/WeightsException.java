package org.skipwire.runtime.weights;

import java.io.IOException;

/**
 * A weights file that cannot be loaded: unreadable, malformed, hostile, or not the network's. The
 * message is one line that names the file first, then the tensor where there is one, e.g. {@code
 * resnet50.pth: layer3.0.conv1.weight: file has [256, 512, 1, 1], resnet50 declares [256, 1024, 1,
 * 1]}, so a program can print it as it is and exit. Whenever this is thrown, nothing was loaded.
 */
public class WeightsException extends IOException {
  private static final long serialVersionUID = 1L;

  private final String source;

  /**
   * @param source the file, as the user would recognise it
   * @param problem what is wrong, lowercase, no final period
   */
  public WeightsException(String source, String problem) {
    super(oneLine(source + ": " + problem));
    this.source = source;
  }

  public WeightsException(String source, String problem, Throwable cause) {
    this(source, problem);
    initCause(cause);
  }

  /** The file the message names. */
  public String source() {
    return source;
  }

  static String oneLine(String text) {
    return text.replaceAll("\\s*\\R\\s*", " ").strip();
  }
}
