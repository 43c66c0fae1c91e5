package org.skipwire.runtime.weights;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.skipwire.runtime.weights.StateDictUnpickler.PickleException;
import org.skipwire.runtime.weights.StateDictUnpickler.Storage;
import org.skipwire.runtime.weights.StateDictUnpickler.Tensor;

/**
 * A {@code torch.save} file (PyTorch 1.6 and later): a zip holding {@code <archive>/data.pkl}, the
 * pickled state_dict whose tensors refer to storages by key, and one entry {@code
 * <archive>/data/<key>} of raw little-endian bytes per storage. The pickle is read by {@link
 * StateDictUnpickler}, which runs nothing; then every tensor's view is checked against its
 * storage's entry (type, size, offset, strides) before anything is read. A tensor is read by
 * streaming its bytes out of the entry, so memory stays at one tensor's worth.
 *
 * <p>A checkpoint that wraps the state_dict ({@code {"state_dict": ..., "epoch": ...}}, or {@code
 * "model"}) is unwrapped.
 */
final class TorchZipFile implements WeightsFile {
  /** The largest data.pkl read; a ResNet-152 state_dict's is about 60 KB. */
  static final long MAX_PICKLE = 64L << 20;

  private final String source;
  private final ZipFile zip;
  private final String prefix;
  private final Map<String, TensorInfo> tensors;
  private final Map<String, Tensor> views;

  private TorchZipFile(
      String source,
      ZipFile zip,
      String prefix,
      Map<String, TensorInfo> tensors,
      Map<String, Tensor> views) {
    this.source = source;
    this.zip = zip;
    this.prefix = prefix;
    this.tensors = Collections.unmodifiableMap(tensors);
    this.views = views;
  }

  static TorchZipFile open(Path path) throws WeightsException {
    String source = path.toString();
    ZipFile zip;
    try {
      zip = new ZipFile(path.toFile());
    } catch (ZipException e) {
      throw new WeightsException(
          source, "not a readable zip (" + e.getMessage() + "); the file is truncated or damaged");
    } catch (IOException e) {
      throw new WeightsException(source, "cannot read: " + e.getMessage());
    }
    try {
      TorchZipFile f = read(source, zip);
      zip = null;
      return f;
    } finally {
      if (zip != null) {
        closeQuietly(zip);
      }
    }
  }

