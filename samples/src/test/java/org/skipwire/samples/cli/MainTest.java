package org.skipwire.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.skipwire.runtime.Models;
import org.skipwire.runtime.SkipwireModel;
import picocli.CommandLine;

class MainTest {

  private record Run(int status, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(status, out.toString(), err.toString());
  }

  @Test
  void modelsListsEveryRegisteredNetworkOnePerLine() {
    Run r = run("models");
    assertEquals(0, r.status(), r.err());
    List<String> lines = r.out().lines().toList();
    List<SkipwireModel> models = Models.all();
    assertEquals(models.size(), lines.size());
    for (int i = 0; i < models.size(); i++) {
      assertTrue(lines.get(i).startsWith(models.get(i).name() + " "), lines.get(i));
    }
    assertTrue(r.out().contains("resnet152") && r.out().contains("cifar-resnet110-b"));
  }

  @Test
  void summaryJsonCarriesNameCountsAndShapes() {
    Run r = run("summary", "resnet18", "--json");
    assertEquals(0, r.status(), r.err());
    String json = r.out().strip();
    assertTrue(json.startsWith("{\"model\":\"resnet18\""), json.substring(0, 40));
    assertTrue(json.contains("\"trainableParams\":11689512,"), "trainable");
    assertTrue(
        json.contains(
            "\"totalParams\":" + Models.find("resnet18").orElseThrow().totalParams() + ","));
    assertTrue(
        json.contains(
            "{\"name\":\"conv3.b0.shortcut\",\"kind\":\"conv"
                + " 1x1/2\",\"inputs\":[\"conv2.b1.relu\"],"
                + "\"shape\":[128,28,28],\"params\":8192,\"trainableParams\":8192}"),
        "shortcut vertex");
    assertEquals(1, json.lines().count());
  }

  @Test
  void summaryTablePrintsEveryVertexAndTheTotals() {
    Run r = run("summary", "cifar-resnet20");
    assertEquals(0, r.status(), r.err());
    assertTrue(r.out().contains("stage2.b0.shortcut"), "zero-pad shortcut listed");
    assertTrue(r.out().contains("trainable parameters  269,722"), r.out());
  }

  @Test
  void unknownModelIsOneLineOnStderr() {
    Run r = run("summary", "resnet19");
    assertEquals(2, r.status());
    assertEquals("", r.out());
    assertEquals(
        List.of(
            "skipwire: unknown model 'resnet19'; 'skipwire models' lists the "
                + Models.all().size()
                + " there are"),
        r.err().lines().toList());
  }

  @Test
  void badFlagIsOneLineOnStderr() {
    Run r = run("summary", "resnet18", "--jsn");
    assertEquals(2, r.status());
    assertEquals(
        List.of("skipwire: Unknown option: '--jsn' (see 'skipwire summary --help')"),
        r.err().lines().toList());
  }

  /**
   * picocli formats every description with {@code String.format}: a bare {@code %} fails, and
   * picocli warns on {@code System.err} (its tracer's stream, not the command line's) and prints
   * the text unformatted.
   */
  @Test
  void everyHelpPrintsWithoutAPicocliWarning() {
    List<List<String>> commands = new ArrayList<>();
    commands.add(List.of());
    addSubcommands(new CommandLine(new Main()), List.of(), commands);
    assertTrue(commands.size() > 10, commands.toString());
    PrintStream saved = System.err;
    ByteArrayOutputStream traced = new ByteArrayOutputStream();
    try {
      System.setErr(new PrintStream(traced, true, StandardCharsets.UTF_8));
      for (List<String> command : commands) {
        List<String> args = new ArrayList<>(command);
        args.add("--help");
        Run r = run(args.toArray(String[]::new));
        assertEquals(0, r.status(), command + ": " + r.err());
        assertEquals("", r.err(), command.toString());
        assertTrue(r.out().startsWith("Usage: skipwire"), command + ": " + r.out());
        String warnings = traced.toString(StandardCharsets.UTF_8);
        assertFalse(warnings.contains("[picocli WARN]"), command + ": " + warnings);
      }
    } finally {
      System.setErr(saved);
    }
    assertTrue(run("bench", "--help").out().contains("peak for the % columns"), "%% printed as %");
  }

  private static void addSubcommands(
      CommandLine cli, List<String> path, List<List<String>> commands) {
    cli.getSubcommands()
        .forEach(
            (name, sub) -> {
              List<String> command = new ArrayList<>(path);
              command.add(name);
              commands.add(command);
              addSubcommands(sub, command, commands);
            });
  }

  @Test
  void unknownCommandIsOneLineOnStderr() {
    Run r = run("frobnicate");
    assertEquals(2, r.status());
    assertEquals(1, r.err().lines().count(), r.err());
    assertTrue(r.err().startsWith("skipwire: "), r.err());
  }

