package org.skipwire.runtime.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.skipwire.runtime.conf.VertexTesting.assertGradientsMatch;
import static org.skipwire.runtime.conf.VertexTesting.assertJsonRoundTrip;
import static org.skipwire.runtime.conf.VertexTesting.random;

import java.util.Arrays;
import java.util.Map;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.rnn.LastTimeStepVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.Convolution1DLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * The DL4J constructs a temporal (TCN-style) residual block is made of, on NCW sequences {@code [N,
 * C, T]}, as the code generator emits them:
 *
 * <pre>
 *   in  recurrent(1, 16)
 *   tcn   Convolution1DLayer.Builder().kernelSize(3).dilation(2)
 *           .convolutionMode(ConvolutionMode.Causal).nOut(4)      [N, 4, 16]
 *   ln    LayerNormalization (ours)                              over the 4 channels of each step
 *   relu  ActivationLayer(RELU)
 *   mix   Convolution1DLayer kernel 1, Causal, nOut 4
 *   proj  Convolution1DLayer kernel 1, nOut 4, from in           the shortcut's projection
 *   add   ElementWiseVertex(Add)(mix, proj)                      [N, 4, 16]
 *   last  new LastTimeStepVertex("in")                           [N, 4]
 *   out   OutputLayer MSE, identity, nOut 1
 * </pre>
 *
 * <p>LastTimeStepVertex takes the name of the network input whose mask, if any, marks each
 * sequence's last step; with no mask it takes step T - 1. It must be a network input name: null
 * fails when the graph is initialised.
 */
class SequenceLayersTest {

  private static final int STEPS = 16;
  private static final int WIDTH = 4;
  private static final int BATCH = 2;

  @Test
  void gradientsMatchFiniteDifferences() {
    ComputationGraph graph = temporalBlock();
    INDArray x = random(1, DataType.DOUBLE, BATCH, 1, STEPS).subi(0.5).muli(2);
    INDArray labels = Nd4j.create(new double[][] {{0.3}, {-0.7}});

    assertGradientsMatch(graph, x, labels);
  }

  @Test
  void lastTimeStepVertexTakesTheFinalStepWithoutAMask() {
    ComputationGraph graph = temporalBlock();
    INDArray x = random(2, DataType.DOUBLE, BATCH, 1, STEPS);

    Map<String, INDArray> acts = graph.feedForward(new INDArray[] {x}, false);

    assertEquals("[2, 4, 16]", Arrays.toString(acts.get("add").shape()));
    assertEquals("[2, 4]", Arrays.toString(acts.get("last").shape()));
    assertEquals(
        acts.get("add").get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(STEPS - 1)),
        acts.get("last"));
    assertEquals("[2, 1]", Arrays.toString(graph.outputSingle(x).shape()));
  }

  @Test
  void lastTimeStepVertexNeedsANetworkInputName() {
    assertThrows(IllegalArgumentException.class, () -> temporalBlock(null));
  }

  /** A change at step t reaches the stack's output at steps t and later only. */
  @Test
  void theConvolutionStackIsCausal() {
    ComputationGraph graph = temporalBlock();
    INDArray x = random(3, DataType.DOUBLE, BATCH, 1, STEPS);
    INDArray base = graph.feedForward(new INDArray[] {x}, false).get("add").dup();

    for (int t = 0; t < STEPS; t++) {
      INDArray changed = x.dup();
      changed.putScalar(new long[] {0, 0, t}, x.getDouble(0, 0, t) + 1.0);
      INDArray diff = graph.feedForward(new INDArray[] {changed}, false).get("add").sub(base);
      for (int s = 0; s < STEPS; s++) {
        double change = stepNorm(diff, 0, s);
        if (s < t) {
          assertEquals(0.0, change, "input step " + t + " reached output step " + s);
        }
      }
      assertTrue(stepNorm(diff, 0, t) > 0, "input step " + t + " did not reach its own step");
      assertEquals(0.0, diff.slice(1).norm2Number().doubleValue(), "examples must not mix");
    }
  }

  /** Kernel 3 with dilation 2 sees steps t, t - 2 and t - 4: the dilation is really there. */
  @Test
  void theDilatedConvolutionSeesEveryOtherStep() {
    ComputationGraph graph = temporalBlock();
    INDArray x = random(4, DataType.DOUBLE, 1, 1, STEPS);
    INDArray base = graph.feedForward(new INDArray[] {x}, false).get("tcn").dup();

    for (int t = 0; t < STEPS; t++) {
      INDArray changed = x.dup();
      changed.putScalar(new long[] {0, 0, t}, x.getDouble(0, 0, t) + 1.0);
      INDArray diff = graph.feedForward(new INDArray[] {changed}, false).get("tcn").sub(base);
      for (int s = 0; s < STEPS; s++) {
        boolean seen = s == t || s == t + 2 || s == t + 4;
        double change = stepNorm(diff, 0, s);
        assertEquals(
            seen, change > 1e-12, "input step " + t + ", output step " + s + ": " + change);
      }
    }
  }

  @Test
  void survivesJsonRoundTrip() {
    assertJsonRoundTrip(temporalBlock().getConfiguration());
  }

  private static double stepNorm(INDArray a, int example, int step) {
    return a.get(NDArrayIndex.point(example), NDArrayIndex.all(), NDArrayIndex.point(step))
        .norm2Number()
        .doubleValue();
  }

  private static ComputationGraph temporalBlock() {
    return temporalBlock("in");
  }

  private static ComputationGraph temporalBlock(String maskInput) {
    ComputationGraph graph =
        new ComputationGraph(
            new NeuralNetConfiguration.Builder()
                .seed(42)
                .dataType(DataType.DOUBLE)
                .updater(new NoOp())
                .weightInit(WeightInit.XAVIER)
                .graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.recurrent(1, STEPS))
                .addLayer(
                    "tcn",
                    new Convolution1DLayer.Builder()
                        .kernelSize(3)
                        .dilation(2)
                        .convolutionMode(ConvolutionMode.Causal)
                        .nOut(WIDTH)
                        .activation(Activation.IDENTITY)
                        .build(),
                    "in")
                .addLayer("ln", new LayerNormalization.Builder().build(), "tcn")
                .addLayer(
                    "relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), "ln")
                .addLayer(
                    "mix",
                    new Convolution1DLayer.Builder()
                        .kernelSize(1)
                        .convolutionMode(ConvolutionMode.Causal)
                        .nOut(WIDTH)
                        .activation(Activation.IDENTITY)
                        .build(),
                    "relu")
                .addLayer(
                    "proj",
                    new Convolution1DLayer.Builder()
                        .kernelSize(1)
                        .nOut(WIDTH)
                        .activation(Activation.IDENTITY)
                        .build(),
                    "in")
                .addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "mix", "proj")
                .addVertex("last", new LastTimeStepVertex(maskInput), "add")
                .addLayer(
                    "out",
                    new OutputLayer.Builder(LossFunction.MSE)
                        .nOut(1)
                        .activation(Activation.IDENTITY)
                        .build(),
                    "last")
                .setOutputs("out")
                .build());
    graph.init();
    return graph;
  }
}