  private static TorchZipFile read(String source, ZipFile zip) throws WeightsException {
    ZipEntry pkl = null;
    Enumeration<? extends ZipEntry> entries = zip.entries();
    while (entries.hasMoreElements()) {
      ZipEntry e = entries.nextElement();
      String n = e.getName();
      if (n.endsWith("/data.pkl") && n.indexOf('/') == n.length() - "/data.pkl".length()) {
        if (pkl != null) {
          throw new WeightsException(
              source, "two data.pkl entries (" + pkl.getName() + ", " + n + ")");
        }
        pkl = e;
      }
    }
    if (pkl == null) {
      throw new WeightsException(
          source, "a zip without <archive>/data.pkl, so not a torch.save file");
    }
    String prefix = pkl.getName().substring(0, pkl.getName().length() - "data.pkl".length());
    String where = source + ": " + pkl.getName();
    if (pkl.getSize() > MAX_PICKLE) {
      throw new WeightsException(
          where, pkl.getSize() + " bytes, more than the " + MAX_PICKLE + " a state_dict needs");
    }
    byte[] pickle;
    try (InputStream in = zip.getInputStream(pkl)) {
      pickle = in.readNBytes((int) MAX_PICKLE + 1);
    } catch (IOException e) {
      throw new WeightsException(where, "cannot read: " + e.getMessage());
    }
    if (pickle.length > MAX_PICKLE) {
      throw new WeightsException(
          where, "more than the " + MAX_PICKLE + " bytes a state_dict needs");
    }
    Object value;
    try {
      value = StateDictUnpickler.load(pickle);
    } catch (PickleException e) {
      throw new WeightsException(where, e.getMessage());
    }
    Map<?, ?> dict = stateDict(where, value);
    Map<String, TensorInfo> tensors = new LinkedHashMap<>();
    Map<String, Tensor> views = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : dict.entrySet()) {
      if (!(e.getKey() instanceof String name)) {
        throw new WeightsException(where, "a key that is not a string: " + e.getKey());
      }
      if (!(e.getValue() instanceof Tensor t)) {
        throw new WeightsException(where, SafetensorsFile.printable(name) + " is not a tensor");
      }
      tensors.put(name, check(source, zip, prefix, name, t));
      views.put(name, t);
    }
    return new TorchZipFile(source, zip, prefix, tensors, views);
  }

  /** The state_dict itself, or the one a training checkpoint wraps. */
  private static Map<?, ?> stateDict(String where, Object value) throws WeightsException {
    if (!(value instanceof Map<?, ?> top)) {
      throw new WeightsException(where, "holds no dictionary, so not a state_dict");
    }
    if (top.values().stream().anyMatch(v -> v instanceof Tensor)) {
      return top;
    }
    for (String k : List.of("state_dict", "model_state_dict", "model")) {
      if (top.get(k) instanceof Map<?, ?> inner) {
        return inner;
      }
    }
    throw new WeightsException(where, "holds no tensors");
  }

  private static TensorInfo check(String source, ZipFile zip, String prefix, String name, Tensor t)
      throws WeightsException {
    String where = source + ": " + SafetensorsFile.printable(name);
    Storage s = t.storage();
    if (t.size().length != t.stride().length) {
      throw new WeightsException(where, "size and stride differ in length");
    }
    if (t.size().length > SafetensorsFile.MAX_RANK) {
      throw new WeightsException(
          where, t.size().length + " dimensions, more than " + SafetensorsFile.MAX_RANK);
    }
    List<Long> shape = new ArrayList<>();
    long elements = 1;
    long last = t.offset();
    try {
      for (int i = 0; i < t.size().length; i++) {
        long d = t.size()[i];
        if (d < 0 || t.stride()[i] < 0) {
          throw new WeightsException(
              where, "negative size or stride in " + java.util.Arrays.toString(t.size()));
        }
        shape.add(d);
        elements = Math.multiplyExact(elements, d);
        if (d > 0) {
          last = Math.addExact(last, Math.multiplyExact(d - 1, t.stride()[i]));
        }
      }
    } catch (ArithmeticException e) {
      throw new WeightsException(
          where, "shape " + java.util.Arrays.toString(t.size()) + " overflows a long");
    }
    if (elements > MAX_ELEMENTS) {
      throw new WeightsException(where, elements + " elements, more than " + MAX_ELEMENTS);
    }
    if (t.offset() < 0 || (elements > 0 && last >= s.elements())) {
      throw new WeightsException(
          where,
          "reaches element "
              + last
              + " of storage "
              + s.key()
              + ", which holds "
              + s.elements()
              + "; the pickle lies about its storage");
    }
    ZipEntry entry = zip.getEntry(prefix + "data/" + s.key());
    if (entry == null) {
      throw new WeightsException(
          where, "its storage " + prefix + "data/" + s.key() + " is not in the zip");
    }
    long bytes;
    try {
      bytes = Math.multiplyExact(s.elements(), (long) s.dtype().bytes());
    } catch (ArithmeticException e) {
      throw new WeightsException(where, "storage " + s.key() + " is too large");
    }
    if (entry.getSize() != bytes) {
      throw new WeightsException(
          where,
          "storage "
              + s.key()
              + " should hold "
              + bytes
              + " bytes ("
              + s.elements()
              + " x "
              + s.dtype()
              + ") but its zip entry has "
              + entry.getSize()
              + "; the file is truncated or damaged");
    }
    return new TensorInfo(name, s.dtype(), shape);
  }

  @Override
  public String source() {
    return source;
  }

  @Override
  public String format() {
    return "torch.save zip";
  }

  @Override
  public Map<String, TensorInfo> tensors() {
    return tensors;
  }

  @Override
  public float[] readFloats(String name) throws WeightsException {
    TensorInfo info = tensors.get(name);
    if (info == null) {
      throw new WeightsException(source, SafetensorsFile.printable(name) + ": no such tensor");
    }
    if (!info.dtype().floating()) {
      throw new WeightsException(
          source,
          SafetensorsFile.printable(name)
              + ": dtype "
              + info.dtype()
              + " is not floating point; a network takes float, half, bfloat16 or double");
    }
    Tensor t = views.get(name);
    int n = (int) info.elements();
    float[] out = new float[n];
    if (n == 0) {
      return out;
    }
    int width = info.dtype().bytes();
    ZipEntry entry = zip.getEntry(prefix + "data/" + t.storage().key());
    try (InputStream in = zip.getInputStream(entry)) {
      if (contiguous(t)) {
        in.skipNBytes(t.offset() * width);
        ByteBuffer b =
            ByteBuffer.wrap(readExactly(in, (long) n * width)).order(ByteOrder.LITTLE_ENDIAN);
        Convert.toFloats(b, info.dtype(), out);
      } else {
        // A strided view (rare in a state_dict): convert the storage, then gather.
        byte[] all = readExactly(in, t.storage().elements() * width);
        float[] storage = new float[(int) t.storage().elements()];
        Convert.toFloats(
            ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN), info.dtype(), storage);
        gather(storage, t, out);
      }
      return out;
    } catch (IOException | RuntimeException e) {
      throw new WeightsException(
          source, SafetensorsFile.printable(name) + ": cannot read its storage: " + e.getMessage());
    }
  }

  private static byte[] readExactly(InputStream in, long n) throws IOException {
    if (n > Integer.MAX_VALUE - 8) {
      throw new IOException("storage too large to read");
    }
    byte[] b = in.readNBytes((int) n);
    if (b.length != n) {
      throw new IOException("entry ended after " + b.length + " of " + n + " bytes");
    }
    return b;
  }

  private static boolean contiguous(Tensor t) {
    long expected = 1;
    for (int i = t.size().length - 1; i >= 0; i--) {
      if (t.size()[i] != 1 && t.stride()[i] != expected) {
        return false;
      }
      expected *= t.size()[i];
    }
    return true;
  }

  private static void gather(float[] storage, Tensor t, float[] out) {
    int rank = t.size().length;
    long[] index = new long[rank];
    for (int i = 0; i < out.length; i++) {
      long at = t.offset();
      for (int d = 0; d < rank; d++) {
        at += index[d] * t.stride()[d];
      }
      out[i] = storage[(int) at];
      for (int d = rank - 1; d >= 0; d--) {
        if (++index[d] < t.size()[d]) {
          break;
        }
        index[d] = 0;
      }
    }
  }

  @Override
  public void close() {
    closeQuietly(zip);
  }

  private static void closeQuietly(ZipFile zip) {
    try {
      zip.close();
    } catch (IOException ignored) {
      // Read-only.
    }
  }
}
