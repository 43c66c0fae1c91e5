package org.skipwire.runtime.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.skipwire.runtime.conf.VertexTesting.assertGradientsMatch;
import static org.skipwire.runtime.conf.VertexTesting.assertJsonRoundTrip;
import static org.skipwire.runtime.conf.VertexTesting.assertWorkspacesChangeNothing;
import static org.skipwire.runtime.conf.VertexTesting.oneHot;
import static org.skipwire.runtime.conf.VertexTesting.random;
import static org.skipwire.runtime.conf.VertexTesting.writeAndRestore;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

class AddActivationVertexTest {
  private static final int BATCH = 3;
  private static final int CLASSES = 3;

  /**
   * in -> a (conv) and b (conv); their sum through the activation, three ways when {@code inputs}
   * is 3 (the input joins), pooled and classified.
   */
  private static ComputationGraph graph(
      Activation activation, boolean fused, int inputs, WorkspaceMode mode, boolean train) {
    GraphBuilder b =
        new NeuralNetConfiguration.Builder()
            .seed(12)
            .dataType(DataType.DOUBLE)
            .updater(train ? new Sgd(0.1) : new NoOp())
            .weightInit(WeightInit.XAVIER)
            .trainingWorkspaceMode(mode)
            .inferenceWorkspaceMode(mode)
            .convolutionMode(ConvolutionMode.Same)
            .graphBuilder()
            .addInputs("in")
            .setInputTypes(InputType.convolutional(4, 4, 2))
            .addLayer("a", conv(), "in")
            .addLayer("b", conv(), "in");
    String[] summed = inputs == 3 ? new String[] {"a", "b", "in"} : new String[] {"a", "b"};
    if (fused) {
      b.addVertex("sum", new AddActivationVertex(activation.getActivationFunction()), summed);
    } else {
      b.addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), summed)
          .addLayer("sum", new ActivationLayer(activation), "add");
    }
    b.addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "sum")
        .addLayer(
            "out",
            new OutputLayer.Builder(LossFunction.MCXENT)
                .nOut(CLASSES)
                .activation(Activation.SOFTMAX)
                .build(),
            "gap")
        .setOutputs("out");
    ComputationGraph graph = new ComputationGraph(b.build());
    graph.init();
    return graph;
  }

  private static ConvolutionLayer conv() {
    return new ConvolutionLayer.Builder(3, 3).nOut(2).activation(Activation.IDENTITY).build();
  }

  private static INDArray input() {
    return random(5, DataType.DOUBLE, BATCH, 2, 4, 4).subi(0.5).muli(4);
  }

  @ParameterizedTest
  @ValueSource(ints = {2, 3})
  void gradientsMatchFiniteDifferences(int inputs) {
    // tanh: no kink for a finite difference to straddle.
    ComputationGraph graph = graph(Activation.TANH, true, inputs, WorkspaceMode.ENABLED, false);
    assertGradientsMatch(graph, input(), oneHot(BATCH, CLASSES, DataType.DOUBLE));
  }

  @ParameterizedTest
  @ValueSource(ints = {2, 3})
  void computesWhatAnAddAndAnActivationLayerCompute(int inputs) {
    ComputationGraph fused = graph(Activation.RELU, true, inputs, WorkspaceMode.ENABLED, true);
    ComputationGraph dl4j = graph(Activation.RELU, false, inputs, WorkspaceMode.ENABLED, true);
    assertEquals(dl4j.params(), fused.params(), "same seed, same parameters");
    INDArray x = input();
    INDArray y = oneHot(BATCH, CLASSES, DataType.DOUBLE);
    assertTrue(dl4j.outputSingle(x).equalsWithEps(fused.outputSingle(x), 1e-12));
    for (int step = 0; step < 3; step++) {
      fused.fit(new org.nd4j.linalg.dataset.MultiDataSet(x, y));
      dl4j.fit(new org.nd4j.linalg.dataset.MultiDataSet(x, y));
    }
    assertTrue(dl4j.params().equalsWithEps(fused.params(), 1e-12), "after three SGD steps");
  }

  @Test
  void workspacesChangeNothing() {
    assertWorkspacesChangeNothing(
        mode -> graph(Activation.RELU, true, 2, mode, true),
        input(),
        oneHot(BATCH, CLASSES, DataType.DOUBLE));
  }

  @Test
  void survivesJsonAndModelSerializer() {
    ComputationGraph graph = graph(Activation.LEAKYRELU, true, 3, WorkspaceMode.ENABLED, true);
    ComputationGraphConfiguration back = assertJsonRoundTrip(graph.getConfiguration());
    assertEquals(
        new AddActivationVertex(Activation.LEAKYRELU.getActivationFunction()),
        back.getVertices().get("sum"));
    ComputationGraph restored = writeAndRestore(graph);
    INDArray x = input();
    assertEquals(graph.outputSingle(x), restored.outputSingle(x));
  }

  @Test
  void inputsOfDifferentShapesAreRefused() {
    AddActivationVertex v = new AddActivationVertex(Activation.RELU.getActivationFunction());
    InvalidInputTypeException e =
        assertThrows(
            InvalidInputTypeException.class,
            () ->
                v.getOutputType(
                    0, InputType.convolutional(4, 4, 2), InputType.convolutional(4, 4, 3)));
    assertTrue(
        e.getMessage().startsWith("AddActivationVertex adds inputs of one shape"), e.getMessage());
    assertThrows(
        InvalidInputTypeException.class,
        () -> v.getOutputType(0, InputType.convolutional(4, 4, 2)));
    assertThrows(IllegalArgumentException.class, () -> new AddActivationVertex(null));
    assertEquals(0, v.numParams(true));
  }
}
