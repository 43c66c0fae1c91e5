package org.skipwire.runtime.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.DeflaterOutputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Image folders from real pictures: the embedded Fashion-MNIST subset written out as PNG and JPEG
 * class folders, read back; and every kind of bad folder or file, each refused in one line naming
 * it.
 */
class ImageFoldersTest {
  private static final List<Integer> GREY = List.of(1, 28, 28);
  private static final List<String> SORTED_FASHION =
      List.of(
          "Ankle boot",
          "Bag",
          "Coat",
          "Dress",
          "Pullover",
          "Sandal",
          "Shirt",
          "Sneaker",
          "T-shirt-top",
          "Trouser");

  private static Dataset embedded;

  @TempDir Path dir;

  @BeforeAll
  static void load() throws DataException {
    embedded = Datasets.embedded();
  }

  private static void assertOneLine(DataException e, Path file, String words) {
    String m = e.getMessage();
    assertFalse(m.contains("\n"), m);
    assertTrue(m.startsWith(file + ": "), m);
    assertTrue(m.contains(words), m);
  }

  /** A small valid folder of two classes, three grey 8x8 PNGs each. */
  private Path twoClasses() throws IOException {
    Path root = dir.resolve("data");
    for (String c : List.of("cat", "dog")) {
      Files.createDirectories(root.resolve(c));
      for (int i = 0; i < 3; i++) {
        writeGrey(root.resolve(c).resolve(i + ".png"), 8, 8, 40 * i, "png");
      }
    }
    return root;
  }

