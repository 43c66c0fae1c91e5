package org.skipwire.runtime.conf;

import java.util.Arrays;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonInclude;
import org.skipwire.runtime.impl.AddActivationVertexImpl;

/**
 * The sum of its inputs through an activation: the end of a post-activation residual block, {@code
 * relu(F(x) + x)}, as one vertex.
 *
 * <pre>
 *   y = f(x1 + x2 + ...)             inputs of one shape; y has that shape
 *   dL/dxi = f'(x1 + x2 + ...) * dL/dy   for every input
 * </pre>
 *
 * <p>It computes what DL4J's {@code ElementWiseVertex(Add)} followed by an {@code ActivationLayer}
 * computes, with two passes over the activations instead of four: DL4J's add copies its first input
 * and adds the others in place, and the activation layer copies the sum before applying the
 * function. {@link org.skipwire.runtime.BatchNormFolding} puts it into inference copies.
 *
 * <p>The no-argument constructor and the setter exist for DL4J's JSON deserialisation.
 */
public class AddActivationVertex extends GraphVertex {

  private IActivation activation = new ActivationIdentity();
  private String merged;

  /** The identity after the sum; for JSON. */
  public AddActivationVertex() {}

  /**
   * @param activation applied to the sum, e.g. {@code Activation.RELU.getActivationFunction()}
   */
  public AddActivationVertex(IActivation activation) {
    setActivation(activation);
  }

  public IActivation getActivation() {
    return activation;
  }

  public void setActivation(IActivation activation) {
    if (activation == null) {
      throw new IllegalArgumentException("activation must not be null");
    }
    this.activation = activation;
  }

  /**
   * The name of the activation-layer vertex merged into this sum ({@link
   * org.skipwire.runtime.ActivationFusion}, {@link org.skipwire.runtime.BatchNormFolding}), whose
   * value this vertex's output is; null where it was declared as one vertex. Left out of the JSON
   * when null.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public String getMerged() {
    return merged;
  }

  public void setMerged(String merged) {
    this.merged = merged;
  }

  /** This vertex as the merge of the sum and the activation layer {@code merged}. */
  public AddActivationVertex merging(String merged) {
    AddActivationVertex v = clone();
    v.setMerged(merged);
    return v;
  }

  @Override
  public AddActivationVertex clone() {
    AddActivationVertex v = new AddActivationVertex(activation);
    v.merged = merged;
    return v;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AddActivationVertex other
        && other.activation.equals(activation)
        && java.util.Objects.equals(other.merged, merged);
  }

  @Override
  public int hashCode() {
    return 31 * activation.hashCode() + java.util.Objects.hashCode(merged);
  }

  @Override
  public String toString() {
    return "AddActivationVertex(activation="
        + activation
        + (merged == null ? "" : ", merged=" + merged)
        + ")";
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
    return Integer.MAX_VALUE;
  }

  @Override
  public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(
      ComputationGraph graph,
      String name,
      int idx,
      INDArray paramsView,
      boolean initializeParams,
      DataType networkDatatype) {
    return new AddActivationVertexImpl(graph, name, idx, activation, networkDatatype);
  }

  @Override
  public InputType getOutputType(int layerIndex, InputType... vertexInputs)
      throws InvalidInputTypeException {
    if (vertexInputs.length < 2) {
      throw new InvalidInputTypeException(
          "AddActivationVertex takes two or more inputs, got " + vertexInputs.length);
    }
    for (InputType in : vertexInputs) {
      if (!Arrays.equals(in.getShape(false), vertexInputs[0].getShape(false))) {
        throw new InvalidInputTypeException(
            "AddActivationVertex adds inputs of one shape, got " + vertexInputs[0] + " and " + in);
      }
    }
    return vertexInputs[0];
  }

  @Override
  public MemoryReport getMemoryReport(InputType... inputTypes) {
    // The output and the input gradients are activations and activation gradients, which DL4J
    // counts; the pre-activation sum is recomputed in backprop as working memory.
    InputType outputType = getOutputType(-1, inputTypes);
    return new LayerMemoryReport.Builder(null, AddActivationVertex.class, inputTypes[0], outputType)
        .standardMemory(0, 0)
        .workingMemory(
            0, 0, outputType.arrayElementsPerExample(), outputType.arrayElementsPerExample())
        .cacheMemory(0, 0)
        .build();
  }
}