  @Test
  void trainRunsAnEpochWritesACheckpointAndPrintsTheTestAccuracy(@TempDir Path dir) {
    Run r =
        run(
            "train",
            "--model",
            "highway-mlp",
            "--epochs",
            "1",
            "--limit",
            "512",
            "--quiet",
            "--checkpoint-dir",
            dir.toString());
    assertEquals(0, r.status(), r.err());
    List<String> lines = r.out().lines().toList();
    assertTrue(
        lines
            .get(0)
            .startsWith("training highway-mlp on fashion-mnist (embedded subset): 512 images"),
        lines.get(0));
    assertTrue(
        lines
            .get(lines.size() - 1)
            .matches("test accuracy \\d+\\.\\d\\d% on 1000 images after 1 epoch \\(highway-mlp\\)"),
        lines.get(lines.size() - 1));
    assertTrue(Files.isRegularFile(dir.resolve("checkpoint.zip")), "checkpoint");
    assertTrue(Files.isRegularFile(dir.resolve("loss.png")), "loss plot");
    assertTrue(Files.isRegularFile(dir.resolve("gradient-flow.png")), "gradient-flow plot");

    Run resumed =
        run(
            "train",
            "--model",
            "highway-mlp",
            "--epochs",
            "2",
            "--limit",
            "512",
            "--quiet",
            "--checkpoint-dir",
            dir.toString(),
            "--resume");
    assertEquals(0, resumed.status(), resumed.err());
    assertTrue(resumed.out().contains("after 2 epochs"), resumed.out());
    assertEquals(
        1,
        resumed.out().lines().filter(l -> l.startsWith("epoch ")).count(),
        "only the second epoch ran");
  }

  @Test
  void trainOnAModelThatDoesNotFitTheDataIsOneLine() {
    Run r = run("train", "--model", "resnet18", "--epochs", "1");
    assertEquals(2, r.status());
    assertEquals(
        List.of(
            "skipwire: fashion-mnist (embedded subset): images are [1, 28, 28] (or 784 flat, or"
                + " [28, 28] as a sequence of 28 rows) but the network expects input [3, 224, 224];"
                + " choose a network declared for [1, 28, 28]"),
        r.err().lines().toList());
  }

  @Test
  void trainOnAMissingDirectoryIsOneLine(@TempDir Path dir) {
    Run r = run("train", "--model", "fashion-resnet", "--data", dir.resolve("nowhere").toString());
    assertEquals(2, r.status());
    assertEquals(
        List.of("skipwire: " + dir.resolve("nowhere") + ": no such directory"),
        r.err().lines().toList());
  }

  @Test
  void trainWithACorruptCheckpointIsOneLineAndLeavesTheFile(@TempDir Path dir) throws Exception {
    Path zip = dir.resolve("checkpoint.zip");
    Files.writeString(zip, "not a zip");
    Run r =
        run(
            "train",
            "--model",
            "highway-mlp",
            "--epochs",
            "1",
            "--limit",
            "128",
            "--quiet",
            "--checkpoint-dir",
            dir.toString(),
            "--resume");
    assertEquals(2, r.status(), r.out());
    assertEquals(1, r.err().lines().count(), r.err());
    assertTrue(r.err().startsWith("skipwire: " + zip), r.err());
    assertEquals("not a zip", Files.readString(zip));
  }

  @Test
  void unknownOptimizerIsOneLine() {
    Run r = run("train", "--model", "tcn-forecaster", "--optimizer", "rmsprop");
    assertEquals(2, r.status());
    assertEquals(
        List.of("skipwire: --optimizer: unknown optimizer 'rmsprop'; expected one of sgd, adam"),
        r.err().lines().toList());
  }

