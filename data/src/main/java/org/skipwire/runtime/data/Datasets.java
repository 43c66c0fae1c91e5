package org.skipwire.runtime.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Opens the data a network trains on: the Fashion-MNIST subset embedded in this jar, or a directory
 * of IDX (MNIST, Fashion-MNIST) or CIFAR-10 binary files, recognised by their names; for
 * forecasters, the sunspot series embedded in this jar (CSV files of your own: {@link
 * SeriesReader}).
 */
public final class Datasets {
  /** Where the embedded subset lies, relative to this class. */
  static final String EMBEDDED_DIR = "fashion-mnist/";

  /** Where the embedded sunspot series lies, relative to this class. */
  static final String SUNSPOTS_FILE = "sunspots/sunspots.csv";

  /** The column of the embedded series. */
  public static final String SUNSPOTS_COLUMN = "sunspots";

  /** The ten Fashion-MNIST classes, by label. */
  public static final List<String> FASHION_MNIST_CLASSES =
      List.of(
          "T-shirt/top",
          "Trouser",
          "Pullover",
          "Dress",
          "Coat",
          "Sandal",
          "Shirt",
          "Sneaker",
          "Bag",
          "Ankle boot");

  /** The ten CIFAR-10 classes, by label. */
  public static final List<String> CIFAR10_CLASSES =
      List.of(
          "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck");

  private static final String[] IDX_TRAIN_IMAGES = {
    "train-images-idx3-ubyte", "train-images.idx3-ubyte"
  };
  private static final String[] IDX_TRAIN_LABELS = {
    "train-labels-idx1-ubyte", "train-labels.idx1-ubyte"
  };
  private static final String[] IDX_TEST_IMAGES = {
    "t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte"
  };
  private static final String[] IDX_TEST_LABELS = {
    "t10k-labels-idx1-ubyte", "t10k-labels.idx1-ubyte"
  };
  private static final String IDX_NEEDS =
      "an IDX data set needs train-images-idx3-ubyte, train-labels-idx1-ubyte, "
          + "t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (each may end in .gz)";
  private static final String CIFAR_NEEDS =
      "CIFAR-10 needs data_batch_1.bin to data_batch_5.bin and test_batch.bin";
  private static final String CIFAR_SUBDIR = "cifar-10-batches-bin";

  private Datasets() {}

  /**
   * The data in {@code dir}, or the embedded Fashion-MNIST subset when {@code dir} is null.
   *
   * @throws DataException naming the directory or file, if the directory holds no recognisable data
   *     set or a file of it is missing or malformed
   */
  public static Dataset open(Path dir) throws DataException {
    return dir == null ? embedded() : openDirectory(dir);
  }

  /**
   * The embedded subset of Fashion-MNIST: the first 8000 training and the first 1000 test images of
   * Zalando's data set (MIT licence; see the NOTICE next to the files).
   */
  public static Dataset embedded() throws DataException {
    IdxReader.Images trainImages = embeddedImages("train-images-idx3-ubyte.gz");
    byte[] trainLabels = embeddedLabels("train-labels-idx1-ubyte.gz");
    IdxReader.Images testImages = embeddedImages("t10k-images-idx3-ubyte.gz");
    byte[] testLabels = embeddedLabels("t10k-labels-idx1-ubyte.gz");
    int classes = FASHION_MNIST_CLASSES.size();
    ImageData train =
        IdxReader.combine(
            trainImages, trainLabels, embeddedName("train-labels-idx1-ubyte.gz"), classes);
    ImageData test =
        IdxReader.combine(
            testImages, testLabels, embeddedName("t10k-labels-idx1-ubyte.gz"), classes);
    return new Dataset(
        "fashion-mnist (embedded subset)", DataFormat.IDX, train, test, FASHION_MNIST_CLASSES);
  }

