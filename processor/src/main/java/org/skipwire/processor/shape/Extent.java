package org.skipwire.processor.shape;

import org.skipwire.processor.model.Shape;

/**
 * How a window, a stride or a transposed convolution changes one extent (height, width or length):
 * the formulas written once, for lowering and the checks alike.
 */
final class Extent {
  private Extent() {}

  /** Whether a window spanning {@code span} cells fits the extent padded on both sides. */
  static boolean fits(int in, int span, int padding) {
    return in + 2 * padding >= span;
  }

  /** The cells a sliding window leaves: {@code floor((in + 2p - span) / s) + 1}; it must fit. */
  static int window(int in, int span, int stride, int padding) {
    return (in + 2 * padding - span) / stride + 1;
  }

  /** What a transposed convolution makes of {@code in}: {@code s (in - 1) + k - 2p}. */
  static long transposed(int in, int kernel, int stride, int padding) {
    return (long) stride * (in - 1) + kernel - 2L * padding;
  }

  /**
   * {@code ceil(a / b)}: what a causal or "same" window of stride {@code b} leaves of {@code a}.
   */
  static int ceilDiv(int a, int b) {
    return (a + b - 1) / b;
  }

  /** The stride s with ceil(from / s) == to in height and width (or length), or -1. */
  static int strideBetween(Shape from, Shape to) {
    if (from.isSequence() != to.isSequence()) {
      return -1;
    }
    if (from.isSequence()) {
      for (int s = 1; s <= from.length(); s++) {
        if (ceilDiv(from.length(), s) == to.length()) {
          return s;
        }
      }
      return -1;
    }
    for (int s = 1; s <= Math.max(from.height(), from.width()); s++) {
      if (ceilDiv(from.height(), s) == to.height() && ceilDiv(from.width(), s) == to.width()) {
        return s;
      }
    }
    return -1;
  }

  /** Same height and width, or same length, or both flat. */
  static boolean same(Shape a, Shape b) {
    return a.height() == b.height() && a.width() == b.width() && a.length() == b.length();
  }
}