  @Test
  void forecasterTrainsOnTheShippedSunspotsAndReportsTheBaseline(@TempDir Path dir) {
    Run r =
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
            dir.toString());
    assertEquals(0, r.status(), r.err());
    List<String> lines = r.out().lines().toList();
    assertTrue(lines.get(0).startsWith("training tcn-forecaster on sunspots"), lines.get(0));
    assertTrue(
        lines
            .get(lines.size() - 1)
            .matches(
                "test MSE \\S+ \\(RMSE \\S+\\) in the series' units on 545 values; naive last-value"
                    + " baseline MSE 388\\.4; ratio \\S+"),
        lines.get(lines.size() - 1));
    assertTrue(Files.isRegularFile(dir.resolve("checkpoint.zip")), "checkpoint");
  }

  @Test
  void resumingWithAnotherOptimizerIsRefused(@TempDir Path dir) {
    String[] first = {
      "train",
      "--model",
      "tcn-forecaster",
      "--optimizer",
      "adam",
      "--epochs",
      "1",
      "--limit",
      "128",
      "--quiet",
      "--checkpoint-dir",
      dir.toString()
    };
    assertEquals(0, run(first).status());
    Run r =
        run(
            "train",
            "--model",
            "tcn-forecaster",
            "--epochs",
            "2",
            "--limit",
            "128",
            "--quiet",
            "--checkpoint-dir",
            dir.toString(),
            "--resume");
    assertEquals(2, r.status(), r.out());
    assertTrue(r.err().contains("optimizer adam"), r.err());
    assertTrue(r.err().contains("optimizer sgd"), r.err());
  }

  @Test
  void badTrainingOptionsAreOneLine() {
    Run r = run("train", "--model", "fashion-resnet", "--epochs", "0");
    assertEquals(2, r.status());
    assertEquals(List.of("skipwire: --epochs must be at least 1, got 0"), r.err().lines().toList());
  }

  @Test
  void compareTrainsBothAndPlotsThemTogether(@TempDir Path dir) {
    Run r =
        run(
            "compare",
            "--model",
            "highway-mlp",
            "--model",
            "highway-mlp",
            "--epochs",
            "1",
            "--limit",
            "256",
            "--quiet",
            "--out",
            dir.toString());
    assertEquals(0, r.status(), r.err());
    assertTrue(r.out().contains("epoch  | highway-mlp: loss, train acc, test acc"), r.out());
    assertTrue(Files.isRegularFile(dir.resolve("loss.png")));
    assertTrue(Files.isRegularFile(dir.resolve("accuracy.png")));
    assertTrue(Files.isRegularFile(dir.resolve("gradient-flow.png")));
  }

  @Test
  void compareNeedsTwoModels() {
    Run r = run("compare", "--model", "highway-mlp");
    assertEquals(2, r.status());
    assertEquals(
        List.of(
            "skipwire: compare needs at least two networks (--model twice, or --preset), got 1"),
        r.err().lines().toList());
  }

  @Test
  void columnWithoutACsvFileIsOneLine() {
    Run r = run("train", "--model", "fashion-resnet", "--column", "sunspots");
    assertEquals(2, r.status());
    assertEquals("", r.out());
    assertEquals(
        List.of(
            "skipwire: --column picks the series in a CSV file; give the file with --data"
                + " FILE.csv"),
        r.err().lines().toList());
  }

  @Test
  void csvProblemsAreOneLineNamingTheFile(@TempDir Path dir) throws Exception {
    Path csv = dir.resolve("levels.csv");
    Files.writeString(csv, "day,level\n1,2.5\n2,abc\n");

    Run bad = run("train", "--model", "fashion-resnet", "--data", csv.toString());
    assertEquals(2, bad.status());
    assertEquals(
        List.of("skipwire: " + csv + ":3: \"abc\" in column level is not a number"),
        bad.err().lines().toList());

    Run column =
        run("train", "--model", "fashion-resnet", "--data", csv.toString(), "--column", "lvl");
    assertEquals(2, column.status());
    assertEquals(
        List.of("skipwire: " + csv + ": no column \"lvl\"; the columns are day, level"),
        column.err().lines().toList());

    Path none = dir.resolve("none.csv");
    Run missing = run("train", "--model", "fashion-resnet", "--data", none.toString());
    assertEquals(2, missing.status());
    assertEquals(List.of("skipwire: " + none + ": no such file"), missing.err().lines().toList());
  }

  @Test
  void anImageNetworkOnASeriesIsOneLine(@TempDir Path dir) throws Exception {
    Path csv = dir.resolve("ramp.csv");
    StringBuilder text = new StringBuilder("t,v\n");
    for (int i = 0; i < 100; i++) {
      text.append(i).append(',').append(i * 0.5).append('\n');
    }
    Files.writeString(csv, text);

    Run r = run("train", "--model", "fashion-resnet", "--data", csv.toString(), "--column", "v");

    assertEquals(2, r.status());
    assertEquals(
        List.of(
            "skipwire: "
                + csv
                + ": a series trains a network with input [1, T] and output [1] (the next value"
                + " from the T before it), but the network has input [1, 28, 28] and output [10]"),
        r.err().lines().toList());
  }

  @Test
  void benchRacesTheGeneratedGraphAgainstItsTwinsAndDl4jsOwnHelpers() {
    Run r =
        run(
            "bench",
            "cifar-resnet20-b",
            "--batch",
            "4",
            "--warmup",
            "0",
            "--steps",
            "1",
            "--dl4j-helpers",
            "--no-fold");

    assertEquals(0, r.status(), r.err());
    List<String> lines = r.out().lines().toList();
    assertTrue(lines.get(0).startsWith("backend: "), lines.get(0));
    for (String wiring : List.of("generated", "hand", "dl4j", "dl4j/gen", "gen/hand")) {
      assertTrue(
          lines.stream().anyMatch(l -> l.matches("cifar-resnet20-b +" + wiring + " .*")),
          wiring + " in\n" + r.out());
    }
  }
}
