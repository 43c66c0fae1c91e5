package demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.skipwire.runtime.FastPaths;
import org.skipwire.runtime.data.Datasets;
import org.skipwire.runtime.data.ImageFolders;
import org.skipwire.runtime.data.Series;
import org.skipwire.runtime.predict.Predictor;

/** Runs the example as its user would, on PNG folders of the Fashion-MNIST subset skipwire ships. */
class ClassifyImagesTest {
  @TempDir Path dir;

  @Test
  void trainsOnAnImageFolderSavesLoadsAndPredicts() throws Exception {
    Path images = dir.resolve("images");
    ImageFolders.write(Datasets.embedded(), images, "png", 512, 100);
    Path run = dir.resolve("run");
    Path shoe = images.resolve("val").resolve("Sneaker").resolve("00000.png");
    Path bag = images.resolve("val").resolve("Bag").resolve("00000.png");

    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    PrintStream stdout = System.out;
    System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
    try {
      ClassifyImages.main(new String[] {images.toString(), run.toString(), "1", shoe.toString(), bag.toString()});
    } finally {
      System.setOut(stdout);
    }
    String out = printed.toString(StandardCharsets.UTF_8);
    stdout.print(out);

    // The opt-in, found through its service file: the pom's skipwire-onednn is what runs.
    assertTrue(out.contains("backend: ") && out.contains("(fast path)"), out);
    assertEquals(List.of("org.skipwire.runtime.onednn.OneDnnFastPath"), FastPaths.all().stream().map(p -> p.getClass().getName()).toList());
    assertTrue(Files.isRegularFile(run.resolve("checkpoint.zip")), out);
    assertTrue(out.contains("test accuracy "), out);
    List<String> names = Predictor.load(run).classNames();
    assertEquals(List.of("Ankle boot", "Bag", "Coat", "Dress", "Pullover", "Sandal", "Shirt", "Sneaker", "T-shirt-top", "Trouser"), names);
    for (Path p : List.of(shoe, bag)) {
      String line = out.lines().filter(l -> l.startsWith(p + ": ")).findFirst().orElseThrow(() -> new AssertionError(out));
      String label = line.substring((p + ": ").length(), line.lastIndexOf(" ("));
      assertTrue(names.contains(label), line);
    }
  }

  @Test
  void readsTheShippedSunspots() throws Exception {
    // Needs commons-io 2.12+ on the client's class path (commons-csv 1.14's stream builders).
    Series s = Datasets.sunspots();
    assertEquals(2820, s.size());
    assertEquals("1749-01", s.times().get(0));
  }
}
