package org.skipwire.runtime.conf;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.skipwire.runtime.impl.GatedSkipVertexImpl;

/**
 * A skip connection with one trainable mixing scalar:
 *
 * <pre>
 *   y = alpha * f + (1 - alpha) * x          two inputs of one shape: x, then f = F(x)
 *   dL/df = alpha * dL/dy
 *   dL/dx = (1 - alpha) * dL/dy
 *   dL/dalpha = sum over all elements of dL/dy * (f - x)
 * </pre>
 *
 * <p>alpha = 1 gives the branch alone, alpha = 0 the shortcut alone. alpha is not constrained to
 * [0, 1]: training may push it outside, which makes the combination extrapolate rather than mix. It
 * is the parameter {@value ScalarParamVertex#ALPHA} ({@code [1, 1]}), a bias as far as updaters and
 * regularisation are concerned; see {@link ScalarParamVertex}.
 *
 * <p>The no-argument constructor and the setter exist for DL4J's JSON deserialisation.
 */
public class GatedSkipVertex extends ScalarParamVertex {

  private static final String[] INPUTS = {"x", "f"};

  /** alpha starting at 0; for JSON. */
  public GatedSkipVertex() {}

  /**
   * @param alphaInit the value alpha starts from
   */
  public GatedSkipVertex(double alphaInit) {
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
    return new GatedSkipVertexImpl(
        this, graph, name, idx, paramsView, initializeParams, networkDatatype);
  }

  @Override
  public GatedSkipVertex clone() {
    return copyInto(new GatedSkipVertex());
  }
}
