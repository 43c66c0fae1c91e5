package org.skipwire.runtime.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.TrainingConfig;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.NoOp;

/**
 * Records how large each layer's gradient is, the measure behind the degradation experiment: in a
 * deep plain network the early layers' gradients shrink, in a residual one they do not.
 *
 * <p>After every backward pass it takes, per vertex with trainable parameters (in topological
 * order, input side first), the L2 norm of the raw gradient of all its trainable parameters
 * together: before weight decay and momentum, and without batch-norm running statistics (which DL4J
 * updates through a no-op updater). {@link #endEpoch()} returns the mean over the epoch's updates.
 */
public class GradientFlowListener extends BaseTrainingListener {
  private final Map<String, Double> sums = new LinkedHashMap<>();
  private final List<Map<String, Double>> epochs = new ArrayList<>();
  private int count;

  @Override
  public void onGradientCalculation(Model model) {
    if (!(model instanceof ComputationGraph graph)) {
      return;
    }
    Map<String, INDArray> gradients = graph.gradient().gradientForVariable();
    GraphVertex[] vertices = graph.getVertices();
    for (int idx : graph.topologicalSortOrder()) {
      GraphVertex v = vertices[idx];
      if (v.numParams() == 0) {
        continue;
      }
      TrainingConfig config = v.getConfig();
      double sumSq = 0;
      boolean any = false;
      for (String param : v.paramTable(false).keySet()) {
        if (config != null && config.getUpdaterByParam(param) instanceof NoOp) {
          continue;
        }
        INDArray g = gradients.get(v.getVertexName() + "_" + param);
        if (g != null) {
          double n = g.norm2Number().doubleValue();
          sumSq += n * n;
          any = true;
        }
      }
      if (any) {
        sums.merge(v.getVertexName(), Math.sqrt(sumSq), Double::sum);
      }
    }
    count++;
  }

  /** Adds one update's per-layer norms measured elsewhere (on Spark's executors, say). */
  public void add(Map<String, Double> norms) {
    norms.forEach((layer, norm) -> sums.merge(layer, norm, Double::sum));
    count++;
  }

  /** The per-layer means since the last call, in topological order; starts the next epoch. */
  public Map<String, Double> endEpoch() {
    Map<String, Double> means = new LinkedHashMap<>();
    if (count > 0) {
      sums.forEach((k, v) -> means.put(k, v / count));
    }
    epochs.add(means);
    sums.clear();
    count = 0;
    return means;
  }

  /** Discards what was recorded since the last {@link #endEpoch()}. */
  public void startEpoch() {
    sums.clear();
    count = 0;
  }

  /** Every epoch's means so far, oldest first. */
  public List<Map<String, Double>> history() {
    return List.copyOf(epochs);
  }
}
