package org.skipwire.runtime.onednn;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC_0;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC_1;
import static org.bytedeco.dnnl.global.dnnl.dnnl_binary_add;
import static org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_relu;
import static org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_relu_use_dst_for_bwd;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_training;

import java.util.Map;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.binary;
import org.bytedeco.dnnl.eltwise_backward;
import org.bytedeco.dnnl.eltwise_forward;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.PointerScope;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * ReLU's backward pass on oneDNN's element-wise primitive: {@code delta = epsilon} where the ReLU's
 * output is positive, 0 elsewhere, in one vectorised pass over the arrays as flat buffers.
 *
 * <p>Why: libnd4j's {@code relu_bp}, which DL4J's and {@link InPlaceReluLayer}'s backprop ran, took
 * a fifth of a channels-last ResNet-20 training step on the project machine (JFR samples), about
 * twelve times the forward ReLU over the same arrays.
 */
final class OneDnnRelu {
  // A flat buffer of one length and the one primitive over it.
  private record Primitives(memory.desc data, primitive primitive) {}

  // Keyed by element count: the arrays are read as flat buffers, so one primitive serves every
  // shape of that size. Bounded, as the helpers' plans are.
  private static final Map<Long, Primitives> BY_LENGTH = OneDnn.recentlyUsed(32);
  private static final Map<Long, Primitives> ADD_RELU = OneDnn.recentlyUsed(32);

  private OneDnnRelu() {}

  /**
   * Writes ReLU's input gradient into {@code delta}; false (and nothing written) where oneDNN does
   * not run here or an array is not a dense float buffer of the same length.
   *
   * @param output the ReLU's output, or its input: positive at the same places
   */
  static boolean backward(INDArray output, INDArray epsilon, INDArray delta) {
    long n = output.length();
    if (!OneDnn.available() || !denseFloats(n, output, epsilon, delta)) {
      return false;
    }
    Primitives p = primitives(n);
    stream s = OneDnn.stream();
    try (PointerScope scope = new PointerScope()) {
      IntMemoryMap args = new IntMemoryMap();
      args.put(DNNL_ARG_DST, OneDnn.wrap(p.data(), output));
      args.put(DNNL_ARG_DIFF_DST, OneDnn.wrap(p.data(), epsilon));
      args.put(DNNL_ARG_DIFF_SRC, OneDnn.wrap(p.data(), delta));
      p.primitive().execute(s, args);
      s._wait();
    }
    return true;
  }

  /**
   * Writes {@code relu(a + b)} into {@code out} in one pass (oneDNN's binary add with a ReLU
   * post-op); false (nothing written) where oneDNN does not run here or an array is not a dense
   * float buffer of the same length. {@code out} may be {@code a} or {@code b}.
   */
  static boolean addRelu(INDArray a, INDArray b, INDArray out) {
    long n = out.length();
    if (!OneDnn.available() || !denseFloats(n, a, b, out)) {
      return false;
    }
    Primitives p = addReluPrimitives(n);
    stream s = OneDnn.stream();
    try (PointerScope scope = new PointerScope()) {
      IntMemoryMap args = new IntMemoryMap();
      args.put(DNNL_ARG_SRC_0, OneDnn.wrap(p.data(), a));
      args.put(DNNL_ARG_SRC_1, OneDnn.wrap(p.data(), b));
      args.put(DNNL_ARG_DST, OneDnn.wrap(p.data(), out));
      p.primitive().execute(s, args);
      s._wait();
    }
    return true;
  }

  private static boolean denseFloats(long n, INDArray... arrays) {
    for (INDArray a : arrays) {
      if (a.dataType() != DataType.FLOAT || a.length() != n || !OneDnn.dense(a)) {
        return false;
      }
    }
    return true;
  }

  private static synchronized Primitives addReluPrimitives(long n) {
    Primitives p = ADD_RELU.get(n);
    if (p == null) {
      memory.desc data = new memory.desc(new long[] {n}, memory.data_type.f32, memory.format_tag.x);
      post_ops ops = new post_ops();
      ops.append_eltwise(1f, dnnl_eltwise_relu, 0f, 0f);
      primitive_attr attr = new primitive_attr();
      attr.set_post_ops(ops);
      p =
          new Primitives(
              data,
              new binary(
                  new binary.primitive_desc(
                      new binary.desc(dnnl_binary_add, data, data, data), attr, OneDnn.engine())));
      ADD_RELU.put(n, p);
    }
    return p;
  }

  private static synchronized Primitives primitives(long n) {
    Primitives p = BY_LENGTH.get(n);
    if (p == null) {
      memory.desc data = new memory.desc(new long[] {n}, memory.data_type.f32, memory.format_tag.x);
      eltwise_forward.primitive_desc hint =
          new eltwise_forward.primitive_desc(
              new eltwise_forward.desc(
                  dnnl_forward_training, dnnl_eltwise_relu_use_dst_for_bwd, data, 0f, 0f),
              OneDnn.engine());
      primitive backward =
          new eltwise_backward(
              new eltwise_backward.primitive_desc(
                  new eltwise_backward.desc(dnnl_eltwise_relu_use_dst_for_bwd, data, data, 0f, 0f),
                  OneDnn.engine(),
                  hint));
      p = new Primitives(data, backward);
      BY_LENGTH.put(n, p);
    }
    return p;
  }
}
