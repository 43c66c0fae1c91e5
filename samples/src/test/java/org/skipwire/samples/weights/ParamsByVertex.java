package org.skipwire.samples.weights;

import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Copies of every parametrised vertex's flat parameters (batch-norm running statistics included).
 */
final class ParamsByVertex {
  private ParamsByVertex() {}

  static Map<String, INDArray> of(ComputationGraph g) {
    Map<String, INDArray> m = new LinkedHashMap<>();
    for (GraphVertex v : g.getVertices()) {
      if (v.numParams() > 0) {
        m.put(v.getVertexName(), v.params().dup());
      }
    }
    return m;
  }
}