  private static void writeGrey(Path file, int w, int h, int value, String format)
      throws IOException {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        img.getRaster().setSample(x, y, 0, (value + x + y) % 256);
      }
    }
    assertTrue(ImageIO.write(img, format, file.toFile()));
  }

  @Test
  void pngFoldersOfTheEmbeddedSubsetReadBackPixelForPixel() throws Exception {
    int written = ImageFolders.write(embedded, dir, "png", 300, 100);
    assertEquals(400, written);

    Dataset data = ImageFolders.open(dir, GREY, 0.1, 42);

    assertEquals(SORTED_FASHION, data.classNames());
    assertEquals(DataFormat.IMAGE_FOLDER, data.format());
    assertEquals(300, data.train().size());
    assertEquals(100, data.test().size());
    assertEquals(DataFormat.IMAGE_FOLDER, Datasets.detect(dir));
    // Class counts: the embedded labels' counts, renamed to the sorted folder order.
    int[] original = embedded.train().first(300).classCounts();
    int[] counts = data.train().classCounts();
    for (int k = 0; k < 10; k++) {
      String name = ImageFolders.folderNames(embedded).get(k);
      assertEquals(original[k], counts[SORTED_FASHION.indexOf(name)], name);
    }
    // PNG is lossless and 28x28 needs no resizing: the first Ankle boot (label 9) is identical.
    int firstBoot = firstOf(embedded.train(), 9);
    int readBoot = firstOf(data.train(), 0);
    for (int y = 0; y < 28; y++) {
      for (int x = 0; x < 28; x++) {
        assertEquals(
            embedded.train().pixel(firstBoot, 0, y, x), data.train().pixel(readBoot, 0, y, x));
      }
    }
  }

  private interface DataCall {
    void run() throws DataException;
  }

  private static void assertDoesNotThrowData(DataCall call) {
    try {
      call.run();
    } catch (DataException e) {
      throw new AssertionError(e.getMessage());
    }
  }

  private static int firstOf(ImageData images, int label) {
    for (int i = 0; i < images.size(); i++) {
      if (images.label(i) == label) {
        return i;
      }
    }
    throw new AssertionError("no image of class " + label);
  }

  @Test
  void jpegFoldersReadAsRgbAtAnotherSizeWithAStratifiedSplit() throws Exception {
    ImageFolders.write(embedded, dir.resolve("export"), "jpg", 200, 10);
    Path train = dir.resolve("export").resolve("train");

    Dataset data = ImageFolders.open(train, List.of(3, 32, 32), 0.2, 7);

    assertEquals(SORTED_FASHION, data.classNames());
    assertEquals(List.of(3, 32, 32), data.imageShape());
    assertEquals(200, data.train().size() + data.test().size());
    int[] all = new int[10];
    int[] held = data.test().classCounts();
    int[] kept = data.train().classCounts();
    for (int k = 0; k < 10; k++) {
      all[k] = held[k] + kept[k];
      assertEquals(Math.max(1, Math.round(all[k] * 0.2)), held[k], "class " + k);
    }
    // Grey JPEGs become RGB with three equal channels.
    assertEquals(data.train().pixel(0, 0, 10, 10), data.train().pixel(0, 2, 10, 10));
    // The same seed holds out the same images; another seed others.
    Dataset again = ImageFolders.open(train, List.of(3, 32, 32), 0.2, 7);
    Dataset other = ImageFolders.open(train, List.of(3, 32, 32), 0.2, 8);
    assertArrayEquals(data.test().pixelArray(), again.test().pixelArray());
    assertFalse(Arrays.equals(data.test().pixelArray(), other.test().pixelArray()));
    assertTrue(data.name().contains("0.200 of each class held out, seed 7"), data.name());
  }

  @Test
  void theFirstTrainingImagesMixTheClassesSoALimitDoes() throws Exception {
    ImageFolders.write(embedded, dir, "png", 300, 10);
    Dataset data = ImageFolders.open(dir, GREY, 0.1, 42);
    int[] first = data.train().first(60).classCounts();
    for (int k = 0; k < 10; k++) {
      assertTrue(
          first[k] > 0, "class " + k + " missing from the first 60: " + Arrays.toString(first));
    }
  }

  @Test
  void colourBecomesLumaAndTheCentreRegionIsResized() throws Exception {
    // 40 x 20: left quarter black, the middle red, the right quarter white.
    BufferedImage img = new BufferedImage(40, 20, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 20; y++) {
      for (int x = 0; x < 40; x++) {
        img.setRGB(x, y, x < 10 ? 0 : x >= 30 ? 0xFFFFFF : 0xFF0000);
      }
    }
    byte[] grey = ImageDecoder.toPixels(img, 1, 10, 10);
    // The centred 20x20 region is all red: luma 0.299 * 255 = 76.
    for (byte b : grey) {
      assertEquals(76, b & 0xFF);
    }
    byte[] rgb = ImageDecoder.toPixels(img, 3, 10, 10);
    assertEquals(255, rgb[0] & 0xFF);
    assertEquals(0, rgb[100] & 0xFF);
    assertEquals(0, rgb[200] & 0xFF);
  }

  @Test
  void resizedCropAugmentationIsSeededAndChangesTheImages() throws Exception {
    ImageFolders.write(embedded, dir, "png", 64, 16);
    Dataset data = ImageFolders.open(dir, GREY, 0.1, 42);
    assertEquals(ImageDataSetIterator.Augmentation.RESIZED_CROP, data.augmentation());
    DataOptions o = DataOptions.defaults().withBatch(64).withAugment(true);

    DataSet a = data.iterators(GREY, List.of(10), o).train().next();
    DataSet b = data.iterators(GREY, List.of(10), o).train().next();
    DataSet plain = data.iterators(GREY, List.of(10), o.withAugment(false)).train().next();

    assertEquals(a.getFeatures(), b.getFeatures());
    assertEquals(a.getLabels(), plain.getLabels());
    assertNotEquals(a.getFeatures(), plain.getFeatures());
  }

  @Test
  void fixedNormalisationReplacesTheTrainingImagesStatistics() throws Exception {
    Dataset data = ImageFolders.open(twoClasses(), List.of(3, 8, 8), 0.3, 1);
    DataSplit split =
        data.withNormalization(ChannelStats.imagenet())
            .iterators(List.of(3, 8, 8), List.of(2), DataOptions.defaults());
    assertEquals(ChannelStats.imagenet(), split.stats());
    assertEquals(
        data.train().channelStats(),
        data.iterators(List.of(3, 8, 8), List.of(2), DataOptions.defaults()).stats());
  }

  // ---- bad folders and files: one line each, naming the file ----

  @Test
  void corruptImage() throws Exception {
    Path root = twoClasses();
    Path bad = root.resolve("dog").resolve("1.png");
    byte[] bytes = Files.readAllBytes(bad);
    // Keep the signature and header, garble the compressed pixels.
    for (int i = 40; i < bytes.length - 12; i++) {
      bytes[i] = (byte) (bytes[i] ^ 0x5A);
    }
    Files.write(bad, bytes);
    DataException e =
        assertThrows(DataException.class, () -> ImageFolders.open(root, GREY, 0.3, 1));
    assertOneLine(e, bad, "corrupt");
  }

  @Test
  void truncatedPngAndJpeg() throws Exception {
    Path root = twoClasses();
    Path png = root.resolve("cat").resolve("2.png");
    writeGrey(png, 64, 64, 3, "png");
    byte[] bytes = Files.readAllBytes(png);
    Files.write(png, Arrays.copyOf(bytes, bytes.length / 2));
    DataException e =
        assertThrows(DataException.class, () -> ImageFolders.open(root, GREY, 0.3, 1));
    assertOneLine(e, png, "corrupt or truncated");

    writeGrey(png, 8, 8, 0, "png");
    Path jpg = root.resolve("dog").resolve("9.jpg");
    writeGrey(jpg, 64, 64, 3, "jpg");
    bytes = Files.readAllBytes(jpg);
    Files.write(jpg, Arrays.copyOf(bytes, bytes.length / 2));
    e = assertThrows(DataException.class, () -> ImageFolders.open(root, GREY, 0.3, 1));
    assertOneLine(e, jpg, "corrupt or truncated");
  }

  @Test
  void fileWithAnImageNameButOtherContent() throws Exception {
    Path root = twoClasses();
    Path text = Files.writeString(root.resolve("cat").resolve("notes.png"), "not a picture");
    DataException e =
        assertThrows(DataException.class, () -> ImageFolders.open(root, GREY, 0.3, 1));
    assertOneLine(e, text, "not a PNG or JPEG image");

    Files.delete(text);
    Path gif = root.resolve("cat").resolve("anim.png");
    writeGrey(gif, 8, 8, 0, "gif");
    e = assertThrows(DataException.class, () -> ImageFolders.open(root, GREY, 0.3, 1));
    assertOneLine(e, gif, "a gif image");

    Files.delete(gif);
    Path empty = Files.createFile(root.resolve("cat").resolve("empty.jpg"));
    e = assertThrows(DataException.class, () -> ImageFolders.open(root, GREY, 0.3, 1));
    assertOneLine(e, empty, "not a PNG or JPEG image");
  }

  @Test
  void nonImageFile() throws Exception {
    Path root = twoClasses();
    Path csv = Files.writeString(root.resolve("dog").resolve("labels.csv"), "a,b\n");
    DataException e =
        assertThrows(DataException.class, () -> ImageFolders.open(root, GREY, 0.3, 1));
    assertOneLine(e, csv, "not an image file");
    // Hidden files are left out, as ls leaves them out.
    Files.delete(csv);
    Files.writeString(root.resolve("dog").resolve(".DS_Store"), "x");
    assertEquals(6, ImageFolders.scan(root).size());
  }

  @Test
  void emptyClassFolder() throws Exception {
    Path root = twoClasses();
    Path empty = Files.createDirectories(root.resolve("emu"));
    DataException e =
        assertThrows(DataException.class, () -> ImageFolders.open(root, GREY, 0.3, 1));
    assertOneLine(e, empty, "empty class folder");
  }

  @Test
  void oneClassOrNone() throws Exception {
    Path one = dir.resolve("one");
    Files.createDirectories(one.resolve("cat"));
    writeGrey(one.resolve("cat").resolve("a.png"), 8, 8, 0, "png");
    DataException e = assertThrows(DataException.class, () -> ImageFolders.open(one, GREY, 0.3, 1));
    assertOneLine(e, one, "only one class folder (cat)");

    Path none = Files.createDirectories(dir.resolve("none"));
    e = assertThrows(DataException.class, () -> ImageFolders.scan(none));
    assertOneLine(e, none, "no class folders");
  }

  @Test
  void fileBesideTheClassFolders() throws Exception {
    Path root = twoClasses();
    Path stray = root.resolve("stray.png");
    writeGrey(stray, 8, 8, 0, "png");
    DataException e =
        assertThrows(DataException.class, () -> ImageFolders.open(root, GREY, 0.3, 1));
    assertOneLine(e, stray, "a file beside the class folders");
  }

  @Test
  void valClassTheTrainingFolderLacks() throws Exception {
    Path root = dir.resolve("split");
    for (String part : List.of("train", "val")) {
      for (String c : List.of("cat", part.equals("val") ? "cow" : "dog")) {
        Files.createDirectories(root.resolve(part).resolve(c));
        writeGrey(root.resolve(part).resolve(c).resolve("0.png"), 8, 8, 0, "png");
      }
    }
    DataException e =
        assertThrows(DataException.class, () -> ImageFolders.open(root, GREY, 0.3, 1));
    assertOneLine(
        e, root.resolve("val").resolve("cow"), "a class the training folder does not have");
  }

  @Test
  void tooFewImagesToHoldAnyOut() throws Exception {
    Path root = dir.resolve("tiny");
    for (String c : List.of("cat", "dog")) {
      Files.createDirectories(root.resolve(c));
      writeGrey(root.resolve(c).resolve("0.png"), 8, 8, 0, "png");
    }
    DataException e =
        assertThrows(DataException.class, () -> ImageFolders.open(root, GREY, 0.3, 1));
    assertOneLine(e, root, "too few images to hold out a validation set");
  }

  @Test
  void networkThatDoesNotTakeImages() throws Exception {
    Path root = twoClasses();
    DataException e =
        assertThrows(DataException.class, () -> ImageFolders.open(root, List.of(784), 0.3, 1));
    assertOneLine(e, root, "this one declares [784], a flat vector");
  }

  /** A PNG whose header claims {@code width x height} grey pixels, with a few bytes of data. */
  private static byte[] pngClaiming(int width, int height) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
    ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
    DataOutputStream d = new DataOutputStream(ihdr);
    d.writeInt(width);
    d.writeInt(height);
    d.write(new byte[] {8, 0, 0, 0, 0}); // 8-bit grey, deflate, no filter method, no interlace
    chunk(out, "IHDR", ihdr.toByteArray());
    ByteArrayOutputStream idat = new ByteArrayOutputStream();
    try (DeflaterOutputStream z = new DeflaterOutputStream(idat)) {
      z.write(new byte[1024]); // a real bomb's IDAT inflates to width*height zeros
    }
    chunk(out, "IDAT", idat.toByteArray());
    chunk(out, "IEND", new byte[0]);
    return out.toByteArray();
  }

  private static void chunk(ByteArrayOutputStream out, String type, byte[] data)
      throws IOException {
    DataOutputStream d = new DataOutputStream(out);
    d.writeInt(data.length);
    byte[] t = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    d.write(t);
    d.write(data);
    CRC32 crc = new CRC32();
    crc.update(t);
    crc.update(data);
    d.writeInt((int) crc.getValue());
  }

  @Test
  void decompressionBombIsRefusedFromItsHeaderInBoundedTime() throws Exception {
    Path root = twoClasses();
    Path bomb = Files.write(root.resolve("cat").resolve("bomb.png"), pngClaiming(100_000, 100_000));
    long t0 = System.nanoTime();
    DataException e =
        assertThrows(DataException.class, () -> ImageFolders.open(root, GREY, 0.3, 1));
    assertTrue((System.nanoTime() - t0) / 1e9 < 5, "took too long");
    assertOneLine(e, bomb, "its header claims 100,000 x 100,000 pixels");
    assertTrue(e.getMessage().contains("not decoded"), e.getMessage());
  }

  @Test
  void absurdDimensions() throws Exception {
    Path root = twoClasses();
    // Within the pixel bound but one side beyond MAX_SIDE: a 30,000 x 1 strip.
    Path strip = Files.write(root.resolve("dog").resolve("strip.png"), pngClaiming(30_000, 1));
    DataException e =
        assertThrows(DataException.class, () -> ImageFolders.open(root, GREY, 0.3, 1));
    assertOneLine(e, strip, "its header claims 30,000 x 1 pixels");
    // A header that gives no size at all.
    Files.write(strip, pngClaiming(0, 5));
    e = assertThrows(DataException.class, () -> ImageFolders.open(root, GREY, 0.3, 1));
    assertEquals(strip.toString(), e.source());
  }

  @Test
  void theFirstBadFileInOrderIsReportedWhateverThreadFindsOne() throws Exception {
    Path root = twoClasses();
    Path first = Files.writeString(root.resolve("cat").resolve("0.png"), "garbage");
    Files.writeString(root.resolve("dog").resolve("2.png"), "garbage too");
    for (int run = 0; run < 3; run++) {
      DataException e =
          assertThrows(DataException.class, () -> ImageFolders.open(root, GREY, 0.3, 1));
      assertEquals(first.toString(), e.source());
    }
  }

  @Test
  void aFolderTooLargeToHoldIsRefusedBeforeDecoding() {
    DataException e =
        assertThrows(
            DataException.class,
            () -> ImageFolders.checkMemory("pets", 1_000_000, new int[] {3, 224, 224}));
    assertTrue(
        e.getMessage().startsWith("pets: 1,000,000 images of [3, 224, 224] take 143,554 MB"),
        e.getMessage());
    assertDoesNotThrowData(() -> ImageFolders.checkMemory("pets", 1_000, new int[] {3, 224, 224}));
  }

  @Test
  void largeImagesAreSubsampledToTheInput() throws Exception {
    Path root = twoClasses();
    writeGrey(root.resolve("cat").resolve("big.jpg"), 2000, 1500, 100, "jpg");
    Dataset data = ImageFolders.open(root, GREY, 0.3, 1);
    assertEquals(7, data.train().size() + data.test().size());
  }

  /** Only grey and RGB networks read pictures; any other declared input is one line naming it. */
  @ParameterizedTest
  @CsvSource(
      delimiter = ';',
      value = {
        "4, 8, 8; [4, 8, 8] with 4 channels: declare @Input(channels = 1) or 3",
        "2, 8, 8; [2, 8, 8] with 2 channels: declare @Input(channels = 1) or 3",
        "64; [64], a flat vector, which an image folder cannot fill",
        "8, 8; [8, 8], a sequence, which an image folder cannot fill"
      })
  void aNetworkThatDoesNotReadGreyOrRgbPicturesIsRefusedInOneLine(String shape, String words)
      throws IOException {
    Path root = twoClasses();
    List<Integer> input =
        java.util.Arrays.stream(shape.split(",")).map(String::strip).map(Integer::valueOf).toList();

    DataException e =
        assertThrows(DataException.class, () -> ImageFolders.open(root, input, 0.5, 1));

    assertOneLine(e, root, "reads pictures, input [1, h, w] (grey) or [3, h, w] (RGB)");
    assertTrue(e.getMessage().endsWith("this one declares " + words), e.getMessage());
  }
}
