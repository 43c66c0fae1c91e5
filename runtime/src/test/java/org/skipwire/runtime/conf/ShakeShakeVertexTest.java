package org.skipwire.runtime.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.VertexIndices;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;
import org.skipwire.runtime.conf.ShakeShakeVertex.Mix;
import org.skipwire.runtime.impl.ShakeShakeVertexImpl;

class ShakeShakeVertexTest {

  private static final int CHANNELS = 2;
  private static final int SPATIAL = 3;
  private static final int CLASSES = 3;
  private static final int BATCH = 3;
  private static final long SEED = 2024;

  // --- inference --------------------------------------------------------------------------------

  @ParameterizedTest(name = "{0}-{1}")
  @CsvSource({"SHAKE, SHAKE", "SHAKE, KEEP", "EVEN, EVEN"})
  void inferenceIsTheEvenMean(Mix forward, Mix backward) {
    ComputationGraph graph = shakeOnly(new ShakeShakeVertex(forward, backward));
    INDArray a = random(1, DataType.DOUBLE, 4, 3);
    INDArray b = random(2, DataType.DOUBLE, 4, 3);

    INDArray y = graph.output(false, a, b)[0];

    assertTrue(a.mul(0.5).addi(b.mul(0.5)).equalsWithEps(y, 1e-15));
  }

  // --- training: exact draws --------------------------------------------------------------------

  /**
   * With a fixed seed, forward takes alpha as the next N uniforms of ND4J's generator and backward
   * beta as the N after: the test replays the generator and checks every value exactly.
   */
  @Test
  void trainingForwardAndBackwardUseIndependentPerExampleDraws() {
    int n = 5;
    INDArray a = random(3, DataType.DOUBLE, n, 2, 2, 2);
    INDArray b = random(4, DataType.DOUBLE, n, 2, 2, 2);
    INDArray g = random(5, DataType.DOUBLE, n, 2, 2, 2);
    Nd4j.getRandom().setSeed(SEED);
    double[] alpha = new double[n];
    double[] beta = new double[n];
    for (int i = 0; i < n; i++) {
      alpha[i] = Nd4j.getRandom().nextDouble();
    }
    for (int i = 0; i < n; i++) {
      beta[i] = Nd4j.getRandom().nextDouble();
    }

    Nd4j.getRandom().setSeed(SEED);
    INDArray[] r = forwardBackward(new ShakeShakeVertex(), a, b, g, true);

    for (int i = 0; i < n; i++) {
      INDArray expectY = a.slice(i).mul(alpha[i]).addi(b.slice(i).mul(1 - alpha[i]));
      assertTrue(expectY.equalsWithEps(r[0].slice(i), 1e-15), "y of example " + i);
      assertTrue(g.slice(i).mul(beta[i]).equalsWithEps(r[1].slice(i), 1e-15), "dL/da " + i);
      assertTrue(g.slice(i).mul(1 - beta[i]).equalsWithEps(r[2].slice(i), 1e-15), "dL/db " + i);
      assertNotEquals(alpha[i], beta[i]);
    }
  }

  @Test
  void shakeKeepSendsTheForwardWeightBack() {
    int n = 4;
    INDArray a = random(3, DataType.DOUBLE, n, 3);
    INDArray b = random(4, DataType.DOUBLE, n, 3);
    INDArray g = random(5, DataType.DOUBLE, n, 3);

    INDArray[] r = forwardBackward(new ShakeShakeVertex(Mix.SHAKE, Mix.KEEP), a, b, g, true);

    for (int i = 0; i < n; i++) {
      double alpha =
          (r[0].getDouble(i, 0) - b.getDouble(i, 0)) / (a.getDouble(i, 0) - b.getDouble(i, 0));
      assertTrue(g.slice(i).mul(alpha).equalsWithEps(r[1].slice(i), 1e-9), "dL/da " + i);
    }
  }

  @Test
  void evenEvenTrainsWithHalves() {
    INDArray a = random(3, DataType.DOUBLE, 4, 3);
    INDArray b = random(4, DataType.DOUBLE, 4, 3);
    INDArray g = random(5, DataType.DOUBLE, 4, 3);

    INDArray[] r = forwardBackward(new ShakeShakeVertex(Mix.EVEN, Mix.EVEN), a, b, g, true);

    assertTrue(a.add(b).muli(0.5).equalsWithEps(r[0], 1e-15));
    assertEquals(g.mul(0.5), r[1]);
    assertEquals(g.mul(0.5), r[2]);
  }

