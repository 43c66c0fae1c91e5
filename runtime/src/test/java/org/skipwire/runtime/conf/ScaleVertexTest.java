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

import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
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
import org.nd4j.linalg.learning.regularization.L2Regularization;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

class ScaleVertexTest {

  private static final int CHANNELS = 2;
  private static final int SPATIAL = 3;
  private static final int CLASSES = 3;
  private static final int BATCH = 2;

  // --- ReZero -----------------------------------------------------------------------------------

  @Test
  void reZeroBlockIsTheIdentityAtInitialisation() {
    ComputationGraph graph = reZeroBlock(0, new NoOp(), WorkspaceMode.ENABLED, false);
    INDArray x = input(1);

    assertEquals(x, graph.outputSingle(x));
  }

  /**
   * At alpha = 0 the branch's own parameters get no gradient, alpha does; one SGD step moves alpha
   * alone, and then the branch starts to learn.
   */
  @Test
  void atInitialisationOnlyAlphaLearns() {
    ComputationGraph graph = reZeroBlock(0, new Sgd(0.5), WorkspaceMode.ENABLED, true);
    INDArray x = input(2);
    INDArray labels = oneHot(BATCH, CLASSES, DataType.DOUBLE);
    graph.setInputs(x);
    graph.setLabels(labels);
    graph.computeGradientAndScore();
    Map<String, INDArray> grads = graph.gradient().gradientForVariable();

    assertEquals(0, grads.get("f_W").norm2Number().doubleValue());
    assertEquals(0, grads.get("f_b").norm2Number().doubleValue());
    assertNotEquals(0, grads.get("rezero_alpha").getDouble(0));

    INDArray fBefore = graph.getParam("f_W").dup();
    graph.fit(new MultiDataSet(x, labels));
    assertEquals(fBefore, graph.getParam("f_W"));
    assertNotEquals(0, graph.paramTable().get("rezero_alpha").getDouble(0));
    graph.fit(new MultiDataSet(x, labels));
    assertNotEquals(fBefore, graph.getParam("f_W"));
  }

  // --- forward ----------------------------------------------------------------------------------

  @Test
  void multipliesByAlpha() {
    ComputationGraph graph =
        new ComputationGraph(
            new NeuralNetConfiguration.Builder()
                .dataType(DataType.DOUBLE)
                .graphBuilder()
                .addInputs("x")
                .setInputTypes(InputType.recurrent(3, 4))
                .addVertex("scale", new ScaleVertex(-2.5), "x")
                .setOutputs("scale")
                .build());
    graph.init();
    INDArray x = random(3, DataType.DOUBLE, 2, 3, 4);

    assertEquals(x.mul(-2.5), graph.outputSingle(x));
  }

  // --- parameters -------------------------------------------------------------------------------

  @Test
  void alphaIsOneParameterStartingAtAlphaInit() {
    ComputationGraph graph = reZeroBlock(0.75, new NoOp(), WorkspaceMode.ENABLED, true);

    assertEquals(1, new ScaleVertex(0.75).numParams(true));
    assertEquals(
        Nd4j.valueArrayOf(new long[] {1, 1}, 0.75, DataType.DOUBLE),
        graph.paramTable().get("rezero_" + ScalarParamVertex.ALPHA));
  }

  @Test
  void weightDecayLeavesAlphaAloneButBiasDecayApplies() {
    ScaleVertex decayed = new ScaleVertex(0);
    ScaleVertex biasDecayed = new ScaleVertex(0);
    withScale(new NeuralNetConfiguration.Builder().weightDecay(1e-4), decayed);
    withScale(new NeuralNetConfiguration.Builder().l2Bias(1e-4), biasDecayed);

    List<?> r = decayed.getRegularizationByParam(ScalarParamVertex.ALPHA);
    assertTrue(r == null || r.isEmpty(), () -> "alpha should not be weight-decayed: " + r);
    assertEquals(
        List.of(new L2Regularization(1e-4)),
        biasDecayed.getRegularizationByParam(ScalarParamVertex.ALPHA));
  }

  // --- gradients --------------------------------------------------------------------------------

