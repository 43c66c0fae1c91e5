package org.skipwire.runtime.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.skipwire.runtime.conf.VertexTesting.assertGradientsMatchReseeding;
import static org.skipwire.runtime.conf.VertexTesting.assertJsonRoundTrip;
import static org.skipwire.runtime.conf.VertexTesting.assertWorkspacesChangeNothing;
import static org.skipwire.runtime.conf.VertexTesting.oneHot;
import static org.skipwire.runtime.conf.VertexTesting.random;
import static org.skipwire.runtime.conf.VertexTesting.writeAndRestore;

import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.VertexIndices;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;
import org.skipwire.runtime.impl.DropPathVertexImpl;

class DropPathVertexTest {

  private static final int CHANNELS = 2;
  private static final int SPATIAL = 3;
  private static final int CLASSES = 3;
  private static final int BATCH = 4;

  /** A seed under which the gradient-check batch of 4 has both kept and dropped examples. */
  private static final long MIXED_SEED = 12345;

  // --- behaviour --------------------------------------------------------------------------------

  @Test
  void isTheIdentityAtInference() {
    ComputationGraph graph = dropOnly(0.5, InputType.feedForward(3));
    INDArray x = random(1, DataType.DOUBLE, 50, 3);

    assertEquals(x, graph.outputSingle(false, x));
  }

  @Test
  void survivalOneIsTheIdentityInTrainingToo() {
    ComputationGraph graph = dropOnly(1.0, InputType.feedForward(3));
    INDArray x = random(1, DataType.DOUBLE, 50, 3);

    assertEquals(x, trainingOutput(graph, x));
  }

  /**
   * Each example is either all zero or {@code x / p}; the share kept is about p, and the mean
   * factor about 1, so the expected output is the input.
   */
  @ParameterizedTest(name = "survival {0}")
  @ValueSource(doubles = {0.5, 0.8})
  void trainingDropsOrRescalesWholeExamples(double survival) {
    int examples = 4000;
    ComputationGraph graph =
        dropOnly(survival, InputType.convolutional(SPATIAL, SPATIAL, CHANNELS));
    INDArray x = random(2, DataType.DOUBLE, examples, CHANNELS, SPATIAL, SPATIAL).addi(0.5);

    Nd4j.getRandom().setSeed(99);
    INDArray y = trainingOutput(graph, x);

    // Per example: the factor y / x, the same at every position.
    INDArray ratio = y.div(x).reshape(examples, -1);
    INDArray low = ratio.min(1);
    INDArray high = ratio.max(1);
    assertTrue(high.sub(low).maxNumber().doubleValue() < 1e-12, "one factor per example");
    int kept = 0;
    double factorSum = 0;
    for (int n = 0; n < examples; n++) {
      double f = low.getDouble(n);
      assertTrue(f == 0 || Math.abs(f - 1 / survival) < 1e-12, "factor " + f);
      kept += f == 0 ? 0 : 1;
      factorSum += f;
    }
    // Binomial(4000, p): 4 standard deviations are under 0.032 of the share.
    double share = (double) kept / examples;
    assertTrue(kept > 0 && kept < examples, "both kept and dropped examples");
    assertEquals(survival, share, 0.04);
    assertEquals(1.0, factorSum / examples, 0.04 / survival);
  }

  @Test
  void drawsFollowNd4jSeed() {
    ComputationGraph graph = dropOnly(0.5, InputType.feedForward(3));
    INDArray x = random(3, DataType.DOUBLE, 40, 3).addi(1);

    Nd4j.getRandom().setSeed(5);
    INDArray first = trainingOutput(graph, x);
    INDArray other = trainingOutput(graph, x);
    Nd4j.getRandom().setSeed(5);
    INDArray again = trainingOutput(graph, x);

    assertEquals(first, again);
    assertNotEquals(first, other);
  }

  @Test
  void backwardScalesEpsilonByTheForwardDraw() {
    DropPathVertexImpl vertex = new DropPathVertexImpl(null, "dp", 0, 0.25, DataType.DOUBLE);
    vertex.setInputVertices(new VertexIndices[] {new VertexIndices(0, 0)});
    LayerWorkspaceMgr noWs = LayerWorkspaceMgr.noWorkspaces();
    INDArray x = Nd4j.ones(DataType.DOUBLE, 64, 2);
    vertex.setInput(0, x, noWs);
    INDArray y = vertex.doForward(true, noWs);
    INDArray e = random(4, DataType.DOUBLE, 64, 2);
    vertex.setEpsilon(e);

    INDArray dx = vertex.doBackward(false, noWs).getSecond()[0];

    // With x = 1, y holds the factors b/p; the gradient is e times the same factors.
    assertEquals(e.mul(y), dx);
    assertTrue(y.minNumber().doubleValue() == 0 && y.maxNumber().doubleValue() == 4);
  }

  @Test
  void backwardAfterAnInferencePassIsTheIdentity() {
    DropPathVertexImpl vertex = new DropPathVertexImpl(null, "dp", 0, 0.25, DataType.DOUBLE);
    vertex.setInputVertices(new VertexIndices[] {new VertexIndices(0, 0)});
    LayerWorkspaceMgr noWs = LayerWorkspaceMgr.noWorkspaces();
    vertex.setInput(0, Nd4j.ones(DataType.DOUBLE, 8, 2), noWs);
    vertex.doForward(false, noWs);
    INDArray e = random(4, DataType.DOUBLE, 8, 2);
    vertex.setEpsilon(e);

    assertEquals(e, vertex.doBackward(false, noWs).getSecond()[0]);
  }

  // --- gradients ---------------------------------------------------------------------------------

