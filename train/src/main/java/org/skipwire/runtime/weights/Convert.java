package org.skipwire.runtime.weights;

import java.nio.ByteBuffer;

/** Little-endian bytes of a floating type to floats. */
final class Convert {
  private Convert() {}

  /** Fills {@code out} from {@code in}'s position on; {@code in} is little-endian. */
  static void toFloats(ByteBuffer in, DType dtype, float[] out) {
    switch (dtype) {
      case F32 -> in.asFloatBuffer().get(out);
      case F64 -> {
        var d = in.asDoubleBuffer();
        for (int i = 0; i < out.length; i++) {
          out[i] = (float) d.get(i);
        }
      }
      case F16 -> {
        var s = in.asShortBuffer();
        for (int i = 0; i < out.length; i++) {
          out[i] = DType.halfToFloat(s.get(i) & 0xffff);
        }
      }
      case BF16 -> {
        var s = in.asShortBuffer();
        for (int i = 0; i < out.length; i++) {
          out[i] = DType.bfloat16ToFloat(s.get(i));
        }
      }
      default -> throw new IllegalArgumentException(dtype + " is not floating point");
    }
  }
}
