package org.skipwire.runtime.data;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * Image folders in torchvision's {@code ImageFolder} layout: one sub-folder per class holding its
 * JPEG and PNG files (grey or colour, any size; nested folders are read too), class names the
 * folder names in sorted order. {@code DIR/train} and {@code DIR/val} (or {@code DIR/test}) when
 * they are there, otherwise a seeded split of {@code DIR} that holds out the same fraction of every
 * class.
 *
 * <pre>{@code
 * Dataset data = ImageFolders.open(Path.of("pets"), List.of(3, 224, 224), 0.1, 42);
 * }</pre>
 *
 * <p>The training images are held in an order shuffled by the seed, so that the first N of them (a
 * run's {@code --limit N}) mix every class; the validation images stay in class and file order.
 *
 * <p>Every image is decoded once, in parallel, to the network's input (see {@link ImageDecoder})
 * and held in memory as bytes, {@code c*h*w} per image (150 KB at 3 x 224 x 224): the data set must
 * fit in half the JVM's heap, or it is refused in one line before anything is decoded.
 *
 * <p>Nothing is skipped silently: a file that is not a {@code .png}, {@code .jpg} or {@code .jpeg}
 * image, a file that does not decode, an image whose header claims absurd dimensions, an empty
 * class folder, a file beside the class folders, and a folder with fewer than two classes are each
 * a {@link DataException} naming the file or folder. Hidden files and folders (names starting with
 * a dot, as {@code .DS_Store}) are left out, as {@code ls} leaves them out.
 */
public final class ImageFolders {
  /** The fraction of each class held out for validation when there is no {@code val} folder. */
  public static final double DEFAULT_VAL_FRACTION = 0.1;

  /** What the export writes: {@code png} or {@code jpg}. */
  public static final List<String> FORMATS = List.of("png", "jpg");

  private ImageFolders() {}

  /**
   * The classes and image files of one folder of class sub-folders, in sorted order.
   *
   * @param classes the class names, sorted
   * @param files every image, class by class, each class's files sorted by path
   * @param labels each file's class index
   */
  public record Listing(Path root, List<String> classes, List<Path> files, int[] labels) {
    public Listing {
      classes = List.copyOf(classes);
      files = List.copyOf(files);
    }

    public int size() {
      return files.size();
    }
  }

  /** Whether {@code dir} holds sub-folders (class folders, or {@code train}), not data files. */
  public static boolean looksLikeImageFolder(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.anyMatch(p -> Files.isDirectory(p) && !hidden(p));
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * The training and validation images in {@code dir}, decoded to {@code inputShape} ({@code [c, h,
   * w]}, c 1 or 3).
   *
   * @param valFraction the fraction of each class held out when {@code dir} has no {@code val}
   *     folder, in (0, 1)
   * @param seed picks the held-out images
   * @throws DataException naming the file or folder at fault
   */
  public static Dataset open(Path dir, List<Integer> inputShape, double valFraction, long seed)
      throws DataException {
    int[] chw = checkShape(dir.toString(), inputShape);
    if (!(valFraction > 0 && valFraction < 1)) {
      throw new IllegalArgumentException("valFraction must be in (0, 1): " + valFraction);
    }
    checkDirectory(dir);
    Path trainDir = dir.resolve("train");
    Listing train;
    Listing val;
    String how;
    if (Files.isDirectory(trainDir)) {
      train = scan(trainDir);
      Path valDir =
          Files.isDirectory(dir.resolve("val")) ? dir.resolve("val") : dir.resolve("test");
      if (Files.isDirectory(valDir)) {
        val = relabel(scan(valDir, false), train.classes());
        how = valDir.getFileName() + "/";
      } else {
        Listing[] parts = split(train, valFraction, seed);
        train = parts[0];
        val = parts[1];
        how = splitText(valFraction, seed) + " of train/";
      }
    } else {
      Listing all = scan(dir);
      Listing[] parts = split(all, valFraction, seed);
      train = parts[0];
      val = parts[1];
      how = splitText(valFraction, seed);
    }
    // Class by class, the first N training images (--limit N) would be one or two classes.
    train = shuffled(train, seed);
    checkMemory(dir.toString(), train.size() + (long) val.size(), chw);
    ImageData trainImages = decode(train, chw[0], chw[1], chw[2]);
    ImageData valImages = decode(val, chw[0], chw[1], chw[2]);
    String name = "image folder " + dir + " (validation: " + how + ")";
    return new Dataset(name, DataFormat.IMAGE_FOLDER, trainImages, valImages, train.classes())
        .withAugmentation(ImageDataSetIterator.Augmentation.RESIZED_CROP);
  }

  private static String splitText(double valFraction, long seed) {
    return String.format(Locale.ROOT, "%.3g of each class held out, seed %d", valFraction, seed);
  }

  /**
   * Every image in one folder of class sub-folders, decoded to {@code inputShape}; for {@code
   * evaluate}, whose folder may lack some classes (so it is not checked for two).
   */
  public static ImageData read(Listing listing, List<Integer> inputShape) throws DataException {
    int[] chw = checkShape(listing.root().toString(), inputShape);
    checkMemory(listing.root().toString(), listing.size(), chw);
    return decode(listing, chw[0], chw[1], chw[2]);
  }

  /** The classes and files of a folder of class sub-folders; at least two classes. */
  public static Listing scan(Path dir) throws DataException {
    return scan(dir, true);
  }

  /**
   * The classes and files of a folder of class sub-folders.
   *
   * @param needTwo refuse a folder with fewer than two classes (a training set)
   */
  public static Listing scan(Path dir, boolean needTwo) throws DataException {
    checkDirectory(dir);
    List<Path> classDirs = new ArrayList<>();
    for (Path p : sortedChildren(dir)) {
      if (hidden(p)) {
        continue;
      }
      if (Files.isDirectory(p)) {
        classDirs.add(p);
      } else {
        throw new DataException(
            p.toString(),
            "a file beside the class folders; an image folder holds one sub-folder per class, each"
                + " with its images");
      }
    }
    if (classDirs.isEmpty()) {
      throw new DataException(
          dir.toString(), "no class folders: expected one sub-folder per class holding its images");
    }
    if (needTwo && classDirs.size() == 1) {
      throw new DataException(
          dir.toString(),
          "only one class folder ("
              + classDirs.get(0).getFileName()
              + "); a classifier needs at"
              + " least two");
    }
    if (classDirs.size() > 256) {
      throw new DataException(dir.toString(), classDirs.size() + " class folders; at most 256");
    }
    List<String> classes = new ArrayList<>();
    List<Path> files = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    for (int k = 0; k < classDirs.size(); k++) {
      Path classDir = classDirs.get(k);
      classes.add(classDir.getFileName().toString());
      List<Path> images = new ArrayList<>();
      collect(classDir, images);
      if (images.isEmpty()) {
        throw new DataException(
            classDir.toString(), "empty class folder: no .png, .jpg or .jpeg files in it");
      }
      for (Path f : images) {
        files.add(f);
        labels.add(k);
      }
    }
    return new Listing(dir, classes, files, labels.stream().mapToInt(Integer::intValue).toArray());
  }

  /** The images under {@code dir}, recursively, sorted; a file of another kind is an error. */
  private static void collect(Path dir, List<Path> images) throws DataException {
    for (Path p : sortedChildren(dir)) {
      if (hidden(p)) {
        continue;
      }
      if (Files.isDirectory(p)) {
        collect(p, images);
      } else if (ImageDecoder.hasImageExtension(p)) {
        images.add(p);
      } else {
        throw new DataException(
            p.toString(), "not an image file: image folders hold .png, .jpg and .jpeg files only");
      }
    }
  }

  private static List<Path> sortedChildren(Path dir) throws DataException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.sorted(Comparator.comparing(p -> p.getFileName().toString())).toList();
    } catch (IOException e) {
      throw new DataException(dir.toString(), "cannot be listed (" + e.getMessage() + ")", e);
    }
  }

  private static boolean hidden(Path p) {
    return p.getFileName().toString().startsWith(".");
  }

  private static void checkDirectory(Path dir) throws DataException {
    if (!Files.exists(dir)) {
      throw new DataException(dir.toString(), "no such directory");
    }
    if (!Files.isDirectory(dir)) {
      throw new DataException(dir.toString(), "not a directory");
    }
  }

  /**
   * {@code listing}'s files labelled by their class's index in {@code classes} (a model's classes,
   * say), refusing a folder whose name is not one of them.
   */
  public static Listing relabel(Listing listing, List<String> classes) throws DataException {
    Map<String, Integer> index = new HashMap<>();
    for (int k = 0; k < classes.size(); k++) {
      index.put(classes.get(k), k);
    }
    int[] labels = new int[listing.size()];
    for (int i = 0; i < labels.length; i++) {
      String name = listing.classes().get(listing.labels()[i]);
      Integer k = index.get(name);
      if (k == null) {
        throw new DataException(
            listing.root().resolve(name).toString(),
            "a class the training folder does not have (it has "
                + String.join(", ", classes)
                + ")");
      }
      labels[i] = k;
    }
    return new Listing(listing.root(), classes, listing.files(), labels);
  }

  /**
   * Holds out {@code round(n * fraction)} images of every class of n >= 2 images (at least one, and
   * never all), chosen by a shuffle seeded with {@code seed} and the class index; both parts keep
   * file order.
   */
  static Listing[] split(Listing all, double fraction, long seed) throws DataException {
    int classes = all.classes().size();
    List<List<Integer>> byClass = new ArrayList<>();
    for (int k = 0; k < classes; k++) {
      byClass.add(new ArrayList<>());
    }
    for (int i = 0; i < all.size(); i++) {
      byClass.get(all.labels()[i]).add(i);
    }
    Set<Integer> held = new HashSet<>();
    for (int k = 0; k < classes; k++) {
      List<Integer> members = byClass.get(k);
      int n = members.size();
      if (n < 2) {
        continue;
      }
      int take = (int) Math.max(1, Math.min(n - 1, Math.round(n * fraction)));
      int[] order =
          EpochOrderedIterator.epochOrder(
              n, new SplittableRandom(EpochOrderedIterator.mix(seed, k)));
      for (int j = 0; j < take; j++) {
        held.add(members.get(order[j]));
      }
    }
    if (held.isEmpty()) {
      throw new DataException(
          all.root().toString(),
          "too few images to hold out a validation set (every class has one); add images or a"
              + " val/ folder");
    }
    List<Path> trainFiles = new ArrayList<>();
    List<Integer> trainLabels = new ArrayList<>();
    List<Path> valFiles = new ArrayList<>();
    List<Integer> valLabels = new ArrayList<>();
    for (int i = 0; i < all.size(); i++) {
      boolean val = held.contains(i);
      (val ? valFiles : trainFiles).add(all.files().get(i));
      (val ? valLabels : trainLabels).add(all.labels()[i]);
    }
    return new Listing[] {
      new Listing(all.root(), all.classes(), trainFiles, ints(trainLabels)),
      new Listing(all.root(), all.classes(), valFiles, ints(valLabels))
    };
  }

  /** Each file's position in path order. */
  private static int[] pathRanks(List<Path> files) {
    Integer[] byPath = new Integer[files.size()];
    for (int i = 0; i < byPath.length; i++) {
      byPath[i] = i;
    }
    Arrays.sort(byPath, Comparator.comparing(files::get));
    int[] rank = new int[byPath.length];
    for (int r = 0; r < byPath.length; r++) {
      rank[byPath[r]] = r;
    }
    return rank;
  }

  /** The listing in an order shuffled by {@code seed}, so that any prefix mixes the classes. */
  static Listing shuffled(Listing listing, long seed) {
    int[] order = EpochOrderedIterator.epochOrder(listing.size(), new SplittableRandom(seed));
    List<Path> files = new ArrayList<>();
    int[] labels = new int[order.length];
    for (int i = 0; i < order.length; i++) {
      files.add(listing.files().get(order[i]));
      labels[i] = listing.labels()[order[i]];
    }
    return new Listing(listing.root(), listing.classes(), files, labels);
  }

  private static int[] ints(List<Integer> list) {
    return list.stream().mapToInt(Integer::intValue).toArray();
  }

  /**
   * The decoded size for a network's input. Pictures are grey or RGB, so only those two channel
   * counts have a meaning a decoder can give them; anything else is one line naming the declared
   * shape.
   */
  private static int[] checkShape(String source, List<Integer> inputShape) throws DataException {
    String wanted =
        "an image folder feeds a network that reads pictures, input [1, h, w] (grey) or [3, h, w]"
            + " (RGB)";
    if (inputShape.size() != 3) {
      throw new DataException(
          source,
          wanted
              + "; this one declares "
              + inputShape
              + (inputShape.size() == 1 ? ", a flat vector" : ", a sequence")
              + ", which an image folder cannot fill");
    }
    if (inputShape.get(0) != 1 && inputShape.get(0) != 3) {
      throw new DataException(
          source,
          wanted
              + "; this one declares "
              + inputShape
              + " with "
              + inputShape.get(0)
              + " channels: declare @Input(channels = 1) or 3");
    }
    return new int[] {inputShape.get(0), inputShape.get(1), inputShape.get(2)};
  }

  /** Refuses, before decoding, a data set whose bytes would not fit in half the heap. */
  static void checkMemory(String source, long images, int[] chw) throws DataException {
    long bytes = images * chw[0] * chw[1] * chw[2];
    long budget = Math.min(Integer.MAX_VALUE - 16L, Runtime.getRuntime().maxMemory() / 2);
    if (bytes > budget) {
      throw new DataException(
          source,
          String.format(
              Locale.ROOT,
              "%,d images of [%d, %d, %d] take %,d MB decoded, more than the %,d MB skipwire holds"
                  + " in memory (half the heap, at most 2 GB); use fewer images, a smaller input or a"
                  + " larger -Xmx",
              images,
              chw[0],
              chw[1],
              chw[2],
              bytes >> 20,
              budget >> 20));
    }
  }

  /**
   * Decodes every file of the listing on all cores. The error reported is that of the first bad
   * file in path order, whatever order the listing has and the threads finish in: a thread skips
   * only files after a known bad one.
   */
  static ImageData decode(Listing listing, int c, int h, int w) throws DataException {
    int n = listing.size();
    int size = c * h * w;
    byte[] pixels = new byte[n * size];
    byte[] labels = new byte[n];
    int[] rank = pathRanks(listing.files());
    AtomicInteger firstBad = new AtomicInteger(Integer.MAX_VALUE);
    AtomicReferenceArray<DataException> errors = new AtomicReferenceArray<>(n);
    int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
    ForkJoinPool pool = new ForkJoinPool(threads);
    try {
      pool.submit(
              () ->
                  IntStream.range(0, n)
                      .parallel()
                      .forEach(
                          i -> {
                            labels[i] = (byte) listing.labels()[i];
                            if (rank[i] > firstBad.get()) {
                              return;
                            }
                            try {
                              ImageDecoder.decode(
                                  listing.files().get(i), c, h, w, pixels, i * size);
                            } catch (DataException e) {
                              errors.set(rank[i], e);
                              firstBad.accumulateAndGet(rank[i], Math::min);
                            }
                          }))
          .get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DataException(listing.root().toString(), "interrupted while decoding", e);
    } catch (ExecutionException e) {
      throw new DataException(
          listing.root().toString(), "decoding failed (" + e.getCause() + ")", e.getCause());
    } finally {
      pool.shutdown();
    }
    int bad = firstBad.get();
    if (bad != Integer.MAX_VALUE) {
      throw errors.get(bad);
    }
    return new ImageData(
        listing.root().toString(), c, h, w, pixels, labels, listing.classes().size());
  }

  /**
   * Writes a data set's training and test images as {@code out/train/<class>/<n>.png} and {@code
   * out/val/<class>/<n>.png} (or {@code .jpg}), class names made folder-safe ({@code T-shirt/top}
   * becomes {@code T-shirt-top}): what {@code skipwire export-images} writes from the embedded
   * Fashion-MNIST subset, and what the tests train on.
   *
   * @param trainLimit the first so many training images (0: all)
   * @param valLimit the first so many test images (0: all)
   * @return the number of files written
   */
  public static int write(Dataset data, Path out, String format, int trainLimit, int valLimit)
      throws IOException {
    if (!FORMATS.contains(format)) {
      throw new IllegalArgumentException("format must be png or jpg: " + format);
    }
    List<String> folders = folderNames(data);
    int written = write(data.train().first(trainLimit), out.resolve("train"), folders, format);
    written += write(data.test().first(valLimit), out.resolve("val"), folders, format);
    return written;
  }

  /** One folder-safe name per class, distinct. */
  static List<String> folderNames(Dataset data) {
    List<String> names = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (int k = 0; k < data.numClasses(); k++) {
      String name = k < data.classNames().size() ? data.classNames().get(k) : Integer.toString(k);
      String safe = name.replaceAll("[/\\\\:\\p{Cntrl}]", "-").strip();
      if (safe.isEmpty() || safe.startsWith(".") || !seen.add(safe)) {
        safe = String.format(Locale.ROOT, "%03d-%s", k, safe.replaceFirst("^\\.+", ""));
        seen.add(safe);
      }
      names.add(safe);
    }
    return names;
  }

  private static int write(ImageData images, Path dir, List<String> folders, String format)
      throws IOException {
    // Only classes with images get a folder: an empty one would be refused on reading.
    int[] counts = images.classCounts();
    for (int k = 0; k < folders.size(); k++) {
      if (k < counts.length && counts[k] > 0) {
        Files.createDirectories(dir.resolve(folders.get(k)));
      }
    }
    int c = images.channels();
    int h = images.height();
    int w = images.width();
    int[] perClass = new int[folders.size()];
    for (int i = 0; i < images.size(); i++) {
      BufferedImage image =
          new BufferedImage(
              w, h, c == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
      if (c == 1) {
        byte[] target = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
        System.arraycopy(images.pixelArray(), i * images.imageSize(), target, 0, h * w);
      } else {
        for (int y = 0; y < h; y++) {
          for (int x = 0; x < w; x++) {
            int rgb = 0;
            for (int ch = 0; ch < 3; ch++) {
              rgb = (rgb << 8) | images.pixel(i, ch, y, x);
            }
            image.setRGB(x, y, rgb);
          }
        }
      }
      int label = images.label(i);
      Path file =
          dir.resolve(folders.get(label))
              .resolve(String.format(Locale.ROOT, "%05d.%s", perClass[label]++, format));
      if (!ImageIO.write(image, format, file.toFile())) {
        throw new IOException(file + ": no ImageIO writer for " + format);
      }
    }
    return images.size();
  }
}