  @Test
  void gradientCheckBatchHasKeptAndDroppedExamples() {
    ComputationGraph graph = dropOnly(0.5, InputType.feedForward(1));
    Nd4j.getRandom().setSeed(MIXED_SEED);
    INDArray y = trainingOutput(graph, Nd4j.ones(DataType.DOUBLE, BATCH, 1));

    assertTrue(y.minNumber().doubleValue() == 0 && y.maxNumber().doubleValue() == 2, y::toString);
  }

  @Test
  void gradientsMatchFiniteDifferences() {
    ComputationGraph graph = residualBlock(0.5, new NoOp(), WorkspaceMode.ENABLED);

    assertGradientsMatchReseeding(
        graph, input(9), oneHot(BATCH, CLASSES, DataType.DOUBLE), MIXED_SEED);
  }

  @Test
  void trainsTheSameWithAndWithoutWorkspaces() {
    assertWorkspacesChangeNothing(
        ws -> residualBlock(0.5, new Sgd(0.1), ws),
        input(13),
        oneHot(BATCH, CLASSES, DataType.DOUBLE),
        () -> Nd4j.getRandom().setSeed(MIXED_SEED));
  }

  // --- configuration and serialisation ----------------------------------------------------------

  @Test
  void outputTypeIsTheInputType() {
    InputType map = InputType.convolutional(4, 5, 6);
    InputType seq = InputType.recurrent(3, 7);

    assertEquals(map, new DropPathVertex(0.5).getOutputType(-1, map));
    assertEquals(seq, new DropPathVertex(0.5).getOutputType(-1, seq));
  }

  @Test
  void rejectsSurvivalOutsideZeroToOne() {
    for (double bad : new double[] {0, -0.1, 1.0001, Double.NaN}) {
      assertThrows(IllegalArgumentException.class, () -> new DropPathVertex(bad), "p = " + bad);
    }
    assertEquals(1e-3, new DropPathVertex(1e-3).getSurvival());
  }

  @Test
  void passesMasksThrough() {
    INDArray mask = Nd4j.create(new double[] {1, 0}).reshape(2, 1);
    DropPathVertexImpl dp = new DropPathVertexImpl(null, "dp", 0, 0.5, DataType.DOUBLE);

    assertNull(dp.feedForwardMaskArrays(null, MaskState.Active, 2));
    assertEquals(
        mask, dp.feedForwardMaskArrays(new INDArray[] {mask}, MaskState.Active, 2).getFirst());
  }

  @Test
  void hasNoParametersAndAMemoryReport() {
    assertEquals(0, new DropPathVertex(0.5).numParams(true));
    assertNotNull(
        residualBlock(0.5, new NoOp(), WorkspaceMode.ENABLED)
            .getConfiguration()
            .getMemoryReport(InputType.convolutional(SPATIAL, SPATIAL, CHANNELS)));
  }

  @Test
  void equalityFollowsSurvival() {
    assertEquals(new DropPathVertex(0.5), new DropPathVertex(0.5).clone());
    assertEquals(new DropPathVertex(0.5).hashCode(), new DropPathVertex(0.5).hashCode());
    assertNotEquals(new DropPathVertex(0.5), new DropPathVertex(0.6));
  }

  @Test
  void survivesJsonRoundTrip() {
    ComputationGraphConfiguration conf =
        residualBlock(0.7, new NoOp(), WorkspaceMode.ENABLED).getConfiguration();

    ComputationGraphConfiguration back = assertJsonRoundTrip(conf);

    assertEquals(new DropPathVertex(0.7), back.getVertices().get("drop"));
  }

  @Test
  void survivesModelSerializerRoundTrip() {
    ComputationGraph graph = residualBlock(0.7, new NoOp(), WorkspaceMode.ENABLED);
    INDArray x = input(3);

    ComputationGraph restored = writeAndRestore(graph);

    assertEquals(graph.getConfiguration(), restored.getConfiguration());
    assertEquals(graph.outputSingle(x), restored.outputSingle(x));
  }

  // --- graphs -----------------------------------------------------------------------------------

  private static INDArray input(long seed) {
    return random(seed, DataType.DOUBLE, BATCH, CHANNELS, SPATIAL, SPATIAL);
  }

  /** The output of a training-mode forward pass, as {@code fit} would see it. */
  static INDArray trainingOutput(ComputationGraph graph, INDArray x) {
    return graph
        .feedForward(new INDArray[] {x}, true, false)
        .get(graph.getConfiguration().getNetworkOutputs().get(0));
  }

  private static ComputationGraph dropOnly(double survival, InputType type) {
    ComputationGraph graph =
        new ComputationGraph(
            new NeuralNetConfiguration.Builder()
                .dataType(DataType.DOUBLE)
                .graphBuilder()
                .addInputs("in")
                .setInputTypes(type)
                .addVertex("drop", new DropPathVertex(survival), "in")
                .setOutputs("drop")
                .build());
    graph.init();
    return graph;
  }

  /** in -> x = conv(tanh); y = x + drop(conv(x)); softmax over the flattened map. */
  private static ComputationGraph residualBlock(
      double survival, IUpdater updater, WorkspaceMode workspaces) {
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
                .addVertex("drop", new DropPathVertex(survival), "f")
                .addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "x", "drop")
                .addLayer(
                    "out",
                    new OutputLayer.Builder(LossFunction.MCXENT)
                        .nOut(CLASSES)
                        .activation(Activation.SOFTMAX)
                        .build(),
                    "add")
                .setOutputs("out")
                .build());
    graph.init();
    return graph;
  }

  private static ConvolutionLayer conv() {
    return new ConvolutionLayer.Builder(3, 3).nOut(CHANNELS).activation(Activation.TANH).build();
  }
}
