package org.skipwire.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Mistakes on the skipwire-spark command line: one line, status 2, before Spark starts. */
class SparkMainTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return SparkMain.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
  }

  private void assertOneLine(String expected) {
    String text = err.toString();
    assertEquals(1, text.lines().count(), text);
    assertTrue(text.startsWith("skipwire-spark: "), text);
    assertTrue(text.contains(expected), text);
  }

  @Test
  void aBatchThatDoesNotSplitAmongTheWorkersIsOneLine() {
    assertEquals(2, run("train", "--model", "fashion-resnet", "--batch", "127", "--workers", "2"));
    assertOneLine("--batch 127 does not split among 2 workers; give a multiple of 2, or --workers");
  }

  @Test
  void anUnknownModelIsOneLine() {
    assertEquals(2, run("train", "--model", "no-such-net", "--master", "local[2]"));
    assertOneLine("unknown model 'no-such-net'");
  }

  @Test
  void badSparkOptionsAreOneLine() {
    assertEquals(2, run("train", "--model", "fashion-resnet", "--averaging-frequency", "0"));
    assertOneLine("--averaging-frequency must be at least 1, got 0");
    err.getBuffer().setLength(0);
    assertEquals(2, run("train", "--model", "fashion-resnet", "--workers", "x"));
    assertOneLine("'x' is not an int");
  }

  @Test
  void theHelpNamesTheMasterAndTheAveraging() {
    // picocli warns about a description it cannot format (a bare %) on System.err.
    PrintStream saved = System.err;
    ByteArrayOutputStream traced = new ByteArrayOutputStream();
    try {
      System.setErr(new PrintStream(traced, true, StandardCharsets.UTF_8));
      assertEquals(0, run("train", "--help"));
    } finally {
      System.setErr(saved);
    }
    assertFalse(
        traced.toString(StandardCharsets.UTF_8).contains("[picocli WARN]"), traced::toString);
    assertEquals("", err.toString());
    assertTrue(out.toString().contains("--master=URL"), out.toString());
    assertTrue(out.toString().contains("--averaging-frequency=N"), out.toString());
    assertTrue(out.toString().contains("--epochs=N"), "the train options: " + out);
  }
}