  /**
   * Monthly mean relative sunspot numbers, January 1749 to December 1983 (2,820 values): R's {@code
   * sunspots} data set (GPL-2 | GPL-3; see the README next to the file), column {@value
   * #SUNSPOTS_COLUMN}, time stamps {@code 1749-01} ...
   */
  public static Series sunspots() throws DataException {
    String source = "embedded " + SUNSPOTS_FILE;
    InputStream in = Datasets.class.getResourceAsStream(SUNSPOTS_FILE);
    if (in == null) {
      throw new DataException(source, "resource missing from the class path");
    }
    try (Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8)) {
      return SeriesReader.read(reader, source, "sunspots (embedded)", SUNSPOTS_COLUMN);
    } catch (DataException e) {
      throw e;
    } catch (IOException e) {
      throw IdxReader.ioProblem(source, e);
    }
  }

  /** Which format {@code dir} holds, without reading the files. */
  public static DataFormat detect(Path dir) throws DataException {
    checkDirectory(dir);
    boolean idx =
        anyExists(dir, IDX_TRAIN_IMAGES, IDX_TRAIN_LABELS, IDX_TEST_IMAGES, IDX_TEST_LABELS);
    boolean cifar = cifarDir(dir) != null;
    if (idx && cifar) {
      throw new DataException(
          dir.toString(), "holds both IDX and CIFAR-10 files; point at one of them");
    }
    if (idx) {
      return DataFormat.IDX;
    }
    if (cifar) {
      return DataFormat.CIFAR10;
    }
    if (ImageFolders.looksLikeImageFolder(dir)) {
      return DataFormat.IMAGE_FOLDER;
    }
    throw new DataException(
        dir.toString(),
        "no data set found: expected IDX files (train-images-idx3-ubyte[.gz] ...), CIFAR-10"
            + " binaries (data_batch_1.bin ... test_batch.bin) or one sub-folder per class of PNG"
            + " and JPEG images");
  }

  /**
   * The data in {@code dir} shaped for a network with this input: an image folder ({@link
   * ImageFolders#open}, {@link ImageFolders#DEFAULT_VAL_FRACTION} held out, seed 42) is decoded to
   * that shape; IDX and CIFAR-10 files are read as {@link #open(Path)} reads them.
   */
  public static Dataset open(Path dir, List<Integer> inputShape) throws DataException {
    if (dir != null && detect(dir) == DataFormat.IMAGE_FOLDER) {
      return ImageFolders.open(dir, inputShape, ImageFolders.DEFAULT_VAL_FRACTION, 42);
    }
    return open(dir);
  }

  private static Dataset openDirectory(Path dir) throws DataException {
    return switch (detect(dir)) {
      case IDX -> openIdx(dir);
      case CIFAR10 -> openCifar(cifarDir(dir));
      case IMAGE_FOLDER ->
          throw new DataException(
              dir.toString(),
              "an image folder is decoded to a network's input size: open it with"
                  + " Datasets.open(dir, model.inputShape()) or ImageFolders.open");
    };
  }

  private static Dataset openIdx(Path dir) throws DataException {
    Path trainImages = idxFile(dir, IDX_TRAIN_IMAGES);
    Path trainLabels = idxFile(dir, IDX_TRAIN_LABELS);
    Path testImages = idxFile(dir, IDX_TEST_IMAGES);
    Path testLabels = idxFile(dir, IDX_TEST_LABELS);
    IdxReader.Images trImages = IdxReader.readImages(trainImages);
    byte[] trLabels = IdxReader.readLabels(trainLabels);
    IdxReader.Images teImages = IdxReader.readImages(testImages);
    byte[] teLabels = IdxReader.readLabels(testLabels);
    if (teImages.rows() != trImages.rows() || teImages.cols() != trImages.cols()) {
      throw new DataException(
          testImages.toString(),
          "images are "
              + teImages.rows()
              + "x"
              + teImages.cols()
              + " but "
              + trainImages.getFileName()
              + " has "
              + trImages.rows()
              + "x"
              + trImages.cols());
    }
    int classes = Math.max(IdxReader.classesIn(trLabels), IdxReader.classesIn(teLabels));
    ImageData train = IdxReader.combine(trImages, trLabels, trainLabels.toString(), classes);
    ImageData test = IdxReader.combine(teImages, teLabels, testLabels.toString(), classes);
    boolean fashion = dir.toAbsolutePath().toString().toLowerCase(Locale.ROOT).contains("fashion");
    String name = (fashion ? "fashion-mnist" : "idx") + " (" + dir + ")";
    return new Dataset(
        name, DataFormat.IDX, train, test, fashion ? FASHION_MNIST_CLASSES : List.of());
  }

  private static Dataset openCifar(Path dir) throws DataException {
    List<Path> trainFiles = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      trainFiles.add(required(dir.resolve("data_batch_" + i + ".bin"), CIFAR_NEEDS));
    }
    Path testFile = required(dir.resolve("test_batch.bin"), CIFAR_NEEDS);
    ImageData train = CifarReader.read(trainFiles);
    ImageData test = CifarReader.read(List.of(testFile));
    return new Dataset("cifar-10 (" + dir + ")", DataFormat.CIFAR10, train, test, cifarNames(dir));
  }

  /**
   * Class names from {@code batches.meta.txt} when it is there and sane, else the standard ones.
   */
  private static List<String> cifarNames(Path dir) {
    Path meta = dir.resolve("batches.meta.txt");
    try {
      if (Files.isRegularFile(meta)) {
        List<String> names =
            Files.readAllLines(meta, StandardCharsets.UTF_8).stream()
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .toList();
        if (names.size() == CifarReader.CLASSES) {
          return names;
        }
      }
    } catch (IOException e) {
      // The names only label output; fall back to the standard ones.
    }
    return CIFAR10_CLASSES;
  }

  private static Path cifarDir(Path dir) {
    if (Files.exists(dir.resolve("data_batch_1.bin"))
        || Files.exists(dir.resolve("test_batch.bin"))) {
      return dir;
    }
    Path sub = dir.resolve(CIFAR_SUBDIR);
    if (Files.exists(sub.resolve("data_batch_1.bin"))
        || Files.exists(sub.resolve("test_batch.bin"))) {
      return sub;
    }
    return null;
  }

  private static void checkDirectory(Path dir) throws DataException {
    if (!Files.exists(dir)) {
      throw new DataException(dir.toString(), "no such directory");
    }
    if (!Files.isDirectory(dir)) {
      throw new DataException(
          dir.toString(),
          "not a directory; --data wants the directory holding the image files, or a .csv series");
    }
  }

  private static boolean anyExists(Path dir, String[]... roles) {
    for (String[] names : roles) {
      for (String name : names) {
        if (Files.exists(dir.resolve(name)) || Files.exists(dir.resolve(name + ".gz"))) {
          return true;
        }
      }
    }
    return false;
  }

  /** The file for one IDX role: plain preferred over gzipped, hyphen spelling over dot. */
  private static Path idxFile(Path dir, String[] names) throws DataException {
    for (String name : names) {
      for (String candidate : new String[] {name, name + ".gz"}) {
        Path p = dir.resolve(candidate);
        if (Files.exists(p)) {
          return p;
        }
      }
    }
    throw new DataException(dir.resolve(names[0]) + "[.gz]", "missing; " + IDX_NEEDS);
  }

  private static Path required(Path file, String needs) throws DataException {
    if (!Files.exists(file)) {
      throw new DataException(file.toString(), "missing; " + needs);
    }
    return file;
  }

  private static String embeddedName(String file) {
    return "embedded " + EMBEDDED_DIR + file;
  }

  private static IdxReader.Images embeddedImages(String file) throws DataException {
    String source = embeddedName(file);
    try (InputStream in = openEmbedded(file)) {
      return IdxReader.readImages(IdxReader.unwrap(in), source, -1);
    } catch (IOException e) {
      throw IdxReader.ioProblem(source, e);
    }
  }

  private static byte[] embeddedLabels(String file) throws DataException {
    String source = embeddedName(file);
    try (InputStream in = openEmbedded(file)) {
      return IdxReader.readLabels(IdxReader.unwrap(in), source, -1);
    } catch (IOException e) {
      throw IdxReader.ioProblem(source, e);
    }
  }

  private static InputStream openEmbedded(String file) throws DataException {
    InputStream in = Datasets.class.getResourceAsStream(EMBEDDED_DIR + file);
    if (in == null) {
      throw new DataException(embeddedName(file), "resource missing from the class path");
    }
    return in;
  }
}