  /** Over many examples alpha and beta look U(0, 1): means near 1/2, uncorrelated. */
  @Test
  void weightsAreUniformAndIndependent() {
    int n = 4000;
    INDArray a = Nd4j.ones(DataType.DOUBLE, n, 1);
    INDArray b = Nd4j.zeros(DataType.DOUBLE, n, 1);
    INDArray g = Nd4j.ones(DataType.DOUBLE, n, 1);
    Nd4j.getRandom().setSeed(SEED);

    INDArray[] r = forwardBackward(new ShakeShakeVertex(), a, b, g, true);

    INDArray alpha = r[0]; // y = alpha with a = 1, b = 0
    INDArray beta = r[1]; // dL/da = beta with g = 1
    // U(0,1) has variance 1/12: the mean of 4000 has sd 0.0046; the correlation sd 1/sqrt(4000).
    assertEquals(0.5, alpha.meanNumber().doubleValue(), 0.02);
    assertEquals(0.5, beta.meanNumber().doubleValue(), 0.02);
    assertTrue(alpha.minNumber().doubleValue() >= 0 && alpha.maxNumber().doubleValue() < 1);
    double cov = alpha.sub(0.5).muli(beta.sub(0.5)).meanNumber().doubleValue() * 12; // correlation
    assertEquals(0, cov, 0.07);
  }

  // --- gradients --------------------------------------------------------------------------------

  @ParameterizedTest(name = "{0}-{1}")
  @CsvSource({"SHAKE, KEEP", "EVEN, EVEN"})
  void gradientsMatchFiniteDifferences(Mix forward, Mix backward) {
    ComputationGraph graph =
        shakeBlock(new ShakeShakeVertex(forward, backward), new NoOp(), WorkspaceMode.ENABLED);

    assertGradientsMatchReseeding(graph, input(9), oneHot(BATCH, CLASSES, DataType.DOUBLE), SEED);
  }

  /**
   * The default's backward is not the derivative of its forward, by design: the same check must
   * fail, which shows the independent beta really reaches the parameters.
   */
  @Test
  void shakeShakeGradientsDeliberatelyDifferFromFiniteDifferences() {
    ComputationGraph graph = shakeBlock(new ShakeShakeVertex(), new NoOp(), WorkspaceMode.ENABLED);
    DataType before = Nd4j.dataType();
    DataType beforeFloat = Nd4j.defaultFloatingPointType();
    Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    try {
      assertFalse(
          GradientCheckUtil.checkGradients(
              new GradientCheckUtil.GraphConfig()
                  .net(graph)
                  .inputs(new INDArray[] {input(9)})
                  .labels(new INDArray[] {oneHot(BATCH, CLASSES, DataType.DOUBLE)})
                  .epsilon(1e-6)
                  .maxRelError(1e-3)
                  .minAbsoluteError(1e-8)
                  .exitOnFirstError(true)
                  .callEachIter(net -> Nd4j.getRandom().setSeed(SEED))));
    } finally {
      Nd4j.setDefaultDataTypes(before, beforeFloat);
    }
  }

  @Test
  void trainsTheSameWithAndWithoutWorkspaces() {
    assertWorkspacesChangeNothing(
        ws -> shakeBlock(new ShakeShakeVertex(), new Sgd(0.1), ws),
        input(13),
        oneHot(BATCH, CLASSES, DataType.DOUBLE),
        () -> Nd4j.getRandom().setSeed(SEED));
  }

  // --- configuration and serialisation ----------------------------------------------------------

  @Test
  void defaultIsShakeShake() {
    assertEquals(Mix.SHAKE, new ShakeShakeVertex().getForward());
    assertEquals(Mix.SHAKE, new ShakeShakeVertex().getBackward());
  }

  @Test
  void rejectsKeepForwardAndMismatchedBranches() {
    assertThrows(IllegalArgumentException.class, () -> new ShakeShakeVertex(Mix.KEEP, Mix.KEEP));
    assertThrows(NullPointerException.class, () -> new ShakeShakeVertex(Mix.SHAKE, null));
    InputType map = InputType.convolutional(4, 4, 2);

    assertEquals(map, new ShakeShakeVertex().getOutputType(-1, map, map));
    assertThrows(
        InvalidInputTypeException.class,
        () -> new ShakeShakeVertex().getOutputType(-1, map, InputType.convolutional(4, 4, 3)));
    assertThrows(
        IllegalStateException.class,
        () ->
            shakeOnly(new ShakeShakeVertex())
                .output(Nd4j.zeros(DataType.DOUBLE, 2, 3), Nd4j.zeros(DataType.DOUBLE, 3, 3)));
  }

