package org.skipwire.runtime.weights;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * NumPy's {@code .npy} format for float32 arrays, as {@code numpy.save} writes them: the magic
 * {@code \x93NUMPY}, a version, a header dictionary ({@code descr}, {@code fortran_order}, {@code
 * shape}), then the data. Reads little-endian float32 ({@code <f4}) in C order; writes version 1.0.
 */
public final class Npy {
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
  private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");
  private static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

  private Npy() {}

  /** Reads a float32 array. */
  public static INDArray read(Path path) throws WeightsException {
    String src = path.toString();
    byte[] all;
    try (InputStream in = Files.newInputStream(path)) {
      byte[] pre = in.readNBytes(10);
      if (pre.length < 10 || !java.util.Arrays.equals(java.util.Arrays.copyOf(pre, 6), MAGIC)) {
        throw new WeightsException(src, "not a .npy file (no \\x93NUMPY magic)");
      }
      int major = pre[6];
      ByteBuffer b = ByteBuffer.wrap(pre).order(ByteOrder.LITTLE_ENDIAN);
      long headerLen;
      if (major == 1) {
        headerLen = b.getShort(8) & 0xffff;
      } else if (major == 2 || major == 3) {
        byte[] more = in.readNBytes(2);
        if (more.length < 2) {
          throw new WeightsException(src, "truncated header");
        }
        headerLen =
            ((pre[8] & 0xffL)
                | (pre[9] & 0xffL) << 8
                | (more[0] & 0xffL) << 16
                | (more[1] & 0xffL) << 24);
      } else {
        throw new WeightsException(src, ".npy version " + major + " is not supported");
      }
      if (headerLen > 1 << 20) {
        throw new WeightsException(src, "header of " + headerLen + " bytes is implausible");
      }
      byte[] h = in.readNBytes((int) headerLen);
      if (h.length < headerLen) {
        throw new WeightsException(src, "truncated header");
      }
      String header = new String(h, StandardCharsets.ISO_8859_1);
      Matcher d = DESCR.matcher(header);
      Matcher f = FORTRAN.matcher(header);
      Matcher s = SHAPE.matcher(header);
      if (!d.find() || !f.find() || !s.find()) {
        throw new WeightsException(
            src, "header without descr, fortran_order and shape: " + header.strip());
      }
      if (!d.group(1).equals("<f4") && !d.group(1).equals("|f4")) {
        throw new WeightsException(
            src,
            "dtype "
                + d.group(1)
                + " is not little-endian float32 (<f4); save with .astype(numpy.float32)");
      }
      if (f.group(1).equals("True")) {
        throw new WeightsException(
            src, "Fortran order is not supported; save a C-contiguous array");
      }
      List<Long> shape = new ArrayList<>();
      long n = 1;
      for (String part : s.group(1).split(",")) {
        if (part.isBlank()) {
          continue;
        }
        try {
          long dim = Long.parseLong(part.strip());
          if (dim < 0) {
            throw new NumberFormatException();
          }
          shape.add(dim);
          n = Math.multiplyExact(n, dim);
        } catch (NumberFormatException | ArithmeticException e) {
          throw new WeightsException(src, "bad shape (" + s.group(1) + ")");
        }
      }
      if (n > MAX_ELEMENTS / 4) {
        throw new WeightsException(src, "shape " + shape + " is too large");
      }
      all = in.readNBytes((int) (4 * n));
      if (all.length < 4 * n) {
        throw new WeightsException(
            src,
            "truncated: shape " + shape + " needs " + 4 * n + " data bytes, found " + all.length);
      }
      float[] v = new float[(int) n];
      ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
      long[] dims = shape.stream().mapToLong(Long::longValue).toArray();
      return Nd4j.create(v, dims.length == 0 ? new long[] {1} : dims, 'c');
    } catch (NoSuchFileException e) {
      throw new WeightsException(src, "no such file");
    } catch (IOException e) {
      if (e instanceof WeightsException w) {
        throw w;
      }
      throw new WeightsException(src, "cannot read: " + e.getMessage());
    }
  }

  /** Writes {@code array} as float32, C order, version 1.0. */
  public static void write(INDArray array, Path path) throws IOException {
    StringBuilder shape = new StringBuilder();
    for (long d : array.shape()) {
      shape.append(d).append(", ");
    }
    String dims =
        array.rank() == 1
            ? array.shape()[0] + ","
            : shape.substring(0, Math.max(0, shape.length() - 2));
    String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
    int total = MAGIC.length + 4 + dict.length() + 1;
    int pad = (64 - total % 64) % 64;
    String header = dict + " ".repeat(pad) + "\n";
    float[] v =
        array
            .castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT)
            .dup('c')
            .reshape(array.length())
            .toFloatVector();
    ByteBuffer data = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    data.asFloatBuffer().put(v);
    try (OutputStream out = Files.newOutputStream(path)) {
      out.write(MAGIC);
      out.write(new byte[] {1, 0, (byte) header.length(), (byte) (header.length() >> 8)});
      out.write(header.getBytes(StandardCharsets.ISO_8859_1));
      out.write(data.array());
    }
  }
}
