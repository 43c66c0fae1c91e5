package org.skipwire.processor.shape;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.skipwire.processor.diag.Message;
import org.skipwire.processor.model.Graph;
import org.skipwire.processor.model.GraphOp;
import org.skipwire.processor.model.Shape;
import org.skipwire.processor.model.Vertex;

/**
 * The memory training a network takes, estimated from its lowered graph with exact {@code long}
 * arithmetic (a sum past {@code Long.MAX_VALUE} saturates there): 4-byte floats, for
 *
 * <ul>
 *   <li>each example: every vertex's output and the network input, kept for the backward pass, and
 *       as many again for their gradients; plus the scratch arrays of the ops that need one, per
 *       example: a convolution's im2col columns ({@code k x k x C_in / groups x H_out x W_out}), a
 *       transposed convolution's ({@code k x k x C_out x H_in x W_in}), a temporal convolution's
 *       ({@code k x C_in x T_out}), and attention's scores and their softmax ({@code 2 x heads x T
 *       x T});
 *   <li>once: every parameter, and for each trainable one its gradient and two values of updater
 *       state (Adam's moments, the largest of the trainer's optimisers).
 * </ul>
 *
 * <p>DL4J's workspaces hold somewhat more than this (it is a floor, not a ceiling); what the
 * estimate is for is telling apart a network that trains on a machine from one that cannot train on
 * any: a declaration within every size limit can still need terabytes (the fuzz test found one).
 * {@link #check} refuses past {@link Limits#MAX_TRAINING_BYTES} for one example; the generated
 * class carries both numbers as {@code TRAINING_BYTES_FIXED} and {@code
 * TRAINING_BYTES_PER_EXAMPLE}.
 *
 * @param fixedBytes parameters, gradients and updater state
 * @param perExampleBytes activations, their gradients and scratch, for one example
 */
public record TrainingMemory(long fixedBytes, long perExampleBytes) {

  private static final long FLOAT = 4;

  /** Bytes to train on batches of {@code batch} examples. */
  public long bytes(long batch) {
    return add(fixedBytes, times(batch, perExampleBytes));
  }

  /** The estimate for {@code graph}, whose input is {@code inputName}. */
  public static TrainingMemory of(Graph graph, String inputName) {
    Map<String, Shape> shapes = new HashMap<>();
    shapes.put(inputName, graph.network().input());
    long values = graph.network().input().size();
    long scratch = 0;
    long params = 0;
    long trainable = 0;
    for (Vertex v : graph.vertices()) {
      values = add(values, v.shape().size());
      Shape in = v.inputs().isEmpty() ? null : shapes.get(v.inputs().get(0));
      scratch = add(scratch, scratch(v, in));
      params = add(params, v.params());
      trainable = add(trainable, v.trainableParams());
      shapes.put(v.name(), v.shape());
    }
    long perExample = times(FLOAT, add(times(2, values), scratch));
    long fixed = times(FLOAT, add(params, times(3, trainable)));
    return new TrainingMemory(fixed, perExample);
  }

  /** Values of an op's scratch arrays per example. */
  private static long scratch(Vertex v, Shape in) {
    Shape out = v.shape();
    if (v.op() instanceof GraphOp.Conv c) {
      return times(
          times((long) c.kernel() * c.kernel(), c.nIn() / Math.max(c.groups(), 1)), area(out));
    }
    if (v.op() instanceof GraphOp.TransposedConv t && in != null) {
      return times(times((long) t.kernel() * t.kernel(), t.nOut()), area(in));
    }
    if (v.op() instanceof GraphOp.Conv1d c) {
      return times(times(c.kernel(), c.nIn()), out.length());
    }
    if (v.op() instanceof GraphOp.SelfAttention a) {
      return times(times(2L * a.heads(), out.length()), out.length());
    }
    return 0;
  }

  private static long area(Shape s) {
    return s.isImage() ? (long) s.height() * s.width() : 1;
  }

  /**
   * As a pass: {@code [skipwire/too-large]} on the network when one example needs more than the
   * bound.
   */
  static GraphPass.Outcome pass(Lowered lowered) {
    Graph graph = lowered.graph();
    TrainingMemory memory = of(graph, Graph.INPUT);
    long one = memory.bytes(1);
    if (one <= Limits.MAX_TRAINING_BYTES) {
      return GraphPass.Outcome.clean(lowered);
    }
    return new GraphPass.Outcome(
        lowered,
        List.of(
            Message.TOO_LARGE.at(
                graph.network().origin(),
                graph.network().simpleName(),
                "estimated training memory for one example",
                String.format(
                    java.util.Locale.ROOT,
                    "%,d bytes (%,d for parameters, gradients and updater state, %,d per example)",
                    one,
                    memory.fixedBytes(),
                    memory.perExampleBytes()),
                Limits.MAX_TRAINING_BYTES,
                "use fewer or narrower layers, or smaller inputs")));
  }

  private static long add(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
  }

  private static long times(long a, long b) {
    long hi = Math.multiplyHigh(a, b);
    long lo = a * b;
    return (hi == 0 && lo >= 0) ? lo : Long.MAX_VALUE;
  }
}
