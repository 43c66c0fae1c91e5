package org.skipwire.runtime.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.skipwire.runtime.ActivationFusion;
import org.skipwire.runtime.VertexInfo;
import org.skipwire.runtime.conf.ScalarParamVertex;
import org.skipwire.runtime.impl.HighwayGateVertexImpl;

/**
 * How much each skip connection of a network carries, measured on a fixed batch in inference mode:
 *
 * <ul>
 *   <li>per residual block, {@code ||F(x)|| / ||x||}: the L2 norm of what the branch adds over the
 *       norm of what the shortcut adds, per example, averaged over the batch. Near 0 the block is
 *       close to the identity (the shortcut carries it); near 1 and above the branch dominates;
 *   <li>per highway layer, the mean transform gate {@code T(x)} over the batch and the features: 0
 *       carries x, 1 passes H(x);
 *   <li>per ReZero or gated skip, the learned scalar alpha.
 * </ul>
 *
 * Blocks are found in the generated vertex table ({@link Blocks#residual}); the measures are keyed
 * {@code stage1.b0 |F|/|x|}, {@code hidden.b0.gate T}, {@code stage1.b0.rezero alpha}.
 */
public final class SkipUsage {
  private final List<Blocks.Block> blocks;
  private final List<String> gates = new ArrayList<>();
  private final List<String> scalars = new ArrayList<>();

  /** The skips of a network with this vertex table. */
  public SkipUsage(List<VertexInfo> vertices) {
    this.blocks = Blocks.residual(vertices);
    for (VertexInfo v : vertices) {
      if (v.kind().startsWith("highway gate")) {
        gates.add(v.name());
      } else if (v.kind().startsWith("scale alpha") || v.kind().startsWith("gated skip")) {
        scalars.add(v.name());
      }
    }
  }

  /** Whether the network has anything to measure. */
  public boolean isEmpty() {
    return blocks.isEmpty() && gates.isEmpty() && scalars.isEmpty();
  }

  /**
   * The measures for {@code graph} on {@code features}, in the order of the vertex table: the
   * residual ratios, then the highway gates, then the scalars.
   */
  public Map<String, Double> measure(ComputationGraph graph, INDArray features) {
    Map<String, Double> out = new LinkedHashMap<>();
    if (isEmpty()) {
      return out;
    }
    // By declared name: on the fast path a ReLU that ends a block is merged into its sum.
    Map<String, INDArray> acts =
        ActivationFusion.byDeclaredName(
            graph.getConfiguration(), graph.feedForward(features, false));
    for (Blocks.Block b : blocks) {
      INDArray branch = acts.get(b.branch());
      INDArray shortcut = acts.get(b.shortcut());
      if (branch != null && shortcut != null) {
        out.put(b.name() + " |F|/|x|", meanRatio(branch, shortcut));
      }
    }
    for (String gate : gates) {
      GraphVertex v = graph.getVertex(gate);
      String input = graph.getConfiguration().getVertexInputs().get(gate).get(0);
      INDArray x = acts.get(input);
      if (v instanceof HighwayGateVertexImpl h && x != null) {
        out.put(gate + " T", h.transformGate(x).meanNumber().doubleValue());
      }
    }
    for (String scalar : scalars) {
      INDArray alpha = graph.getVertex(scalar).paramTable(false).get(ScalarParamVertex.ALPHA);
      if (alpha != null) {
        out.put(scalar + " alpha", alpha.getDouble(0));
      }
    }
    return out;
  }

  /** Mean over the batch of ||a_i|| / ||b_i||, examples whose b_i is zero left out. */
  static double meanRatio(INDArray a, INDArray b) {
    long n = a.size(0);
    INDArray fa = a.reshape(n, a.length() / n);
    INDArray fb = b.reshape(n, b.length() / n);
    INDArray na = fa.norm2(1);
    INDArray nb = fb.norm2(1);
    double sum = 0;
    int count = 0;
    for (int i = 0; i < n; i++) {
      double d = nb.getDouble(i);
      if (d > 0) {
        sum += na.getDouble(i) / d;
        count++;
      }
    }
    return count == 0 ? Double.NaN : sum / count;
  }
}
