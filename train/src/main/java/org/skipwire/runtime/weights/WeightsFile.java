package org.skipwire.runtime.weights;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/**
 * An open weights file: the tensors its header (safetensors) or pickle (torch.save) declares, each
 * read on demand. Opening parses and checks all of the metadata, and nothing else: every offset,
 * size and shape is within the file and consistent before the first tensor is read, so a header
 * that lies is refused in one line, and memory stays bounded by the largest single tensor.
 *
 * <pre>{@code
 * try (WeightsFile file = WeightsFile.open(Path.of("resnet50.safetensors"))) {
 *   float[] w = file.readFloats("conv1.weight");     // [64, 3, 7, 7], row-major
 * }
 * }</pre>
 */
public interface WeightsFile extends AutoCloseable {

  /** The largest tensor one read returns, in elements (a Java array's limit). */
  long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

  /** The file as messages name it. */
  String source();

  /** {@code safetensors} or {@code torch.save zip}. */
  String format();

  /** Every tensor, in the order the file lists them. */
  Map<String, TensorInfo> tensors();

  /**
   * The tensor's values converted to float, row-major (C order).
   *
   * @throws WeightsException if the name is unknown, the type is not floating point, or the bytes
   *     cannot be read
   */
  float[] readFloats(String name) throws WeightsException;

  @Override
  void close();

  /**
   * Opens a safetensors file or a {@code torch.save} zip, told apart by content, not by name.
   *
   * @throws WeightsException for a missing or unreadable file, one that is neither format, or
   *     metadata that is malformed or inconsistent with the file
   */
  static WeightsFile open(Path path) throws WeightsException {
    String source = path.toString();
    byte[] head = new byte[16];
    int n;
    try (InputStream in = Files.newInputStream(path)) {
      n = in.readNBytes(head, 0, head.length);
    } catch (NoSuchFileException e) {
      throw new WeightsException(source, "no such file");
    } catch (IOException e) {
      throw new WeightsException(source, "cannot read: " + e.getMessage());
    }
    if (Files.isDirectory(path)) {
      throw new WeightsException(source, "is a directory, not a weights file");
    }
    if (n >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
      return TorchZipFile.open(path);
    }
    if (n >= 2 && (head[0] & 0xff) == 0x80 && head[1] >= 2 && head[1] <= 5) {
      throw new WeightsException(
          source,
          "a legacy torch.save file (a bare pickle, before PyTorch 1.6); re-save it with"
              + " torch.save(state_dict, path) from PyTorch 1.6 or later, or as safetensors");
    }
    if (n >= 9 && head[8] == '{') {
      return SafetensorsFile.open(path);
    }
    throw new WeightsException(
        source, "neither a safetensors file nor a torch.save zip (" + describe(head, n) + ")");
  }

  private static String describe(byte[] head, int n) {
    if (n == 0) {
      return "the file is empty";
    }
    StringBuilder b = new StringBuilder("starts with bytes");
    for (int i = 0; i < Math.min(n, 8); i++) {
      b.append(String.format(" %02x", head[i] & 0xff));
    }
    return b.toString();
  }
}
