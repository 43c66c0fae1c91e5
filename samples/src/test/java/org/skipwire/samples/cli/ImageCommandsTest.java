package org.skipwire.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's image walk-through on a smaller scale: {@code export-images}, {@code train --data}
 * on the PNG folders, {@code predict} on three images and {@code evaluate} on the val folder; and
 * each bad input of these commands, one line on stderr with status 2.
 */
class ImageCommandsTest {
  @TempDir static Path shared;

  private static Path images;
  private static Path run;
  private static Run trained;

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
  static void exportAndTrain() {
    images = shared.resolve("fashion");
    Run export =
        run("export-images", "--out", images.toString(), "--limit", "512", "--val-limit", "200");
    assertEquals(0, export.status(), export.err());
    assertTrue(export.out().startsWith("wrote 712 png images"), export.out());
    run = shared.resolve("run");
    trained =
        run(
            "train",
            "--model",
            "fashion-resnet",
            "--data",
            images.toString(),
            "--epochs",
            "1",
            "--batch",
            "64",
            "--quiet",
            "--checkpoint-dir",
            run.toString());
  }

  @Test
  void trainOnTheExportedPngFolders() {
    assertEquals(0, trained.status(), trained.err());
    List<String> lines = trained.out().lines().toList();
    assertTrue(
        lines
            .get(0)
            .startsWith(
                "training fashion-resnet on image folder "
                    + images
                    + " (validation: val/): 512 images"),
        lines.get(0));
    assertTrue(
        lines
            .get(lines.size() - 1)
            .matches(
                "test accuracy \\d+\\.\\d\\d% on 200 images after 1 epoch \\(fashion-resnet\\)"),
        lines.get(lines.size() - 1));
  }

  @Test
  void predictPrintsTheTopClassesOfEachImage() {
    Path val = images.resolve("val");
    String[] files = {
      val.resolve("Bag/00000.png").toString(),
      val.resolve("Sneaker/00000.png").toString(),
      val.resolve("Trouser/00000.png").toString()
    };
    Run r =
        run("predict", "--checkpoint", run.toString(), "--top", "3", files[0], files[1], files[2]);
    assertEquals(0, r.status(), r.err());
    List<String> lines = r.out().lines().toList();
    assertEquals(3, lines.size(), r.out());
    for (int i = 0; i < 3; i++) {
      assertTrue(
          lines
              .get(i)
              .matches(java.util.regex.Pattern.quote(files[i]) + ":(  [A-Za-z -]+ \\d+\\.\\d%){3}"),
          lines.get(i));
    }

    Run json =
        run(
            "predict",
            "--checkpoint",
            run.resolve("checkpoint.zip").toString(),
            "--json",
            "--top",
            "2",
            files[0]);
    assertEquals(0, json.status(), json.err());
    assertTrue(
        json.out().startsWith("{\"file\":\"" + files[0] + "\",\"top\":[{\"class\":"), json.out());
    assertEquals(2, json.out().split("\"probability\"").length - 1, json.out());
  }

  @Test
  void evaluateMatchesTheTrainersAccuracyAndWritesTheConfusionMatrix() throws Exception {
    Run r =
        run("evaluate", "--checkpoint", run.toString(), "--data", images.resolve("val").toString());
    assertEquals(0, r.status(), r.err());
    String last = trained.out().lines().reduce((a, b) -> b).orElseThrow();
    String accuracy = last.substring("test accuracy ".length(), last.indexOf('%') + 1);
    assertTrue(r.out().contains("accuracy " + accuracy + " ("), r.out() + " vs " + last);
    assertTrue(r.out().contains("T-shirt-top"), r.out());
    assertTrue(Files.size(run.resolve("confusion.png")) > 1000);
    // A folder with train/ and val/ is evaluated on val/.
    Run whole =
        run(
            "evaluate",
            "--checkpoint",
            run.toString(),
            "--data",
            images.toString(),
            "--json",
            "--plot",
            shared.resolve("c.png").toString());
    assertEquals(0, whole.status(), whole.err());
    assertTrue(whole.out().startsWith("{ \"images\" : 200,"), whole.out());
  }

