package org.skipwire.runtime.train;

import java.time.Duration;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBarRenderer;
import me.tongfei.progressbar.ProgressState;

/**
 * Lays out one epoch's progress bar so that what matters survives an 80-column terminal:
 *
 * <pre>
 * epoch 3/10  45% [=====>       ] 27,000/60,000  1,234 img/s  ETA 0:00:27  loss 0.4123  acc 85.21%
 * </pre>
 *
 * The library's default layout puts the extra message (loss, accuracy) last and cuts it off when
 * the line is too long; here the bar takes whatever width is left, then the counts go.
 */
final class EpochBarRenderer implements ProgressBarRenderer {

  @Override
  public String render(ProgressState state, int maxLength) {
    return line(
        state.getTaskName(),
        state.getCurrent() - state.getStart(),
        state.getMax() - state.getStart(),
        state.getElapsedAfterStart(),
        state.getExtraMessage(),
        maxLength);
  }

  /**
   * @param done images done in this epoch
   * @param total images in the epoch
   * @param elapsed time since the epoch started
   * @param extra the metrics, e.g. {@code loss 0.4123 acc 85.21%}
   * @param width the columns available; 0 or less for no limit
   */
  static String line(
      String task, long done, long total, Duration elapsed, String extra, int width) {
    double seconds = elapsed.toNanos() / 1e9;
    int pct = total <= 0 ? 0 : (int) Math.min(100, done * 100 / total);
    String speed =
        done > 0 && seconds > 0
            ? String.format(Locale.ROOT, "%,.0f img/s", done / seconds)
            : "? img/s";
    String eta = done > 0 && seconds > 0 ? clock((long) (seconds * (total - done) / done)) : "?";
    String counts = String.format(Locale.ROOT, "%,d/%,d", done, total);
    String head = task + String.format(Locale.ROOT, " %3d%% ", pct);
    String tail =
        "  " + speed + "  ETA " + eta + (extra == null || extra.isEmpty() ? "" : "  " + extra);
    int limit = width <= 0 ? 200 : width - 1; // one column spare: some terminals wrap at the last
    int barWidth = limit - head.length() - counts.length() - 3 - tail.length();
    if (barWidth < 10) {
      counts = ""; // the percentage says nearly as much
      barWidth = limit - head.length() - 2 - tail.length();
    }
    String line;
    if (barWidth >= 3) {
      line =
          head
              + bar(done, total, Math.min(barWidth, 40))
              + (counts.isEmpty() ? "" : " " + counts)
              + tail;
    } else {
      line = head.stripTrailing() + tail;
    }
    return line.length() > limit ? line.substring(0, limit) : line;
  }

  private static String bar(long done, long total, int width) {
    int inner = width;
    int filled = total <= 0 ? 0 : (int) Math.min(inner, done * inner / total);
    StringBuilder b = new StringBuilder(width + 2).append('[');
    for (int i = 0; i < inner; i++) {
      b.append(i < filled ? '=' : i == filled ? '>' : ' ');
    }
    return b.append(']').toString();
  }

  static String clock(long seconds) {
    return String.format(
        Locale.ROOT, "%d:%02d:%02d", seconds / 3600, (seconds / 60) % 60, seconds % 60);
  }
}