  @ParameterizedTest(name = "alpha {0}")
  @ValueSource(doubles = {0, 0.7})
  void gradientsMatchFiniteDifferences(double alphaInit) {
    ComputationGraph graph = reZeroBlock(alphaInit, new NoOp(), WorkspaceMode.ENABLED, true);

    assertGradientsMatch(graph, input(9), oneHot(BATCH, CLASSES, DataType.DOUBLE));
  }

  @Test
  void trainsTheSameWithAndWithoutWorkspaces() {
    assertWorkspacesChangeNothing(
        ws -> reZeroBlock(0.3, new Sgd(0.1), ws, true),
        input(13),
        oneHot(BATCH, CLASSES, DataType.DOUBLE));
  }

  // --- configuration and serialisation ----------------------------------------------------------

  @Test
  void outputTypeIsTheInputType() {
    InputType map = InputType.convolutional(4, 4, 2);

    assertEquals(map, new ScaleVertex(0).getOutputType(-1, map));
    assertThrows(
        InvalidInputTypeException.class, () -> new ScaleVertex(0).getOutputType(-1, map, map));
  }

  @Test
  void rejectsNonFiniteAlphaInit() {
    assertThrows(IllegalArgumentException.class, () -> new ScaleVertex(Double.NaN));
    assertThrows(IllegalArgumentException.class, () -> new ScaleVertex(Double.NEGATIVE_INFINITY));
  }

  @Test
  void equalityFollowsAlphaInit() {
    assertEquals(new ScaleVertex(0.5), new ScaleVertex(0.5).clone());
    assertEquals(new ScaleVertex(0.5).hashCode(), new ScaleVertex(0.5).hashCode());
    assertNotEquals(new ScaleVertex(0.5), new ScaleVertex(0));
    assertNotEquals(new ScaleVertex(0.5), new GatedSkipVertex(0.5));
  }

  @Test
  void hasAMemoryReport() {
    assertNotNull(
        reZeroBlock(0, new Adam(1e-3), WorkspaceMode.ENABLED, true)
            .getConfiguration()
            .getMemoryReport(InputType.convolutional(SPATIAL, SPATIAL, CHANNELS)));
  }

  @Test
  void survivesJsonRoundTrip() {
    ComputationGraphConfiguration conf =
        reZeroBlock(0.25, new Adam(1e-3), WorkspaceMode.ENABLED, true).getConfiguration();

    ComputationGraphConfiguration back = assertJsonRoundTrip(conf);

    ScaleVertex v = (ScaleVertex) back.getVertices().get("rezero");
    assertEquals(conf.getVertices().get("rezero"), v);
    assertEquals(0.25, v.getAlphaInit());
    assertEquals(new Adam(1e-3), v.getUpdater());
  }

  @Test
  void survivesModelSerializerRoundTripAfterTraining() {
    ComputationGraph graph = reZeroBlock(0, new Adam(1e-2), WorkspaceMode.ENABLED, true);
    INDArray x = input(4);
    graph.fit(new MultiDataSet(x, oneHot(BATCH, CLASSES, DataType.DOUBLE)));
    assertNotEquals(0, graph.paramTable().get("rezero_alpha").getDouble(0));

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

  private static void withScale(NeuralNetConfiguration.Builder b, ScaleVertex v) {
    b.graphBuilder()
        .addInputs("x")
        .addVertex("scale", v, "x")
        .setOutputs("scale")
        .setInputTypes(InputType.feedForward(2))
        .build();
  }

  /**
   * y = in + rezero(f(in)), f a tanh conv; with {@code classify}, softmax over the flattened map
   * after it, else y is the output.
   */
  private static ComputationGraph reZeroBlock(
      double alphaInit, IUpdater updater, WorkspaceMode workspaces, boolean classify) {
    GraphBuilder b =
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
            .addLayer(
                "f",
                new ConvolutionLayer.Builder(3, 3)
                    .nOut(CHANNELS)
                    .activation(Activation.TANH)
                    .build(),
                "in")
            .addVertex("rezero", new ScaleVertex(alphaInit), "f")
            .addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "in", "rezero");
    if (classify) {
      b.addLayer(
              "out",
              new OutputLayer.Builder(LossFunction.MCXENT)
                  .nOut(CLASSES)
                  .activation(Activation.SOFTMAX)
                  .build(),
              "add")
          .setOutputs("out");
    } else {
      b.setOutputs("add");
    }
    ComputationGraph graph = new ComputationGraph(b.build());
    graph.init();
    return graph;
  }
}