  // ---- bad inputs ----

  @Test
  void predictOnAMissingOrCorruptFile() throws Exception {
    Run r = run("predict", "--checkpoint", run.toString(), shared.resolve("nope.png").toString());
    assertOneLineError(r, "nope.png: no such file");
    Path bad = Files.writeString(shared.resolve("bad.jpg"), "not a picture");
    r = run("predict", "--checkpoint", run.toString(), bad.toString());
    assertOneLineError(r, bad + ": not a PNG or JPEG image");
  }

  @Test
  void predictRefusesAColumnForAClassifier() {
    Run r =
        run(
            "predict",
            "--checkpoint",
            run.toString(),
            "--column",
            "level",
            images.resolve("val/Bag/00000.png").toString());
    assertOneLineError(
        r, "--column picks a forecaster's CSV column; fashion-resnet is a classifier of images");
  }

  @Test
  void predictWithoutACheckpoint() {
    Run r = run("predict", "--checkpoint", shared.resolve("no-run").toString(), "x.png");
    assertOneLineError(r, "no checkpoint");
  }

  @Test
  void evaluateOnAFolderWithAClassTheModelLacks() throws Exception {
    Path other = shared.resolve("other");
    Files.createDirectories(other.resolve("Bag"));
    Files.copy(images.resolve("val/Bag/00000.png"), other.resolve("Bag/0.png"));
    Files.createDirectories(other.resolve("Zebra"));
    Files.copy(images.resolve("val/Bag/00000.png"), other.resolve("Zebra/0.png"));
    Run r = run("evaluate", "--checkpoint", run.toString(), "--data", other.toString());
    assertOneLineError(r, other.resolve("Zebra") + ": a class the training folder does not have");
  }

  @Test
  void trainOnAFolderWithACorruptImageStopsBeforeTraining() throws Exception {
    Path folder = shared.resolve("broken");
    Files.createDirectories(folder.resolve("a"));
    Files.createDirectories(folder.resolve("b"));
    for (String c : List.of("a", "b")) {
      for (int i = 0; i < 3; i++) {
        Files.copy(images.resolve("val/Bag/00000.png"), folder.resolve(c + "/" + i + ".png"));
      }
    }
    Path bad =
        Files.write(folder.resolve("b/1.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
    Path dir = shared.resolve("broken-run");
    Run r =
        run(
            "train",
            "--model",
            "fashion-resnet",
            "--data",
            folder.toString(),
            "--quiet",
            "--checkpoint-dir",
            dir.toString());
    assertOneLineError(r, bad + ": ");
    assertFalse(r.out().contains("training"), r.out());
    assertFalse(Files.exists(dir.resolve("checkpoint.zip")));
  }

  @Test
  void imageFolderForANetworkThatDoesNotTakeImages() {
    Run r =
        run(
            "train",
            "--model",
            "highway-mlp",
            "--data",
            images.toString(),
            "--quiet",
            "--checkpoint-dir",
            shared.resolve("h").toString());
    assertOneLineError(
        r,
        "an image folder feeds a network that reads pictures, input [1, h, w] (grey) or [3, h, w]"
            + " (RGB); this one declares [784], a flat vector, which an image folder cannot fill");
  }

  @Test
  void badValFractionAndExportTarget() throws Exception {
    assertOneLineError(
        run(
            "train",
            "--model",
            "fashion-resnet",
            "--data",
            images.toString(),
            "--val-fraction",
            "1.5"),
        "--val-fraction must be between 0 and 1");
    assertOneLineError(
        run("export-images", "--out", images.toString()), "exists and is not an empty directory");
    assertOneLineError(
        run("export-images", "--out", shared.resolve("x").toString(), "--format", "bmp"),
        "--format must be png or jpg");
  }
}
