package org.skipwire.runtime.conf;

import java.util.Arrays;
import java.util.Objects;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.skipwire.runtime.impl.ShakeShakeVertexImpl;

/**
 * Shake-Shake regularisation (Gastaldi 2017): a random convex combination of two residual branches,
 * with an independent random weighting of their gradients.
 *
 * <p>Two inputs of one shape {@code [N, ...]}, in this order: {@code a} and {@code b}, the outputs
 * of the two branches. The output has their shape. With the default "Shake-Shake" setting:
 *
 * <pre>
 *   training, forward:    y[n]     = alpha[n] a[n] + (1 - alpha[n]) b[n],   alpha[n] ~ U(0, 1)
 *   training, backward:   dL/da[n] = beta[n] g[n],
 *                         dL/db[n] = (1 - beta[n]) g[n],                     beta[n] ~ U(0, 1)
 *   inference:            y        = 0.5 a + 0.5 b
 * </pre>
 *
 * where {@code g = dL/dy} and alpha and beta are drawn independently for every example ("Image"
 * level in the paper) and every training step. The backward pass is deliberately not the derivative
 * of the forward pass, so a finite-difference gradient check of this setting must fail. The
 * shortcut is not part of this vertex: a block is {@code x + ShakeShake(F1(x), F2(x))} with an
 * {@code ElementWiseVertex} add.
 *
 * <p>The paper's other settings are available through {@link #ShakeShakeVertex(Mix, Mix)}: the
 * forward weight is {@link Mix#SHAKE} (random) or {@link Mix#EVEN} (0.5); the backward weight is
 * {@link Mix#SHAKE} (a fresh random beta), {@link Mix#EVEN} (0.5) or {@link Mix#KEEP} (beta =
 * alpha, the true gradient of the forward pass). "Shake-Keep" is what makes the forward formula
 * gradient-checkable. Inference is always 0.5/0.5.
 *
 * <p>The draws come from ND4J's global generator ({@code Nd4j.getRandom()}), alpha in the forward
 * pass and beta in the backward pass, N numbers each, so {@code Nd4j.getRandom().setSeed(...)}
 * makes a training step reproducible. Parameter-free; the output is masked where {@code a} is.
 *
 * <p>The no-argument constructor and the setters exist for DL4J's JSON deserialisation.
 */
public class ShakeShakeVertex extends GraphVertex {

  /** How a weight is chosen in training. */
  public enum Mix {
    /** A fresh U(0, 1) number per example and step. */
    SHAKE,
    /** 0.5. */
    EVEN,
    /** Backward only: the forward pass's alpha, so the gradient is the true one. */
    KEEP
  }

  private Mix forward = Mix.SHAKE;
  private Mix backward = Mix.SHAKE;

  /** Shake-Shake: random forward, independent random backward. */
  public ShakeShakeVertex() {}

  /**
   * @param forward {@link Mix#SHAKE} or {@link Mix#EVEN}
   * @param backward {@link Mix#SHAKE}, {@link Mix#EVEN} or {@link Mix#KEEP}
   */
  public ShakeShakeVertex(Mix forward, Mix backward) {
    setForward(forward);
    setBackward(backward);
  }

  /** How alpha, the forward weight of {@code a}, is chosen in training. */
  public Mix getForward() {
    return forward;
  }

  public void setForward(Mix forward) {
    if (forward == null || forward == Mix.KEEP) {
      throw new IllegalArgumentException("forward mix must be SHAKE or EVEN, got " + forward);
    }
    this.forward = forward;
  }

  /** How beta, the share of the gradient that goes to {@code a}, is chosen in training. */
  public Mix getBackward() {
    return backward;
  }

  public void setBackward(Mix backward) {
    this.backward = Objects.requireNonNull(backward, "backward mix");
  }

  @Override
  public ShakeShakeVertex clone() {
    return new ShakeShakeVertex(forward, backward);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ShakeShakeVertex other
        && other.forward == forward
        && other.backward == backward;
  }

  @Override
  public int hashCode() {
    return 31 * forward.hashCode() + backward.hashCode();
  }

  @Override
  public String toString() {
    return "ShakeShakeVertex(forward=" + forward + ", backward=" + backward + ")";
  }

  @Override
  public long numParams(boolean backprop) {
    return 0;
  }

  @Override
  public int minVertexInputs() {
    return 2;
  }

  @Override
  public int maxVertexInputs() {
    return 2;
  }

  @Override
  public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(
      ComputationGraph graph,
      String name,
      int idx,
      INDArray paramsView,
      boolean initializeParams,
      DataType networkDatatype) {
    return new ShakeShakeVertexImpl(graph, name, idx, forward, backward, networkDatatype);
  }

  @Override
  public InputType getOutputType(int layerIndex, InputType... vertexInputs)
      throws InvalidInputTypeException {
    if (vertexInputs.length != 2) {
      throw new InvalidInputTypeException(
          "ShakeShakeVertex takes two inputs (a, b), got " + vertexInputs.length);
    }
    if (!vertexInputs[0].equals(vertexInputs[1])) {
      throw new InvalidInputTypeException(
          "ShakeShakeVertex needs a and b of one shape, got " + Arrays.toString(vertexInputs));
    }
    return vertexInputs[0];
  }

  @Override
  public MemoryReport getMemoryReport(InputType... inputTypes) {
    // Output and input gradients are DL4J's activations and activation gradients; the weights are
    // one number per example.
    InputType out = getOutputType(-1, inputTypes);
    return new LayerMemoryReport.Builder(null, ShakeShakeVertex.class, inputTypes[0], out)
        .standardMemory(0, 0)
        .workingMemory(0, 0, 0, 0)
        .cacheMemory(0, 0)
        .build();
  }
}
