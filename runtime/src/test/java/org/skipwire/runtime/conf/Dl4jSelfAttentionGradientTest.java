package org.skipwire.runtime.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.skipwire.runtime.conf.VertexTesting.random;

import java.util.Map;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Convolution1DLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.layers.SelfAttentionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * A canary for a DL4J 1.0.0-M2.1 defect, not a test of ours: SelfAttentionLayer, a SameDiffLayer,
 * returns every gradient doubled, its own parameters' and the one it passes to the layers below, as
 * SameDiffGraphVertex does (see {@link HighwayGateVertex}); GradientCheckUtil fails on it. Each
 * stacked attention block therefore doubles the gradients of everything beneath it. Our {@link
 * MultiHeadSelfAttention} cancels the doubling. When this test fails after a DL4J upgrade, the
 * defect is gone and the halving in {@link MultiHeadSelfAttention#defineLayer} must go with it.
 *
 * <p>The check compares the analytic gradient of one element of each parameter with a central
 * difference of the score. DL4J's gradients are sums over the minibatch and its score a mean, so
 * the analytic value is divided by the batch size first.
 */
class Dl4jSelfAttentionGradientTest {

  private static final int BATCH = 2;
  private static final int STEPS = 4;

  @ParameterizedTest(name = "{0}: analytic / numeric = {1}")
  @CsvSource({
    "attn_Wq, 2", // the attention layer's own parameters: doubled
    "attn_Wv, 2",
    "attn_Wo, 2",
    "pre_W, 2", // the layer below it: doubled through the input gradient
    "out_W, 1" // the output layer above it: exact
  })
  void selfAttentionDoublesTheGradientsOfItselfAndEverythingBelow(String param, double factor) {
    ComputationGraph graph = attention();
    INDArray x = random(3, DataType.DOUBLE, BATCH, 4, STEPS);
    MultiDataSet data = new MultiDataSet(x, labels());
    graph.setInputs(x);
    graph.setLabels(labels());
    graph.computeGradientAndScore();
    Map<String, INDArray> grads = graph.gradient().gradientForVariable();
    INDArray p = graph.paramTable().get(param);
    // Element 0: the same in c and f order, whichever the parameter uses.
    double analytic = grads.get(param).getDouble(0) / BATCH;
    double h = 1e-6;
    double before = p.getDouble(0);
    p.putScalar(0, before + h);
    double plus = graph.score(data, true);
    p.putScalar(0, before - h);
    double minus = graph.score(data, true);
    p.putScalar(0, before);

    assertEquals(factor, analytic / ((plus - minus) / (2 * h)), 1e-4);
  }

  /**
   * The workaround, as {@link MultiHeadSelfAttention} applies it: {@code y = out / 2 +
   * stopGradient(out) / 2} has the forward value of {@code out} and half its gradient, which
   * cancels the doubling; DL4J's gradient check then passes on the same graph.
   */
  @org.junit.jupiter.api.Test
  void halvingThroughStopGradientRestoresExactGradients() {
    ComputationGraph graph =
        attention(new MultiHeadSelfAttention.Builder().nOut(4).nHeads(2).build());
    INDArray x = random(3, DataType.DOUBLE, BATCH, 4, STEPS);

    VertexTesting.assertGradientsMatch(graph, x, labels());
  }

  private static INDArray labels() {
    INDArray labels = Nd4j.zeros(DataType.DOUBLE, BATCH, 3, STEPS);
    for (int n = 0; n < BATCH; n++) {
      for (int t = 0; t < STEPS; t++) {
        labels.putScalar(new int[] {n, (n + t) % 3, t}, 1);
      }
    }
    return labels;
  }

  /** in -> 1x1 conv1d (tanh) -> self-attention (2 heads, projected) -> per-step softmax. */
  private static ComputationGraph attention() {
    return attention(
        new SelfAttentionLayer.Builder().nOut(4).nHeads(2).headSize(2).projectInput(true).build());
  }

  private static ComputationGraph attention(Layer layer) {
    ComputationGraph graph =
        new ComputationGraph(
            new NeuralNetConfiguration.Builder()
                .seed(42)
                .dataType(DataType.DOUBLE)
                .updater(new NoOp())
                .weightInit(WeightInit.XAVIER)
                .graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.recurrent(4, STEPS))
                .addLayer(
                    "pre",
                    new Convolution1DLayer.Builder(1).nOut(4).activation(Activation.TANH).build(),
                    "in")
                .addLayer("attn", layer, "pre")
                .addLayer(
                    "out",
                    new RnnOutputLayer.Builder(LossFunction.MCXENT)
                        .nOut(3)
                        .activation(Activation.SOFTMAX)
                        .build(),
                    "attn")
                .setOutputs("out")
                .build());
    graph.init();
    return graph;
  }
}
