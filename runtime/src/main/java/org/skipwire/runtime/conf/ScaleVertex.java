package org.skipwire.runtime.conf;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.skipwire.runtime.impl.ScaleVertexImpl;

/**
 * Multiplies its input by one trainable scalar: the gate of ReZero (Bachlechner et al. 2020).
 *
 * <pre>
 *   y = alpha * x                      one input x of any shape; y has that shape
 *   dL/dx = alpha * dL/dy
 *   dL/dalpha = sum over all elements of dL/dy * x
 * </pre>
 *
 * <p>A ReZero residual block is {@code y = x + alpha F(x)} with alpha starting at 0: the vertex
 * scales the branch {@code F(x)}, and an {@code ElementWiseVertex} add joins the shortcut, so at
 * initialisation the block is exactly the identity and only alpha receives a gradient.
 *
 * <p>alpha is the parameter {@value ScalarParamVertex#ALPHA} ({@code [1, 1]}), a bias as far as
 * updaters and regularisation are concerned; see {@link ScalarParamVertex}. The no-argument
 * constructor and the setter exist for DL4J's JSON deserialisation.
 */
public class ScaleVertex extends ScalarParamVertex {

  private static final String[] INPUTS = {"x"};

  /** alpha starting at 0; for JSON. */
  public ScaleVertex() {}

  /**
   * @param alphaInit the value alpha starts from; 0 for ReZero
   */
  public ScaleVertex(double alphaInit) {
    super(alphaInit);
  }

  @Override
  protected String[] inputNames() {
    return INPUTS.clone();
  }

  @Override
  public GraphVertex instantiate(
      ComputationGraph graph,
      String name,
      int idx,
      INDArray paramsView,
      boolean initializeParams,
      DataType networkDatatype) {
    // SameDiffVertex.instantiate sets the name the updater looks the vertex up by; so must we.
    setName(name);
    return new ScaleVertexImpl(
        this, graph, name, idx, paramsView, initializeParams, networkDatatype);
  }

  @Override
  public ScaleVertex clone() {
    return copyInto(new ScaleVertex());
  }
}
