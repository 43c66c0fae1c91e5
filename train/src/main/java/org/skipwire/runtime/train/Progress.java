package org.skipwire.runtime.train;

/** How the trainer shows progress within an epoch. */
public enum Progress {
  /** A progress bar when a terminal is attached ({@code System.console() != null}), else quiet. */
  AUTO,
  /** Always a progress bar (on standard error), whatever the output is. */
  BAR,
  /** No bar: one summary line per epoch. */
  QUIET;

  /** Whether this setting draws a bar here and now. */
  boolean showsBar() {
    return this == BAR || (this == AUTO && System.console() != null);
  }
}
