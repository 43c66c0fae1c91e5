package org.skipwire.runtime.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class EpochBarRendererTest {
  private static final String METRICS = "loss 0.4123  acc 85.21%";

  @Test
  void unlimitedWidthShowsEverythingWithAFortyColumnBar() {
    String line =
        EpochBarRenderer.line("epoch 3/10", 27_000, 60_000, Duration.ofSeconds(20), METRICS, 0);

    assertEquals(
        "epoch 3/10  45% ["
            + "=".repeat(18)
            + ">"
            + " ".repeat(21)
            + "] 27,000/60,000"
            + "  1,350 img/s  ETA 0:00:24  "
            + METRICS, // 45% of a 40-column bar
        line);
  }

  @Test
  void eightyColumnsKeepMetricsSpeedAndEta() {
    String line =
        EpochBarRenderer.line("epoch 10/10", 59_000, 60_000, Duration.ofSeconds(59), METRICS, 80);

    assertTrue(line.length() <= 79, line);
    assertTrue(line.endsWith("1,000 img/s  ETA 0:00:01  " + METRICS), line);
    assertTrue(line.startsWith("epoch 10/10  98% ["), line);
  }

  @Test
  void beforeTheFirstBatchSpeedAndEtaAreUnknown() {
    String line = EpochBarRenderer.line("epoch 1/1", 0, 100, Duration.ZERO, "", 80);

    assertTrue(line.endsWith("0/100  ? img/s  ETA ?"), line);
  }

  @Test
  void clock() {
    assertEquals("1:01:05", EpochBarRenderer.clock(3665));
  }
}
