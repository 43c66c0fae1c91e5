package org.skipwire.runtime.weights;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * Writes a graph's parameters as a safetensors state_dict (F32) under a {@link NamingConvention}:
 * with {@link TorchvisionNames#RESNET} a zoo ResNet trained in Java loads into torchvision's model
 * with {@code load_state_dict(safetensors.torch.load_file(path))}. Each batch norm also gets the
 * {@code num_batches_tracked} counter (0) that PyTorch's strict loading expects. The file is
 * written beside its destination and renamed into place, one tensor at a time.
 */
public final class SafetensorsWriter {
  private SafetensorsWriter() {}

  /** Writes {@code graph} to {@code path}; returns the number of tensors written. */
  public static int write(ComputationGraph graph, NamingConvention names, Path path)
      throws IOException {
    List<ParamSlot> slots = ParamSlot.of(graph, names);
    Set<String> counters = new LinkedHashSet<>();
    for (ParamSlot s : slots) {
      if (s.key().endsWith(".running_mean")) {
        counters.add(
            s.key().substring(0, s.key().length() - ".running_mean".length())
                + ".num_batches_tracked");
      }
    }
    StringBuilder header = new StringBuilder("{");
    long offset = 0;
    Set<String> seen = new java.util.HashSet<>();
    for (ParamSlot s : slots) {
      if (!seen.add(s.key())) {
        throw new IOException(
            path + ": two parameters map to " + s.key() + " under the " + names + " names");
      }
      long bytes =
          4L * s.shape().stream().mapToLong(Long::longValue).reduce(1, Math::multiplyExact);
      entry(header, s.key(), "F32", s.shape(), offset, offset + bytes);
      offset += bytes;
    }
    for (String c : counters) {
      entry(header, c, "I64", List.of(), offset, offset + 8);
      offset += 8;
    }
    if (header.length() == 1) {
      header.append('}');
    } else {
      header.setCharAt(header.length() - 1, '}');
    }
    byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
    int padded = (json.length + 7) / 8 * 8; // keeps the data 8-byte aligned, as the format advises
    Path tmp = path.resolveSibling(path.getFileName() + ".tmp");
    try (FileChannel ch =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
      head.putLong(padded).put(json);
      while (head.hasRemaining()) {
        head.put((byte) ' ');
      }
      writeAll(ch, head.flip());
      for (ParamSlot s : slots) {
        float[] v = s.copyOut();
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        writeAll(ch, b);
      }
      ByteBuffer zero = ByteBuffer.allocate(8 * counters.size());
      writeAll(ch, zero);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
    Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return slots.size() + counters.size();
  }

  private static void entry(
      StringBuilder h, String key, String dtype, List<Long> shape, long begin, long end) {
    h.append('"')
        .append(escape(key))
        .append("\":{\"dtype\":\"")
        .append(dtype)
        .append("\",\"shape\":")
        .append(shape.toString().replace(" ", ""))
        .append(",\"data_offsets\":[")
        .append(begin)
        .append(',')
        .append(end)
        .append("]},");
  }

  private static String escape(String s) {
    StringBuilder b = new StringBuilder();
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  private static void writeAll(FileChannel ch, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      ch.write(b);
    }
  }
}
