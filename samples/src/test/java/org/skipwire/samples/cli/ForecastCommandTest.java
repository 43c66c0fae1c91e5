package org.skipwire.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.skipwire.runtime.data.Datasets;
import org.skipwire.runtime.predict.Predictor;

/**
 * {@code predict} with a forecaster's checkpoint: the next value of each CSV series, as text and as
 * JSON, equal to {@link Predictor#forecast}; and its bad inputs, one line each.
 */
class ForecastCommandTest {
  @TempDir static Path shared;
  private static Path run;
  private static Path csv;
  private static double[] values;

  private record Run(int status, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(status, out.toString(), err.toString());
  }

  private static void assertOneLineError(Run r, String words) {
    assertEquals(2, r.status(), r.out() + r.err());
    List<String> lines = r.err().lines().toList();
    assertEquals(1, lines.size(), r.err());
    assertTrue(lines.get(0).startsWith("skipwire: "), lines.get(0));
    assertTrue(lines.get(0).contains(words), lines.get(0));
  }

  @BeforeAll
  static void trainAForecaster() throws Exception {
    run = shared.resolve("tcn");
    Run trained =
        run(
            "train",
            "--model",
            "tcn-forecaster",
            "--optimizer",
            "adam",
            "--epochs",
            "1",
            "--limit",
            "256",
            "--quiet",
            "--checkpoint-dir",
            run.toString());
    assertEquals(0, trained.status(), trained.err());
    values = Datasets.sunspots().values();
    StringBuilder text = new StringBuilder("month,sunspots\n");
    for (int i = 0; i < values.length; i++) {
      text.append(i).append(',').append(values[i]).append('\n');
    }
    csv = shared.resolve("sunspots.csv");
    Files.writeString(csv, text);
  }

  @Test
  void predictPrintsTheNextValueOfEachSeries() throws Exception {
    Predictor p = Predictor.load(run);
    double expected = p.forecast(values)[0];

    Run r = run("predict", "--checkpoint", run.toString(), csv.toString());

    assertEquals(0, r.status(), r.err());
    assertEquals(
        List.of(
            String.format(
                Locale.ROOT,
                "%s: next sunspots %.6g (from its last %d of %,d values)",
                csv,
                expected,
                p.window(),
                values.length)),
        r.out().lines().toList());
  }

  @Test
  void predictJsonGivesTheForecastAsANumber() throws Exception {
    double expected = Predictor.load(run).forecast(values)[0];

    Run r =
        run("predict", "--checkpoint", run.toString(), "--json", csv.toString(), csv.toString());

    assertEquals(0, r.status(), r.err());
    List<String> lines = r.out().lines().toList();
    assertEquals(2, lines.size(), r.out());
    JsonNode o = new ObjectMapper().readTree(lines.get(0));
    assertEquals(csv.toString(), o.get("file").asText());
    assertEquals("sunspots", o.get("column").asText());
    assertEquals(values.length, o.get("values").asInt());
    assertEquals(expected, o.get("forecast").asDouble(), 1e-9 * Math.abs(expected));
  }

  @Test
  void badForecastInputsAreOneLine() throws Exception {
    Path tiny = shared.resolve("tiny.csv");
    Files.writeString(tiny, "level\n1\n2\n3\n");
    int window = Predictor.load(run).window();

    assertOneLineError(
        run("predict", "--checkpoint", run.toString(), tiny.toString()),
        tiny + ": 3 values; tcn-forecaster forecasts from the last " + window);
    assertOneLineError(
        run("predict", "--checkpoint", run.toString(), "--top", "2", csv.toString()),
        "--top ranks classes; tcn-forecaster is a forecaster");
    assertOneLineError(
        run("predict", "--checkpoint", run.toString(), "--column", "nope", csv.toString()), "nope");
    assertOneLineError(
        run("predict", "--checkpoint", run.toString(), shared.resolve("missing.csv").toString()),
        "missing.csv");
  }
}
