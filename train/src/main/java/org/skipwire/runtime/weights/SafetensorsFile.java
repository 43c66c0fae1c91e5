package org.skipwire.runtime.weights;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A safetensors file (Hugging Face's format, timm's checkpoints): an 8-byte little-endian header
 * length, a JSON header mapping each name to {@code dtype}, {@code shape} and {@code data_offsets}
 * relative to the end of the header, then the raw little-endian data. Each tensor is read through a
 * read-only memory mapping of its own byte range, so a 100 MB file is never copied whole into the
 * heap; one tensor's floats are the only copy.
 *
 * <p>Opening checks the header against the file before anything is read: its length within the file
 * and at most {@value #MAX_HEADER} bytes, valid UTF-8 JSON without duplicate keys, known types,
 * shapes of at most {@value #MAX_RANK} non-negative dimensions whose product fits, offsets inside
 * the data area whose span is exactly the shape's bytes, and no two tensors sharing bytes.
 */
final class SafetensorsFile implements WeightsFile {
  static final long MAX_HEADER = 100L << 20;
  static final int MAX_RANK = 8;

  private final String source;
  private final FileChannel channel;
  private final long dataStart;
  private final Map<String, TensorInfo> tensors;
  private final Map<String, long[]> offsets;

  private SafetensorsFile(
      String source,
      FileChannel channel,
      long dataStart,
      Map<String, TensorInfo> tensors,
      Map<String, long[]> offsets) {
    this.source = source;
    this.channel = channel;
    this.dataStart = dataStart;
    this.tensors = Collections.unmodifiableMap(tensors);
    this.offsets = offsets;
  }

  static SafetensorsFile open(Path path) throws WeightsException {
    String source = path.toString();
    FileChannel channel;
    try {
      channel = FileChannel.open(path, StandardOpenOption.READ);
    } catch (IOException e) {
      throw new WeightsException(source, "cannot read: " + e.getMessage());
    }
    try {
      SafetensorsFile f = read(source, channel);
      channel = null;
      return f;
    } finally {
      if (channel != null) {
        closeQuietly(channel);
      }
    }
  }

  private static SafetensorsFile read(String source, FileChannel channel) throws WeightsException {
    try {
      long size = channel.size();
      if (size < 8) {
        throw new WeightsException(
            source, "truncated: " + size + " bytes, not even the 8-byte header length");
      }
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      readFully(channel, len, 0);
      long headerLength = len.flip().getLong();
      if (headerLength < 2 || headerLength > size - 8) {
        throw new WeightsException(
            source,
            "header length "
                + Long.toUnsignedString(headerLength)
                + " does not fit the file's "
                + size
                + " bytes; the file is truncated or not safetensors");
      }
      if (headerLength > MAX_HEADER) {
        throw new WeightsException(
            source,
            "header of " + headerLength + " bytes, more than the " + MAX_HEADER + " allowed");
      }
      ByteBuffer header = ByteBuffer.allocate((int) headerLength);
      readFully(channel, header, 8);
      String text;
      try {
        text =
            StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(header.flip())
                .toString();
      } catch (CharacterCodingException e) {
        throw new WeightsException(source, "header is not UTF-8 text");
      }
      Object doc;
      try {
        doc = Json.parse(text.stripTrailing());
      } catch (Json.JsonException e) {
        throw new WeightsException(source, "header is not valid JSON: " + e.getMessage());
      }
      if (!(doc instanceof Map<?, ?> map)) {
        throw new WeightsException(source, "header is not a JSON object");
      }
      long dataStart = 8 + headerLength;
      long dataLength = size - dataStart;
      Map<String, TensorInfo> tensors = new LinkedHashMap<>();
      Map<String, long[]> offsets = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        String name = (String) e.getKey();
        if (name.equals("__metadata__")) {
          checkMetadata(source, e.getValue());
          continue;
        }
        tensor(source, name, e.getValue(), dataLength, tensors, offsets);
      }
      checkOverlaps(source, offsets);
      return new SafetensorsFile(source, channel, dataStart, tensors, offsets);
    } catch (IOException e) {
      if (e instanceof WeightsException w) {
        throw w;
      }
      throw new WeightsException(source, "cannot read: " + e.getMessage());
    }
  }

  private static void checkMetadata(String source, Object value) throws WeightsException {
    if (!(value instanceof Map<?, ?> m)) {
      throw new WeightsException(source, "__metadata__ is not an object of strings");
    }
    for (Object v : m.values()) {
      if (!(v instanceof String)) {
        throw new WeightsException(source, "__metadata__ holds a value that is not a string");
      }
    }
  }

  private static void tensor(
      String source,
      String name,
      Object value,
      long dataLength,
      Map<String, TensorInfo> tensors,
      Map<String, long[]> offsets)
      throws WeightsException {
    String where = source + ": " + printable(name);
    if (!(value instanceof Map<?, ?> t)) {
      throw new WeightsException(where, "entry is not an object");
    }
    if (!(t.get("dtype") instanceof String dt)) {
      throw new WeightsException(where, "no dtype");
    }
    DType dtype =
        DType.ofSafetensors(dt)
            .orElseThrow(() -> new WeightsException(where, "unknown dtype " + printable(dt)));
    if (!(t.get("shape") instanceof List<?> dims)) {
      throw new WeightsException(where, "no shape");
    }
    if (dims.size() > MAX_RANK) {
      throw new WeightsException(
          where, "shape has " + dims.size() + " dimensions, more than " + MAX_RANK);
    }
    List<Long> shape = new ArrayList<>();
    long elements = 1;
    for (Object d : dims) {
      if (!(d instanceof Long n) || n < 0) {
        throw new WeightsException(
            where, "shape " + dims + " has a dimension that is not a non-negative integer");
      }
      shape.add(n);
      try {
        elements = Math.multiplyExact(elements, n);
      } catch (ArithmeticException ex) {
        throw new WeightsException(where, "shape " + dims + " has more elements than a long holds");
      }
    }
    if (elements > MAX_ELEMENTS) {
      throw new WeightsException(
          where, "shape " + dims + " has " + elements + " elements, more than " + MAX_ELEMENTS);
    }
    if (!(t.get("data_offsets") instanceof List<?> off)
        || off.size() != 2
        || !(off.get(0) instanceof Long begin)
        || !(off.get(1) instanceof Long end)) {
      throw new WeightsException(where, "data_offsets is not a pair of integers");
    }
    if (begin < 0 || end < begin || end > dataLength) {
      throw new WeightsException(
          where,
          "data_offsets ["
              + begin
              + ", "
              + end
              + "] lie outside the "
              + dataLength
              + " data bytes; the file is truncated or its header lies");
    }
    long bytes = elements * dtype.bytes();
    if (end - begin != bytes) {
      throw new WeightsException(
          where,
          "data_offsets ["
              + begin
              + ", "
              + end
              + "] span "
              + (end - begin)
              + " bytes, but "
              + dtype
              + " "
              + shape
              + " needs "
              + bytes);
    }
    tensors.put(name, new TensorInfo(name, dtype, shape));
    offsets.put(name, new long[] {begin, end});
  }

  private static void checkOverlaps(String source, Map<String, long[]> offsets)
      throws WeightsException {
    List<Map.Entry<String, long[]>> byStart = new ArrayList<>(offsets.entrySet());
    byStart.removeIf(e -> e.getValue()[0] == e.getValue()[1]);
    byStart.sort(Comparator.comparingLong(e -> e.getValue()[0]));
    for (int i = 1; i < byStart.size(); i++) {
      long[] prev = byStart.get(i - 1).getValue();
      long[] cur = byStart.get(i).getValue();
      if (cur[0] < prev[1]) {
        throw new WeightsException(
            source,
            printable(byStart.get(i - 1).getKey())
                + " ["
                + prev[0]
                + ", "
                + prev[1]
                + "] and "
                + printable(byStart.get(i).getKey())
                + " ["
                + cur[0]
                + ", "
                + cur[1]
                + "] overlap; the header lies about its offsets");
      }
    }
  }

  @Override
  public String source() {
    return source;
  }

  @Override
  public String format() {
    return "safetensors";
  }

  @Override
  public Map<String, TensorInfo> tensors() {
    return tensors;
  }

  @Override
  public float[] readFloats(String name) throws WeightsException {
    TensorInfo t = tensors.get(name);
    if (t == null) {
      throw new WeightsException(source, printable(name) + ": no such tensor");
    }
    if (!t.dtype().floating()) {
      throw new WeightsException(
          source,
          printable(name)
              + ": dtype "
              + t.dtype()
              + " is not floating point; a network takes F32, F16, BF16 or F64");
    }
    long[] off = offsets.get(name);
    int n = (int) t.elements();
    float[] out = new float[n];
    if (n == 0) {
      return out;
    }
    try {
      MappedByteBuffer map =
          channel.map(FileChannel.MapMode.READ_ONLY, dataStart + off[0], off[1] - off[0]);
      map.order(ByteOrder.LITTLE_ENDIAN);
      Convert.toFloats(map, t.dtype(), out);
      return out;
    } catch (IOException | RuntimeException e) {
      throw new WeightsException(
          source, printable(name) + ": cannot read its bytes: " + e.getMessage());
    }
  }

  @Override
  public void close() {
    closeQuietly(channel);
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, long at) throws IOException {
    long pos = at;
    while (buf.hasRemaining()) {
      int r = ch.read(buf, pos);
      if (r < 0) {
        throw new IOException("unexpected end of file");
      }
      pos += r;
    }
  }

  private static void closeQuietly(FileChannel ch) {
    try {
      ch.close();
    } catch (IOException ignored) {
      // A read-only channel has nothing to flush.
    }
  }

  /** A name safe to print on one line: control characters replaced, long names cut. */
  static String printable(String name) {
    String s = name.replaceAll("\\p{Cntrl}", "?");
    return s.length() > 200 ? s.substring(0, 200) + "..." : s;
  }
}
