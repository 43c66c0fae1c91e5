package org.skipwire.runtime.onednn;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * oneDNN itself, through JavaCPP's {@code dnnl} preset: one CPU engine for the process and a stream
 * per thread. This is a second copy of oneDNN next to the one linked into libnd4j; it shares
 * libnd4j's OpenMP runtime ({@code libgomp.so.1} is loaded once), so the two do not fight over
 * threads.
 */
public final class OneDnn {
  private static final Logger log = LoggerFactory.getLogger(OneDnn.class);

  private static Optional<String> unavailable;
  private static engine engine;
  // retainReference: a PointerScope open when these are first made must not free them.
  private static final ThreadLocal<stream> STREAM =
      ThreadLocal.withInitial(() -> new stream(engine).retainReference());

  private OneDnn() {}

  /**
   * Loads oneDNN once. Empty if it runs here, otherwise why not (no native library for this
   * platform, e.g. on the CUDA build or on macOS).
   */
  public static synchronized Optional<String> unavailable() {
    if (unavailable == null) {
      // JavaCPP reads its platform properties once: Backend must have set them first.
      Backend.init();
      try {
        Loader.load(org.bytedeco.dnnl.global.dnnl.class);
        engine = new engine(org.bytedeco.dnnl.engine.kind.cpu, 0).retainReference();
        unavailable = Optional.empty();
      } catch (Throwable t) {
        unavailable = Optional.of("oneDNN (org.bytedeco:dnnl) does not load here: " + t);
        log.debug("{}", unavailable.get());
      }
    }
    return unavailable;
  }

  /** Whether oneDNN runs here. */
  public static boolean available() {
    return unavailable().isEmpty();
  }

  static engine engine() {
    if (!available()) {
      throw new IllegalStateException(unavailable.get());
    }
    return engine;
  }

  /** This thread's stream on the CPU engine. */
  static stream stream() {
    engine();
    return STREAM.get();
  }

  /** A map that keeps the {@code capacity} most recently used entries. */
  static <K, V> Map<K, V> recentlyUsed(int capacity) {
    return new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
        return size() > capacity;
      }
    };
  }

  /**
   * A oneDNN memory over an array's own buffer, no copy, from its first element on (a view into a
   * larger buffer, such as a layer's weights in the network's flattened parameters, included); see
   * {@link #dense}.
   */
  static memory wrap(memory.desc desc, INDArray array) {
    if (!dense(array)) {
      throw new IllegalArgumentException("not a dense C-order array: " + array.shapeInfoToString());
    }
    // A view's buffer is a view too, whose address is the view's first element (ND4J keeps the
    // offset in the buffer, not in the array's shape information).
    Pointer data = array.data().addressPointer();
    return new memory(desc, engine(), data);
  }

  /**
   * Whether oneDNN can read the array as laid out: C order, no gaps, its elements within its buffer
   * (at any offset).
   */
  static boolean dense(INDArray array) {
    if (array.data().length() < array.length()) {
      return false;
    }
    long[] shape = array.shape();
    long[] stride = array.stride();
    long expected = 1;
    for (int i = shape.length - 1; i >= 0; i--) {
      // A dimension of size 1 is never stepped over; DL4J gives it strides of either convention.
      if (shape[i] != 1 && stride[i] != expected) {
        return false;
      }
      expected *= shape[i];
    }
    return true;
  }

  /** The array itself if {@link #dense}, otherwise a dense copy. */
  static INDArray denseOrCopy(INDArray array) {
    return dense(array) ? array : array.dup('c');
  }
}
