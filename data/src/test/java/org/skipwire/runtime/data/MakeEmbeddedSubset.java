package org.skipwire.runtime.data;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Regenerates the embedded Fashion-MNIST subset from the full IDX files (Debian's {@code
 * dataset-fashion-mnist} installs them under {@code /usr/share/datasets/fashion-mnist}): the first
 * {@code N} training and the first {@code M} test images and labels, unchanged, in IDX format,
 * gzipped at level 9. JDK only, so it runs as a single-file program:
 *
 * <pre>
 * java runtime/src/test/java/org/skipwire/runtime/data/MakeEmbeddedSubset.java \
 *     /usr/share/datasets/fashion-mnist \
 *     runtime/src/main/resources/org/skipwire/runtime/data/fashion-mnist 8000 1000
 * </pre>
 *
 * <p>Java writes gzip headers without a time stamp, so the output depends only on the input and the
 * JDK's zlib.
 */
public final class MakeEmbeddedSubset {
  private MakeEmbeddedSubset() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 4) {
      System.err.println("usage: MakeEmbeddedSubset FULL_DIR OUT_DIR TRAIN_COUNT TEST_COUNT");
      System.exit(2);
    }
    Path in = Path.of(args[0]);
    Path out = Path.of(args[1]);
    int train = Integer.parseInt(args[2]);
    int test = Integer.parseInt(args[3]);
    Files.createDirectories(out);
    copy(in, out, "train-images-idx3-ubyte", train);
    copy(in, out, "train-labels-idx1-ubyte", train);
    copy(in, out, "t10k-images-idx3-ubyte", test);
    copy(in, out, "t10k-labels-idx1-ubyte", test);
  }

  /** Copies the first {@code count} items of one IDX file, rewriting the count in its header. */
  static void copy(Path inDir, Path outDir, String name, int count) throws IOException {
    Path src = inDir.resolve(name + ".gz");
    if (!Files.exists(src)) {
      src = inDir.resolve(name);
    }
    byte[] subset;
    try (InputStream raw = Files.newInputStream(src);
        DataInputStream in =
            new DataInputStream(src.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw)) {
      int magic = in.readInt();
      int dims = magic & 0xFF;
      int[] shape = new int[dims];
      for (int d = 0; d < dims; d++) {
        shape[d] = in.readInt();
      }
      if (count > shape[0]) {
        throw new IllegalArgumentException(src + " has only " + shape[0] + " items");
      }
      long itemSize = 1;
      for (int d = 1; d < dims; d++) {
        itemSize *= shape[d];
      }
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      DataOutputStream header = new DataOutputStream(bytes);
      header.writeInt(magic);
      header.writeInt(count);
      for (int d = 1; d < dims; d++) {
        header.writeInt(shape[d]);
      }
      header.write(in.readNBytes((int) (count * itemSize)));
      subset = bytes.toByteArray();
    }
    Path dst = outDir.resolve(name + ".gz");
    try (OutputStream os = Files.newOutputStream(dst);
        GZIPOutputStream gz =
            new GZIPOutputStream(os, 1 << 16) {
              {
                def.setLevel(Deflater.BEST_COMPRESSION);
              }
            }) {
      gz.write(subset);
    }
    System.out.printf("%s: %d items, %d bytes%n", dst, count, Files.size(dst));
  }
}
