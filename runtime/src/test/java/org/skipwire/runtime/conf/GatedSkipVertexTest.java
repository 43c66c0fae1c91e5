package org.skipwire.runtime.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.skipwire.runtime.conf.VertexTesting.assertGradientsMatch;
import static org.skipwire.runtime.conf.VertexTesting.assertJsonRoundTrip;
import static org.skipwire.runtime.conf.VertexTesting.assertWorkspacesChangeNothing;
import static org.skipwire.runtime.conf.VertexTesting.oneHot;
import static org.skipwire.runtime.conf.VertexTesting.random;
import static org.skipwire.runtime.conf.VertexTesting.writeAndRestore;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

class GatedSkipVertexTest {

  private static final int CHANNELS = 2;
  private static final int SPATIAL = 3;
  private static final int CLASSES = 3;
  private static final int BATCH = 2;

  // --- forward ----------------------------------------------------------------------------------

  @Test
  void alphaOneGivesTheBranch() {
    INDArray x = random(1, DataType.DOUBLE, 2, 3);
    INDArray f = random(2, DataType.DOUBLE, 2, 3);

    assertEquals(f, gateOnly(1).output(x, f)[0]);
  }

  @Test
  void alphaZeroGivesTheShortcut() {
    INDArray x = random(1, DataType.DOUBLE, 2, 3);
    INDArray f = random(2, DataType.DOUBLE, 2, 3);

    assertEquals(x, gateOnly(0).output(x, f)[0]);
  }

  @Test
  void mixesInBetween() {
    INDArray x = random(1, DataType.DOUBLE, 2, 3);
    INDArray f = random(2, DataType.DOUBLE, 2, 3);

    INDArray y = gateOnly(0.25).output(x, f)[0];

    assertTrue(f.mul(0.25).addi(x.mul(0.75)).equalsWithEps(y, 1e-15));
  }

  @Test
  void alphaIsOneParameterStartingAtAlphaInit() {
    assertEquals(1, new GatedSkipVertex(0.3).numParams(true));
    assertEquals(
        Nd4j.valueArrayOf(new long[] {1, 1}, 0.3, DataType.DOUBLE),
        gatedBlock(0.3, new NoOp(), WorkspaceMode.ENABLED).paramTable().get("gate_alpha"));
  }

  // --- gradients --------------------------------------------------------------------------------

  @ParameterizedTest(name = "alpha {0}")
  @ValueSource(doubles = {0, 0.3, 1})
  void gradientsMatchFiniteDifferences(double alphaInit) {
    ComputationGraph graph = gatedBlock(alphaInit, new NoOp(), WorkspaceMode.ENABLED);

    assertGradientsMatch(graph, input(9), oneHot(BATCH, CLASSES, DataType.DOUBLE));
  }

  @Test
  void trainsTheSameWithAndWithoutWorkspaces() {
    assertWorkspacesChangeNothing(
        ws -> gatedBlock(0.3, new Sgd(0.1), ws),
        input(13),
        oneHot(BATCH, CLASSES, DataType.DOUBLE));
  }

  // --- configuration and serialisation ----------------------------------------------------------

  @Test
  void outputTypeIsTheCommonInputType() {
    InputType map = InputType.convolutional(4, 4, 2);
    GatedSkipVertex v = new GatedSkipVertex(0.5);

    assertEquals(map, v.getOutputType(-1, map, map));
    assertThrows(
        InvalidInputTypeException.class,
        () -> v.getOutputType(-1, map, InputType.convolutional(4, 4, 3)));
    assertThrows(InvalidInputTypeException.class, () -> v.getOutputType(-1, map));
    assertThrows(
        IllegalStateException.class,
        () ->
            gateOnly(0.5)
                .output(Nd4j.zeros(DataType.DOUBLE, 2, 3), Nd4j.zeros(DataType.DOUBLE, 1, 3)));
  }

