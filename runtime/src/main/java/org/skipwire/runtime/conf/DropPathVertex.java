package org.skipwire.runtime.conf;

import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.skipwire.runtime.impl.DropPathVertexImpl;

/**
 * Stochastic depth on a residual branch (Huang et al. 2016, "Deep Networks with Stochastic Depth"),
 * in the inverted form: the branch is rescaled in training, so inference needs no change.
 *
 * <p>One input, the branch output {@code F} of any shape {@code [N, ...]}; the output has that
 * shape:
 *
 * <pre>
 *   training:   y[n] = F[n] * b[n] / p,   b[n] ~ Bernoulli(p), one draw per example n
 *   inference:  y    = F
 * </pre>
 *
 * where {@code p} is the survival probability, in {@code (0, 1]}; {@code p = 1} is the identity in
 * training too. The gradient is {@code dL/dF[n] = dL/dy[n] * b[n] / p} with the draw of the forward
 * pass. The shortcut is not part of this vertex: a block is {@code x + DropPath(F(x))} with an
 * {@code ElementWiseVertex} add, so a dropped example passes {@code x} through unchanged.
 *
 * <p>The paper scales the branch by {@code p} at test time instead; dividing by {@code p} in
 * training gives the same expected output, {@code E[y] = F}, and leaves inference untouched.
 *
 * <p>The draws come from ND4J's global generator ({@code Nd4j.getRandom()}), like DL4J's dropout,
 * so {@code Nd4j.getRandom().setSeed(...)} makes a training step reproducible. Parameter-free.
 *
 * <p>The no-argument constructor and the setter exist for DL4J's JSON deserialisation; code should
 * use {@link #DropPathVertex(double)}.
 */
public class DropPathVertex extends GraphVertex {

  private double survival = 1.0;

  /** Survival 1, the identity; for JSON. */
  public DropPathVertex() {}

  /**
   * @param survival the probability {@code p} that an example keeps its branch in training, in
   *     {@code (0, 1]}
   */
  public DropPathVertex(double survival) {
    setSurvival(survival);
  }

  /** The survival probability {@code p}. */
  public double getSurvival() {
    return survival;
  }

  public void setSurvival(double survival) {
    // Written so that NaN fails too.
    if (!(survival > 0 && survival <= 1)) {
      throw new IllegalArgumentException("survival must be in (0, 1], got " + survival);
    }
    this.survival = survival;
  }

  @Override
  public DropPathVertex clone() {
    return new DropPathVertex(survival);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DropPathVertex other && Double.compare(other.survival, survival) == 0;
  }

  @Override
  public int hashCode() {
    return Double.hashCode(survival);
  }

  @Override
  public String toString() {
    return "DropPathVertex(survival=" + survival + ")";
  }

  @Override
  public long numParams(boolean backprop) {
    return 0;
  }

  @Override
  public int minVertexInputs() {
    return 1;
  }

  @Override
  public int maxVertexInputs() {
    return 1;
  }

  @Override
  public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(
      ComputationGraph graph,
      String name,
      int idx,
      INDArray paramsView,
      boolean initializeParams,
      DataType networkDatatype) {
    return new DropPathVertexImpl(graph, name, idx, survival, networkDatatype);
  }

  @Override
  public InputType getOutputType(int layerIndex, InputType... vertexInputs)
      throws InvalidInputTypeException {
    if (vertexInputs.length != 1) {
      throw new InvalidInputTypeException(
          "DropPathVertex takes one input, got " + vertexInputs.length);
    }
    return vertexInputs[0];
  }

  @Override
  public MemoryReport getMemoryReport(InputType... inputTypes) {
    // Beyond the output and the input gradient, which DL4J counts as activations and their
    // gradients, it holds one number per example: nothing worth reporting.
    InputType outputType = getOutputType(-1, inputTypes);
    return new LayerMemoryReport.Builder(null, DropPathVertex.class, inputTypes[0], outputType)
        .standardMemory(0, 0)
        .workingMemory(0, 0, 0, 0)
        .cacheMemory(0, 0)
        .build();
  }
}