  @Test
  void passesTheMaskOfAThrough() {
    ShakeShakeVertexImpl vertex =
        new ShakeShakeVertexImpl(null, "shake", 0, Mix.SHAKE, Mix.SHAKE, DataType.DOUBLE);
    INDArray mask = Nd4j.create(new double[] {1, 0}).reshape(2, 1);

    assertNull(vertex.feedForwardMaskArrays(null, MaskState.Active, 2));
    assertEquals(
        mask,
        vertex.feedForwardMaskArrays(new INDArray[] {mask, mask}, MaskState.Active, 2).getFirst());
  }

  @Test
  void hasNoParametersAndAMemoryReport() {
    assertEquals(0, new ShakeShakeVertex().numParams(true));
    assertNotNull(
        shakeBlock(new ShakeShakeVertex(), new NoOp(), WorkspaceMode.ENABLED)
            .getConfiguration()
            .getMemoryReport(InputType.convolutional(SPATIAL, SPATIAL, CHANNELS)));
  }

  @Test
  void equalityFollowsTheMixes() {
    ShakeShakeVertex v = new ShakeShakeVertex(Mix.SHAKE, Mix.KEEP);

    assertEquals(v, v.clone());
    assertEquals(v.hashCode(), v.clone().hashCode());
    assertNotEquals(v, new ShakeShakeVertex());
    assertNotEquals(new ShakeShakeVertex(Mix.EVEN, Mix.KEEP), v);
  }

  @ParameterizedTest(name = "{0}-{1}")
  @CsvSource({"SHAKE, SHAKE", "EVEN, KEEP"})
  void survivesJsonRoundTrip(Mix forward, Mix backward) {
    ComputationGraphConfiguration conf =
        shakeBlock(new ShakeShakeVertex(forward, backward), new NoOp(), WorkspaceMode.ENABLED)
            .getConfiguration();

    ComputationGraphConfiguration back = assertJsonRoundTrip(conf);

    assertEquals(new ShakeShakeVertex(forward, backward), back.getVertices().get("shake"));
  }

  @Test
  void survivesModelSerializerRoundTrip() {
    ComputationGraph graph = shakeBlock(new ShakeShakeVertex(), new NoOp(), WorkspaceMode.ENABLED);
    INDArray x = input(3);

    ComputationGraph restored = writeAndRestore(graph);

    assertEquals(graph.getConfiguration(), restored.getConfiguration());
    assertEquals(graph.outputSingle(x), restored.outputSingle(x));
  }

  // --- helpers ----------------------------------------------------------------------------------

  /** y, dL/da, dL/db of the vertex alone. */
  private static INDArray[] forwardBackward(
      ShakeShakeVertex conf, INDArray a, INDArray b, INDArray g, boolean training) {
    ShakeShakeVertexImpl vertex =
        new ShakeShakeVertexImpl(
            null, "shake", 0, conf.getForward(), conf.getBackward(), DataType.DOUBLE);
    vertex.setInputVertices(new VertexIndices[] {new VertexIndices(0, 0), new VertexIndices(1, 0)});
    LayerWorkspaceMgr noWs = LayerWorkspaceMgr.noWorkspaces();
    vertex.setInput(0, a, noWs);
    vertex.setInput(1, b, noWs);
    INDArray y = vertex.doForward(training, noWs);
    vertex.setEpsilon(g);
    INDArray[] d = vertex.doBackward(false, noWs).getSecond();
    return new INDArray[] {y, d[0], d[1]};
  }

  private static INDArray input(long seed) {
    return random(seed, DataType.DOUBLE, BATCH, CHANNELS, SPATIAL, SPATIAL);
  }

  private static ComputationGraph shakeOnly(ShakeShakeVertex shake) {
    ComputationGraph graph =
        new ComputationGraph(
            new NeuralNetConfiguration.Builder()
                .dataType(DataType.DOUBLE)
                .graphBuilder()
                .addInputs("a", "b")
                .setInputTypes(InputType.feedForward(3), InputType.feedForward(3))
                .addVertex("shake", shake, "a", "b")
                .setOutputs("shake")
                .build());
    graph.init();
    return graph;
  }

  /** in -> x = conv; y = x + shake(conv_a(x), conv_b(x)); softmax over the flattened map. */
  private static ComputationGraph shakeBlock(
      ShakeShakeVertex shake, IUpdater updater, WorkspaceMode workspaces) {
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
                .addLayer("a", conv(), "x")
                .addLayer("b", conv(), "x")
                .addVertex("shake", shake, "a", "b")
                .addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "x", "shake")
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
