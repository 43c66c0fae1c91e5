package org.skipwire.runtime.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Writes small IDX and CIFAR-10 files for the reader tests, and checks error messages. */
final class TestFiles {
  private TestFiles() {}

  /** An IDX file: magic, the given dimensions, then the body bytes. */
  static byte[] idx(int magic, int[] dims, byte[] body) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeInt(magic);
      for (int d : dims) {
        out.writeInt(d);
      }
      out.write(body);
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** {@code n} images of {@code rows x cols}; pixel value {@code (i * 31 + k) % 256}. */
  static byte[] images(int n, int rows, int cols) {
    byte[] body = new byte[n * rows * cols];
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < rows * cols; k++) {
        body[i * rows * cols + k] = (byte) ((i * 31 + k) % 256);
      }
    }
    return idx(IdxReader.IMAGES_MAGIC, new int[] {n, rows, cols}, body);
  }

  /** {@code n} labels {@code i % classes}. */
  static byte[] labels(int n, int classes) {
    byte[] body = new byte[n];
    for (int i = 0; i < n; i++) {
      body[i] = (byte) (i % classes);
    }
    return idx(IdxReader.LABELS_MAGIC, new int[] {n}, body);
  }

  static Path write(Path file, byte[] content, boolean gzip) throws IOException {
    if (!gzip) {
      return Files.write(file, content);
    }
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
      out.write(content);
    }
    return file;
  }

  static byte[] gzip(byte[] content) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (OutputStream out = new GZIPOutputStream(bytes)) {
      out.write(content);
    }
    return bytes.toByteArray();
  }

  /** A complete IDX directory: {@code train} training and {@code test} test images of 4x4. */
  static Path idxDir(Path dir, int train, int test, boolean gzip) throws IOException {
    String gz = gzip ? ".gz" : "";
    write(dir.resolve("train-images-idx3-ubyte" + gz), images(train, 4, 4), gzip);
    write(dir.resolve("train-labels-idx1-ubyte" + gz), labels(train, 10), gzip);
    write(dir.resolve("t10k-images-idx3-ubyte" + gz), images(test, 4, 4), gzip);
    write(dir.resolve("t10k-labels-idx1-ubyte" + gz), labels(test, 10), gzip);
    return dir;
  }

  /**
   * {@code n} CIFAR-10 records; record {@code i} has label {@code i % 10} and pixel {@code (c, y,
   * x)} = {@code (i + 7c + 3y + x) % 256}.
   */
  static byte[] cifar(int n) {
    byte[] out = new byte[n * CifarReader.RECORD];
    for (int i = 0; i < n; i++) {
      int off = i * CifarReader.RECORD;
      out[off] = (byte) (i % 10);
      for (int c = 0; c < 3; c++) {
        for (int y = 0; y < 32; y++) {
          for (int x = 0; x < 32; x++) {
            out[off + 1 + c * 1024 + y * 32 + x] = (byte) ((i + 7 * c + 3 * y + x) % 256);
          }
        }
      }
    }
    return out;
  }

  /** A CIFAR-10 directory with 5 training batches of {@code perBatch} records and a test batch. */
  static Path cifarDir(Path dir, int perBatch, int test) throws IOException {
    Files.createDirectories(dir);
    for (int b = 1; b <= 5; b++) {
      Files.write(dir.resolve("data_batch_" + b + ".bin"), cifar(perBatch));
    }
    Files.write(dir.resolve("test_batch.bin"), cifar(test));
    return dir;
  }

  /** The message is one line, starts with the file and contains the given words. */
  static void assertMessage(DataException e, Path file, String... words) {
    assertMessage(e, file.toString(), words);
  }

  static void assertMessage(DataException e, String source, String... words) {
    String m = e.getMessage();
    assertFalse(m.contains("\n") || m.contains("\r"), () -> "not one line: " + m);
    assertTrue(m.startsWith(source + ": "), () -> "does not start with " + source + ": " + m);
    assertEquals(source, e.source());
    for (String w : words) {
      assertTrue(m.contains(w), () -> "no '" + w + "' in: " + m);
    }
  }
}