  @Test
  void equalityFollowsAlphaInit() {
    assertEquals(new GatedSkipVertex(0.5), new GatedSkipVertex(0.5).clone());
    assertEquals(new GatedSkipVertex(0.5).hashCode(), new GatedSkipVertex(0.5).hashCode());
    assertNotEquals(new GatedSkipVertex(0.5), new GatedSkipVertex(0.6));
  }

  @Test
  void hasAMemoryReport() {
    assertNotNull(
        gatedBlock(0.5, new Adam(1e-3), WorkspaceMode.ENABLED)
            .getConfiguration()
            .getMemoryReport(InputType.convolutional(SPATIAL, SPATIAL, CHANNELS)));
  }

  @Test
  void survivesJsonRoundTrip() {
    ComputationGraphConfiguration conf =
        gatedBlock(0.4, new Adam(1e-3), WorkspaceMode.ENABLED).getConfiguration();

    ComputationGraphConfiguration back = assertJsonRoundTrip(conf);

    GatedSkipVertex v = (GatedSkipVertex) back.getVertices().get("gate");
    assertEquals(conf.getVertices().get("gate"), v);
    assertEquals(0.4, v.getAlphaInit());
  }

  @Test
  void survivesModelSerializerRoundTripAfterTraining() {
    ComputationGraph graph = gatedBlock(0.5, new Adam(1e-2), WorkspaceMode.ENABLED);
    INDArray x = input(4);
    graph.fit(new MultiDataSet(x, oneHot(BATCH, CLASSES, DataType.DOUBLE)));
    assertNotEquals(0.5, graph.paramTable().get("gate_alpha").getDouble(0));

    ComputationGraph restored = writeAndRestore(graph);

    assertEquals(graph.getConfiguration(), restored.getConfiguration());
    assertEquals(graph.params(), restored.params());
    assertEquals(graph.getUpdater().getStateViewArray(), restored.getUpdater().getStateViewArray());
    assertEquals(graph.outputSingle(x), restored.outputSingle(x));
  }

  // --- graphs -----------------------------------------------------------------------------------

  private static INDArray input(long seed) {
    return random(seed, DataType.DOUBLE, BATCH, CHANNELS, SPATIAL, SPATIAL);
  }

  private static ComputationGraph gateOnly(double alphaInit) {
    ComputationGraph graph =
        new ComputationGraph(
            new NeuralNetConfiguration.Builder()
                .dataType(DataType.DOUBLE)
                .graphBuilder()
                .addInputs("x", "f")
                .setInputTypes(InputType.feedForward(3), InputType.feedForward(3))
                .addVertex("gate", new GatedSkipVertex(alphaInit), "x", "f")
                .setOutputs("gate")
                .build());
    graph.init();
    return graph;
  }

  /** in -> x = conv; y = gate(x, conv(x)); softmax over the flattened map. */
  private static ComputationGraph gatedBlock(
      double alphaInit, IUpdater updater, WorkspaceMode workspaces) {
    ComputationGraph graph =
        new ComputationGraph(
            new NeuralNetConfiguration.Builder()
                .seed(42)
                .dataType(DataType.DOUBLE)
                .updater(updater)
                .trainingWorkspaceMode(workspaces)
                .inferenceWorkspaceMode(workspaces)
                .weightInit(WeightInit.XAVIER)
                .convolutionMode(ConvolutionMode.Same)
                .graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.convolutional(SPATIAL, SPATIAL, CHANNELS))
                .addLayer("x", conv(), "in")
                .addLayer("f", conv(), "x")
                .addVertex("gate", new GatedSkipVertex(alphaInit), "x", "f")
                .addLayer(
                    "out",
                    new OutputLayer.Builder(LossFunction.MCXENT)
                        .nOut(CLASSES)
                        .activation(Activation.SOFTMAX)
                        .build(),
                    "gate")
                .setOutputs("out")
                .build());
    graph.init();
    return graph;
  }

  private static ConvolutionLayer conv() {
    return new ConvolutionLayer.Builder(3, 3).nOut(CHANNELS).activation(Activation.TANH).build();
  }
}
