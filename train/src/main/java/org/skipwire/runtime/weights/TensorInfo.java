package org.skipwire.runtime.weights;

import java.util.List;

/**
 * One tensor of a weights file as its header or pickle declares it: name, element type and shape
 * (row-major, PyTorch's order). Nothing about it has been read yet.
 */
public record TensorInfo(String name, DType dtype, List<Long> shape) {

  public TensorInfo {
    shape = List.copyOf(shape);
  }

  /** The number of elements; the reader has checked that it fits an int. */
  public long elements() {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }

  /** The shape as PyTorch prints it, {@code [256, 512, 1, 1]}. */
  public String shapeText() {
    return shape.toString();
  }
}
