package org.skipwire.runtime.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.skipwire.runtime.conf.VertexTesting.assertGradientsMatch;
import static org.skipwire.runtime.conf.VertexTesting.assertJsonRoundTrip;
import static org.skipwire.runtime.conf.VertexTesting.assertWorkspacesChangeNothing;
import static org.skipwire.runtime.conf.VertexTesting.random;
import static org.skipwire.runtime.conf.VertexTesting.writeAndRestore;

import java.util.Arrays;
import org.deeplearning4j.exception.DL4JInvalidConfigException;
import org.deeplearning4j.exception.DL4JInvalidInputException;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Convolution1DLayer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

class PositionEmbeddingTest {

  private static final int C = 3;
  private static final int STEPS = 4;
  private static final int BATCH = 2;
  private static final int CLASSES = 3;

  // --- forward and initialisation ---------------------------------------------------------------

  @Test
  void addsTheTableToEveryExample() {
    ComputationGraph graph = embeddingOnly(C, STEPS);
    INDArray table = random(1, DataType.DOUBLE, C, STEPS).subi(0.5);
    graph.getLayer("pos").setParam(PositionEmbedding.EMBEDDING, table);
    INDArray x = random(2, DataType.DOUBLE, BATCH, C, STEPS).muli(10);

    INDArray y = graph.outputSingle(x);

    INDArray expected = Nd4j.zeros(DataType.DOUBLE, BATCH, C, STEPS);
    for (int n = 0; n < BATCH; n++) {
      for (int c = 0; c < C; c++) {
        for (int t = 0; t < STEPS; t++) {
          expected.putScalar(n, c, t, x.getDouble(n, c, t) + table.getDouble(c, t));
        }
      }
    }
    assertEquals(expected, y);
  }

  @Test
  void startsFromSmallDistinctRandomVectors() {
    ComputationGraph graph = embeddingOnly(16, 32);
    INDArray p = graph.getLayer("pos").getParam(PositionEmbedding.EMBEDDING);

    assertEquals("[16, 32]", Arrays.toString(p.shape()));
    double std = p.stdNumber().doubleValue();
    assertTrue(std > 0.017 && std < 0.023, "std " + std);
    assertTrue(Math.abs(p.meanNumber().doubleValue()) < 0.005, "mean " + p.meanNumber());
    for (int t = 0; t < 32; t++) {
      for (int s = t + 1; s < 32; s++) {
        assertNotEquals(column(p, t), column(p, s), "positions " + t + " and " + s);
      }
    }
  }

  @Test
  void initStdScalesTheStart() {
    ComputationGraph graph =
        build(
            InputType.recurrent(16, 32),
            new PositionEmbedding.Builder().initStd(0.5).build(),
            new NoOp());
    double std =
        graph.getLayer("pos").getParam(PositionEmbedding.EMBEDDING).stdNumber().doubleValue();

    assertTrue(std > 0.45 && std < 0.55, "std " + std);
  }

  @Test
  void hasOneParameterPerFeatureAndPosition() {
    PositionEmbedding pe = new PositionEmbedding.Builder().nIn(128).length(28).build();

    assertEquals(128 * 28, pe.initializer().numParams(pe));
    assertEquals(C * STEPS, embeddingOnly(C, STEPS).getLayer("pos").numParams());
    assertEquals(C * STEPS, embeddingOnly(C, STEPS).numParams());
  }

  // --- gradients --------------------------------------------------------------------------------

  @Test
  void gradientsMatchFiniteDifferences() {
    ComputationGraph graph = classifier(new NoOp(), WorkspaceMode.ENABLED);

    assertGradientsMatch(graph, random(3, DataType.DOUBLE, BATCH, 2, STEPS), labels());
  }

  @Test
  void trainsTheSameWithAndWithoutWorkspaces() {
    assertWorkspacesChangeNothing(
        ws -> classifier(new Sgd(0.1), ws), random(4, DataType.DOUBLE, BATCH, 2, STEPS), labels());
  }

  // --- configuration ----------------------------------------------------------------------------

