package org.skipwire.runtime.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads the CIFAR-10 binary version ({@code cifar-10-binary.tar.gz}, unpacked): each file is a run
 * of 3073-byte records, one label byte (0..9) then 3x32x32 pixel bytes, red plane, green plane,
 * blue plane, rows top to bottom. The training set is {@code data_batch_1.bin} to {@code
 * data_batch_5.bin}, the test set {@code test_batch.bin}.
 */
public final class CifarReader {
  public static final int CHANNELS = 3;
  public static final int SIDE = 32;
  public static final int CLASSES = 10;

  /** One label byte and 3x32x32 pixels. */
  public static final int RECORD = 1 + CHANNELS * SIDE * SIDE;

  private CifarReader() {}

  /** Reads the records of the given files, in order, into one set. */
  public static ImageData read(List<Path> files) throws DataException {
    if (files.isEmpty()) {
      throw new IllegalArgumentException("no files");
    }
    byte[][] contents = new byte[files.size()][];
    long records = 0;
    for (int f = 0; f < files.size(); f++) {
      contents[f] = readFile(files.get(f));
      records += contents[f].length / RECORD;
    }
    if (records * (RECORD - 1) > Integer.MAX_VALUE - 16) {
      throw new DataException(files.get(0).toString(), "too many records for one set: " + records);
    }
    int n = (int) records;
    byte[] labels = new byte[n];
    byte[] pixels = new byte[n * (RECORD - 1)];
    int i = 0;
    for (byte[] content : contents) {
      for (int off = 0; off < content.length; off += RECORD, i++) {
        labels[i] = content[off];
        System.arraycopy(content, off + 1, pixels, i * (RECORD - 1), RECORD - 1);
      }
    }
    String source =
        files.size() == 1 ? files.get(0).toString() : files.get(0).getParent() + "/" + names(files);
    return new ImageData(source, CHANNELS, SIDE, SIDE, pixels, labels, CLASSES);
  }

  private static String names(List<Path> files) {
    StringBuilder b = new StringBuilder("{");
    for (Path p : files) {
      b.append(b.length() > 1 ? "," : "").append(p.getFileName());
    }
    return b.append('}').toString();
  }

  /** Reads and checks one file: whole records, labels 0..9. */
  static byte[] readFile(Path file) throws DataException {
    String source = file.toString();
    byte[] content;
    try (InputStream in = Files.newInputStream(file)) {
      content = in.readAllBytes();
    } catch (IOException e) {
      throw IdxReader.ioProblem(source, e);
    }
    if (content.length >= 2 && (content[0] & 0xFF) == 0x1f && (content[1] & 0xFF) == 0x8b) {
      throw new DataException(
          source,
          "gzip-compressed; unpack cifar-10-binary.tar.gz and point at cifar-10-batches-bin");
    }
    if (content.length == 0) {
      throw new DataException(source, "empty file, expected 3073-byte CIFAR-10 records");
    }
    if (content.length % RECORD != 0) {
      throw new DataException(
          source,
          "truncated or not CIFAR-10 binary: "
              + content.length
              + " bytes is not a whole number of "
              + RECORD
              + "-byte records (label + 3x32x32 pixels); "
              + (content.length / RECORD)
              + " complete records");
    }
    for (int off = 0, r = 0; off < content.length; off += RECORD, r++) {
      int label = content[off] & 0xFF;
      if (label >= CLASSES) {
        throw new DataException(
            source,
            "record "
                + r
                + " has label "
                + label
                + ", expected 0..9 (CIFAR-100 files have two label"
                + " bytes and are not supported)");
      }
    }
    return content;
  }
}
