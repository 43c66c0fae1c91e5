package org.skipwire.runtime.weights;

import java.util.Locale;
import java.util.Optional;

/**
 * The element types a weights file may declare, with their sizes in bytes. Only the floating types
 * load into a network (converted to float); the integer types appear in files as counters such as
 * batch norm's {@code num_batches_tracked}, which loading ignores.
 */
public enum DType {
  F64(8, true),
  F32(4, true),
  F16(2, true),
  BF16(2, true),
  I64(8, false),
  I32(4, false),
  I16(2, false),
  I8(1, false),
  U8(1, false),
  BOOL(1, false);

  private final int bytes;
  private final boolean floating;

  DType(int bytes, boolean floating) {
    this.bytes = bytes;
    this.floating = floating;
  }

  /** Bytes per element. */
  public int bytes() {
    return bytes;
  }

  /** Whether a value of this type converts to float for a network. */
  public boolean floating() {
    return floating;
  }

  /** The safetensors spelling ({@code F32}, {@code BF16}, ...), if it is one of ours. */
  public static Optional<DType> ofSafetensors(String name) {
    try {
      return Optional.of(valueOf(name.toUpperCase(Locale.ROOT)));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** The type of a {@code torch.XxxStorage} class, if a state_dict may hold it. */
  static Optional<DType> ofTorchStorage(String storageClass) {
    return Optional.ofNullable(
        switch (storageClass) {
          case "DoubleStorage" -> F64;
          case "FloatStorage" -> F32;
          case "HalfStorage" -> F16;
          case "BFloat16Storage" -> BF16;
          case "LongStorage" -> I64;
          case "IntStorage" -> I32;
          case "ShortStorage" -> I16;
          case "CharStorage" -> I8;
          case "ByteStorage" -> U8;
          case "BoolStorage" -> BOOL;
          default -> null;
        });
  }

  /** Converts IEEE half-precision bits to float. */
  static float halfToFloat(int bits) {
    int sign = (bits & 0x8000) << 16;
    int exp = (bits >>> 10) & 0x1f;
    int mant = bits & 0x3ff;
    if (exp == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13)); // infinity or NaN
    }
    if (exp == 0) {
      if (mant == 0) {
        return Float.intBitsToFloat(sign);
      }
      float v = mant * 0x1p-24f; // subnormal: mant x 2^-24, exact in float
      return sign == 0 ? v : -v;
    }
    return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
  }

  /** Converts bfloat16 bits (the top half of a float) to float. */
  static float bfloat16ToFloat(int bits) {
    return Float.intBitsToFloat((bits & 0xffff) << 16);
  }
}