  @Test
  void takesSizeAndLengthFromTheInputType() {
    PositionEmbedding pe =
        (PositionEmbedding) embeddingOnly(C, STEPS).getLayer("pos").conf().getLayer();

    assertEquals(C, pe.getNIn());
    assertEquals(C, pe.getNOut());
    assertEquals(STEPS, pe.getLength());
    assertEquals(InputType.recurrent(C, STEPS), pe.getOutputType(0, InputType.recurrent(C, STEPS)));
  }

  @Test
  void refusesASequenceOfAnotherLength() {
    DL4JInvalidConfigException e =
        assertThrows(
            DL4JInvalidConfigException.class,
            () ->
                build(
                    InputType.recurrent(C, STEPS + 1),
                    new PositionEmbedding.Builder().nIn(C).length(STEPS).build(),
                    new NoOp()));

    assertTrue(
        e.getMessage().contains("made for [N, 3, 4] but its input is [N, 3, 5]"), e.getMessage());
  }

  @Test
  void refusesOtherInputs() {
    PositionEmbedding pe = new PositionEmbedding.Builder().nIn(C).length(STEPS).build();

    assertThrows(
        DL4JInvalidConfigException.class,
        () -> pe.getOutputType(0, InputType.recurrent(C + 1, STEPS)));
    assertThrows(
        DL4JInvalidConfigException.class, () -> pe.getOutputType(0, InputType.feedForward(C)));
    assertThrows(
        DL4JInvalidConfigException.class,
        () -> pe.getPreProcessorForInputType(InputType.convolutional(STEPS, 1, C)));
    assertThrows(
        DL4JInvalidConfigException.class,
        () -> pe.getOutputType(0, InputType.recurrent(C, STEPS, RNNFormat.NWC)));
    assertThrows(
        DL4JInvalidConfigException.class,
        () -> new PositionEmbedding.Builder().build().setNIn(InputType.recurrent(C), false));
    assertThrows(
        IllegalArgumentException.class,
        () -> new PositionEmbedding.Builder().nIn(3).nOut(4).build());
    assertThrows(
        IllegalArgumentException.class, () -> new PositionEmbedding.Builder().length(-1).build());
    assertThrows(
        IllegalArgumentException.class,
        () -> new PositionEmbedding.Builder().initStd(Double.NaN).build());
    assertThrows(
        DL4JInvalidInputException.class,
        () -> embeddingOnly(C, STEPS).outputSingle(Nd4j.zeros(DataType.DOUBLE, 1, C, STEPS + 1)));
  }

  @Test
  void takesNoRegularisation() {
    ComputationGraph graph =
        new ComputationGraph(
            new NeuralNetConfiguration.Builder()
                .dataType(DataType.DOUBLE)
                .l2(0.1)
                .weightDecay(0.01)
                .graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.recurrent(C, STEPS))
                .addLayer("pos", new PositionEmbedding.Builder().build(), "in")
                .setOutputs("pos")
                .build());
    graph.init();

