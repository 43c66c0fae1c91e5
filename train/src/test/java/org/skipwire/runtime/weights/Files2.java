package org.skipwire.runtime.weights;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Hand-made weights files, honest and hostile, for the reader tests. */
final class Files2 {
  private Files2() {}

  /** A safetensors file with this header text and these data bytes. */
  static Path safetensors(Path dir, String name, String header, byte[] data) throws IOException {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(h.length).put(h).put(data);
    Path p = dir.resolve(name);
    Files.write(p, b.array());
    return p;
  }

  static byte[] floats(float... v) {
    ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(v);
    return b.array();
  }

  /** A torch.save-style zip: archive/data.pkl plus storages archive/data/KEY. */
  static Path zip(Path dir, String name, byte[] pickle, Map<String, byte[]> storages)
      throws IOException {
    Path p = dir.resolve(name);
    try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(p))) {
      z.putNextEntry(new ZipEntry("archive/data.pkl"));
      z.write(pickle);
      z.closeEntry();
      for (Map.Entry<String, byte[]> e : storages.entrySet()) {
        z.putNextEntry(new ZipEntry("archive/data/" + e.getKey()));
        z.write(e.getValue());
        z.closeEntry();
      }
    }
    return p;
  }

  /** Writes pickle opcodes, protocol 2, as torch.save does. */
  static final class Pickle {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Pickle() {
      op(0x80).op(2);
    }

    Pickle op(int b) {
      out.write(b);
      return this;
    }

    Pickle global(String module, String name) {
      op('c');
      out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
      return this;
    }

    Pickle str(String s) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      op('X');
      out.writeBytes(
          ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array());
      out.writeBytes(b);
      return this;
    }

    Pickle integer(int v) {
      op('J');
      out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
      return this;
    }

    /** {@code OrderedDict()} on the stack. */
    Pickle orderedDict() {
      return global("collections", "OrderedDict").op(')').op('R');
    }

    /**
     * Pushes {@code _rebuild_tensor_v2(storage(key, type, numel), offset, size, stride, False,
     * OrderedDict())}.
     */
    Pickle tensor(String storageType, String key, int numel, int offset, int[] size, int[] stride) {
      global("torch._utils", "_rebuild_tensor_v2");
      op('(');
      op('(')
          .str("storage")
          .global("torch", storageType)
          .str(key)
          .str("cpu")
          .integer(numel)
          .op('t')
          .op('Q');
      integer(offset);
      op('(');
      for (int s : size) {
        integer(s);
      }
      op('t');
      op('(');
      for (int s : stride) {
        integer(s);
      }
      op('t');
      op(0x89);
      orderedDict();
      op('t').op('R');
      return this;
    }

    byte[] stop() {
      op('.');
      return out.toByteArray();
    }
  }
}
