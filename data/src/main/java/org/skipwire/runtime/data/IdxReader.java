package org.skipwire.runtime.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads the IDX files of MNIST and Fashion-MNIST, plain or gzipped (recognised by the gzip magic
 * bytes, not the file name). The format (http://yann.lecun.com/exdb/mnist/): a big-endian magic
 * number {@code 0x0000TTDD} (type {@code TT} = 0x08 for unsigned bytes, {@code DD} dimensions), one
 * big-endian int per dimension, then the data. Every problem becomes a {@link DataException} that
 * names the file.
 */
public final class IdxReader {
  /** Unsigned bytes, one dimension: labels. */
  public static final int LABELS_MAGIC = 0x0801;

  /** Unsigned bytes, three dimensions (count, rows, columns): images. */
  public static final int IMAGES_MAGIC = 0x0803;

  private static final int MAX_SIDE = 4096;

  private IdxReader() {}

  /** The images of an IDX file: {@code count} images of {@code rows x cols} unsigned bytes. */
  public record Images(String source, int count, int rows, int cols, byte[] pixels) {}

  /** Reads an images file ({@code *-images-idx3-ubyte}, optionally {@code .gz}). */
  public static Images readImages(Path file) throws DataException {
    try (InputStream in = open(file)) {
      return readImages(in, file.toString(), rawSize(in, file));
    } catch (DataException e) {
      throw e;
    } catch (IOException e) {
      throw ioProblem(file.toString(), e);
    }
  }

  /** Reads a labels file ({@code *-labels-idx1-ubyte}, optionally {@code .gz}). */
  public static byte[] readLabels(Path file) throws DataException {
    try (InputStream in = open(file)) {
      return readLabels(in, file.toString(), rawSize(in, file));
    } catch (DataException e) {
      throw e;
    } catch (IOException e) {
      throw ioProblem(file.toString(), e);
    }
  }

  /**
   * Reads an images file and its labels file into one set; the counts must agree and every label
   * must be below {@code numClasses}.
   */
  public static ImageData read(Path images, Path labels, int numClasses) throws DataException {
    Images im = readImages(images);
    byte[] lb = readLabels(labels);
    return combine(im, lb, labels.toString(), numClasses);
  }

  static ImageData combine(Images im, byte[] labels, String labelSource, int numClasses)
      throws DataException {
    if (labels.length != im.count()) {
      throw new DataException(
          labelSource,
          labels.length + " labels but " + im.source() + " has " + im.count() + " images");
    }
    for (int i = 0; i < labels.length; i++) {
      int label = labels[i] & 0xFF;
      if (label >= numClasses) {
        throw new DataException(
            labelSource,
            "label " + label + " at index " + i + " is outside 0.." + (numClasses - 1));
      }
    }
    return new ImageData(im.source(), 1, im.rows(), im.cols(), im.pixels(), labels, numClasses);
  }

  /** The largest label in the file plus one, or 0 for no labels. */
  static int classesIn(byte[] labels) {
    int max = -1;
    for (byte b : labels) {
      max = Math.max(max, b & 0xFF);
    }
    return max + 1;
  }

  static Images readImages(InputStream in, String source, long rawSize) throws DataException {
    DataInputStream data = new DataInputStream(in);
    readMagic(data, source, IMAGES_MAGIC);
    int count = readDim(data, source, "image count");
    int rows = readDim(data, source, "row count");
    int cols = readDim(data, source, "column count");
    if (rows < 1 || cols < 1 || rows > MAX_SIDE || cols > MAX_SIDE) {
      throw new DataException(
          source,
          "header gives images of " + rows + "x" + cols + ", expected sides in 1.." + MAX_SIDE);
    }
    if (count < 1) {
      throw new DataException(source, "header gives " + count + " images, expected at least 1");
    }
    int image = rows * cols;
    long expected = (long) count * image;
    if (expected > Integer.MAX_VALUE - 16) {
      throw new DataException(
          source, "header gives " + count + " images of " + rows + "x" + cols + ", more than 2 GB");
    }
    String promise = count + " images of " + rows + "x" + cols;
    checkRawSize(source, rawSize, 16, expected, promise, image, "images");
    byte[] pixels = readBody(data, source, (int) expected, promise, image, "images");
    return new Images(source, count, rows, cols, pixels);
  }

  static byte[] readLabels(InputStream in, String source, long rawSize) throws DataException {
    DataInputStream data = new DataInputStream(in);
    readMagic(data, source, LABELS_MAGIC);
    int count = readDim(data, source, "label count");
    if (count < 1) {
      throw new DataException(source, "header gives " + count + " labels, expected at least 1");
    }
    String promise = count + " labels";
    checkRawSize(source, rawSize, 8, count, promise, 1, "labels");
    return readBody(data, source, count, promise, 1, "labels");
  }

  /** Opens a file, unwrapping gzip when the first two bytes are the gzip magic 1f 8b. */
  static InputStream open(Path file) throws IOException {
    InputStream raw;
    try {
      raw = Files.newInputStream(file);
    } catch (NoSuchFileException e) {
      throw new DataException(file.toString(), "file not found");
    }
    return unwrap(raw);
  }

  /** Wraps a stream in gzip decompression when it starts with the gzip magic. */
  static InputStream unwrap(InputStream raw) throws IOException {
    BufferedInputStream in = new BufferedInputStream(raw, 1 << 16);
    in.mark(2);
    int b0 = in.read();
    int b1 = in.read();
    in.reset();
    if (b0 == 0x1f && b1 == 0x8b) {
      return new GZIPInputStream(in, 1 << 16);
    }
    return in;
  }

  /** The file size when the stream reads it uncompressed, else -1 (size unknown in advance). */
  private static long rawSize(InputStream in, Path file) throws IOException {
    return in instanceof GZIPInputStream ? -1 : Files.size(file);
  }

  /** For an uncompressed file the size is known up front: check it before reading the body. */
  private static void checkRawSize(
      String source, long rawSize, int header, long body, String promise, int unit, String what)
      throws DataException {
    long expected = header + body;
    if (rawSize < 0 || rawSize == expected) {
      return;
    }
    if (rawSize < expected) {
      long whole = Math.max(0, rawSize - header) / unit;
      throw new DataException(
          source,
          "truncated: header promises "
              + promise
              + " ("
              + expected
              + " bytes) but the file has "
              + rawSize
              + " bytes ("
              + whole
              + " complete "
              + what
              + ")");
    }
    throw new DataException(
        source,
        (rawSize - expected)
            + " unexpected bytes after the data; header promises "
            + promise
            + " ("
            + expected
            + " bytes)");
  }

  private static byte[] readBody(
      DataInputStream in, String source, int length, String promise, int unit, String what)
      throws DataException {
    byte[] body;
    try {
      // readNBytes grows its buffer as data arrives, so a lying header on a short file does not
      // allocate the promised size up front.
      body = in.readNBytes(length);
    } catch (EOFException e) {
      throw new DataException(
          source, "truncated: compressed data ends early; header promises " + promise);
    } catch (ZipException e) {
      throw new DataException(source, "corrupt gzip data (" + e.getMessage() + ")");
    } catch (IOException e) {
      throw ioProblem(source, e);
    }
    if (body.length < length) {
      throw new DataException(
          source,
          "truncated: header promises "
              + promise
              + " but the data ends after "
              + (body.length / unit)
              + " complete "
              + what);
    }
    try {
      if (in.read() != -1) {
        throw new DataException(
            source, "unexpected data after the last of the " + promise + " the header promises");
      }
    } catch (EOFException e) {
      // GZIPInputStream reports a missing trailer this way: the data itself was complete.
      throw new DataException(source, "truncated: gzip trailer missing after the " + promise);
    } catch (ZipException e) {
      throw new DataException(source, "corrupt gzip data (" + e.getMessage() + ")");
    } catch (DataException e) {
      throw e;
    } catch (IOException e) {
      throw ioProblem(source, e);
    }
    return body;
  }

  private static int readMagic(DataInputStream in, String source, int expected)
      throws DataException {
    int magic;
    try {
      magic = in.readInt();
    } catch (EOFException e) {
      throw new DataException(source, "truncated: the file ends inside the IDX header");
    } catch (ZipException e) {
      throw new DataException(source, "corrupt gzip data (" + e.getMessage() + ")");
    } catch (IOException e) {
      throw ioProblem(source, e);
    }
    if (magic != expected) {
      throw new DataException(
          source,
          "expected magic "
              + expected
              + " ("
              + describe(expected)
              + "), found "
              + magic
              + " ("
              + describe(magic)
              + ")");
    }
    return magic;
  }

  private static int readDim(DataInputStream in, String source, String what) throws DataException {
    try {
      return in.readInt();
    } catch (EOFException e) {
      throw new DataException(
          source, "truncated: the file ends inside the IDX header (" + what + ")");
    } catch (ZipException e) {
      throw new DataException(source, "corrupt gzip data (" + e.getMessage() + ")");
    } catch (IOException e) {
      throw ioProblem(source, e);
    }
  }

  /** Names an IDX magic number for messages: {@code IDX images}, {@code not an IDX file}. */
  static String describe(int magic) {
    if (magic == LABELS_MAGIC) {
      return "IDX labels";
    }
    if (magic == IMAGES_MAGIC) {
      return "IDX images";
    }
    if ((magic >>> 16) == 0) {
      String type =
          switch ((magic >>> 8) & 0xFF) {
            case 0x08 -> "unsigned byte";
            case 0x09 -> "signed byte";
            case 0x0B -> "short";
            case 0x0C -> "int";
            case 0x0D -> "float";
            case 0x0E -> "double";
            default -> null;
          };
      if (type != null) {
        return "IDX " + type + " data with " + (magic & 0xFF) + " dimensions";
      }
    }
    return "not an IDX file";
  }

  static DataException ioProblem(String source, IOException e) {
    if (e instanceof DataException d) {
      return d;
    }
    if (e instanceof NoSuchFileException) {
      return new DataException(source, "file not found", e);
    }
    String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return new DataException(source, "cannot read (" + why + ")", e);
  }
}