    assertNull(
        graph
            .getLayer("pos")
            .conf()
            .getLayer()
            .getRegularizationByParam(PositionEmbedding.EMBEDDING));
  }

  @Test
  void defaultsToIdentityActivationNotTheNetworkDefault() {
    PositionEmbedding pe =
        (PositionEmbedding) embeddingOnly(C, STEPS).getLayer("pos").conf().getLayer();

    assertEquals(Activation.IDENTITY.getActivationFunction(), pe.getActivationFn());
  }

  @Test
  void equalityFollowsTheSettings() {
    PositionEmbedding a = new PositionEmbedding.Builder().nIn(4).length(6).build();

    assertEquals(a, a.clone());
    assertEquals(a.hashCode(), a.clone().hashCode());
    assertEquals(4, a.getNOut());
    assertNotEquals(a, new PositionEmbedding.Builder().nIn(4).length(7).build());
    assertNotEquals(a, new PositionEmbedding.Builder().nIn(5).length(6).build());
    assertNotEquals(a, new PositionEmbedding.Builder().nIn(4).length(6).initStd(0.1).build());
  }

  @Test
  void hasAMemoryReport() {
    assertNotNull(
        new PositionEmbedding.Builder()
            .nIn(C)
            .length(STEPS)
            .build()
            .getMemoryReport(InputType.recurrent(C, STEPS)));
  }

  // --- serialisation ----------------------------------------------------------------------------

  @Test
  void survivesJsonRoundTrip() {
    ComputationGraphConfiguration back =
        assertJsonRoundTrip(classifier(new Adam(1e-3), WorkspaceMode.ENABLED).getConfiguration());

    PositionEmbedding pe =
        (PositionEmbedding) ((LayerVertex) back.getVertices().get("pos")).getLayerConf().getLayer();
    assertEquals(C, pe.getNIn());
    assertEquals(STEPS, pe.getLength());
    assertEquals(0.05, pe.getInitStd());
  }

  @Test
  void survivesModelSerializerRoundTripAfterTraining() {
    ComputationGraph graph = classifier(new Adam(1e-2), WorkspaceMode.ENABLED);
    INDArray x = random(5, DataType.DOUBLE, BATCH, 2, STEPS);
    INDArray before = graph.getParam("pos_P").dup();
    graph.fit(new MultiDataSet(x, labels()));
    assertNotEquals(before, graph.getParam("pos_P"));

    ComputationGraph restored = writeAndRestore(graph);

    assertEquals(graph.getConfiguration(), restored.getConfiguration());
    assertEquals(graph.params(), restored.params());
    assertEquals(graph.getUpdater().getStateViewArray(), restored.getUpdater().getStateViewArray());
    assertEquals(graph.outputSingle(x), restored.outputSingle(x));
  }

  // --- helpers ----------------------------------------------------------------------------------

  private static INDArray column(INDArray p, int t) {
    return p.get(NDArrayIndex.all(), NDArrayIndex.point(t));
  }

  private static INDArray labels() {
    INDArray labels = Nd4j.zeros(DataType.DOUBLE, BATCH, CLASSES, STEPS);
    for (int n = 0; n < BATCH; n++) {
      for (int t = 0; t < STEPS; t++) {
        labels.putScalar(new int[] {n, (n + 2 * t) % CLASSES, t}, 1);
      }
    }
    return labels;
  }

  private static ComputationGraph embeddingOnly(int c, int steps) {
    return build(
        InputType.recurrent(c, steps), new PositionEmbedding.Builder().build(), new NoOp());
  }

  private static ComputationGraph build(InputType in, PositionEmbedding pe, IUpdater updater) {
    ComputationGraph graph =
        new ComputationGraph(
            new NeuralNetConfiguration.Builder()
                .seed(42)
                .dataType(DataType.DOUBLE)
                .updater(updater)
                .graphBuilder()
                .addInputs("in")
                .setInputTypes(in)
                .addLayer("pos", pe, "in")
                .setOutputs("pos")
                .build());
    graph.init();
    return graph;
  }

  /**
   * in (2 features) -> 1x1 conv1d to 3 -> position embedding (tanh, std 0.05) -> per-step softmax.
   */
  private static ComputationGraph classifier(IUpdater updater, WorkspaceMode workspaces) {
    ComputationGraph graph =
        new ComputationGraph(
            new NeuralNetConfiguration.Builder()
                .seed(42)
                .dataType(DataType.DOUBLE)
                .updater(updater)
                .trainingWorkspaceMode(workspaces)
                .inferenceWorkspaceMode(workspaces)
                .weightInit(WeightInit.XAVIER)
                .graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.recurrent(2, STEPS))
                .addLayer(
                    "w",
                    new Convolution1DLayer.Builder(1)
                        .nOut(C)
                        .activation(Activation.IDENTITY)
                        .build(),
                    "in")
                .addLayer(
                    "pos",
                    new PositionEmbedding.Builder()
                        .nIn(C)
                        .length(STEPS)
                        .initStd(0.05)
                        .activation(Activation.TANH)
                        .build(),
                    "w")
                .addLayer(
                    "out",
                    new RnnOutputLayer.Builder(LossFunction.MCXENT)
                        .nOut(CLASSES)
                        .activation(Activation.SOFTMAX)
                        .build(),
                    "pos")
                .setOutputs("out")
                .build());
    graph.init();
    return graph;
  }
}
