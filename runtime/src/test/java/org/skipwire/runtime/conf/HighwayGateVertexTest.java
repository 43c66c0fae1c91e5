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
import static org.skipwire.runtime.conf.VertexTesting.oneHot;
import static org.skipwire.runtime.conf.VertexTesting.random;
import static org.skipwire.runtime.conf.VertexTesting.writeAndRestore;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex.Op;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.nn.weights.WeightInitRelu;
import org.deeplearning4j.nn.weights.WeightInitUniform;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;
import org.nd4j.linalg.ops.transforms.Transforms;

class HighwayGateVertexTest {

  /** Features of x, h and y in a dense case. */
  private static final int FEATURES = 3;

  /** Channels of x, h and y in a convolutional case. */
  private static final int CHANNELS = 2;

  /** Height and width in a convolutional case; small because conv gradient checks are slow. */
  private static final int SPATIAL = 3;

  private static final int CLASSES = 3;
  private static final int BATCH = 2;

  // --- parameter counts -------------------------------------------------------------------------

  @Test
  void denseGateHasFSquaredPlusFParameters() {
    assertEquals(4 * 4 + 4, HighwayGateVertex.dense(4).build().numParams(true));
    assertEquals(
        2 * (4 * 4 + 4), HighwayGateVertex.dense(4).independentCarry(true).build().numParams(true));
  }

  @Test
  void convGateHasKSquaredCSquaredPlusCParameters() {
    assertEquals(3 * 3 * 5 * 5 + 5, HighwayGateVertex.conv(5).build().numParams(true));
    assertEquals(1 * 1 * 5 * 5 + 5, HighwayGateVertex.conv(5, 1).build().numParams(true));
    assertEquals(
        2 * (3 * 3 * 5 * 5 + 5),
        HighwayGateVertex.conv(5, 3).independentCarry(true).build().numParams(true));
  }

  @Test
  void graphHoldsTheGateParametersButDl4jNumParamsCountsLayersOnly() {
    ComputationGraph graph = highwayGraph(true, true, DataType.DOUBLE, new NoOp());
    long gate = 2 * (3 * 3 * CHANNELS * CHANNELS + CHANNELS);
    long layers = 0;
    for (org.deeplearning4j.nn.api.Layer l : graph.getLayers()) {
      layers += l.numParams();
    }

    assertEquals(layers + gate, graph.params().length());
    // DL4J 1.0.0-M2.1 ComputationGraph.numParams() sums layers and skips vertices with
    // parameters; whoever reports a total must count params().length() instead.
    assertEquals(layers, graph.numParams());
  }

  // --- forward values ---------------------------------------------------------------------------

  @ParameterizedTest(name = "conv {0}, independent carry {1}, gate bias {2}")
  @CsvSource({
    "false, false, -20",
    "false, false, 20",
    "false, true, -20",
    "false, true, 20",
    "true, false, -20",
    "true, false, 20",
    "true, true, -20",
    "true, true, 20"
  })
  void saturatedGateCarriesXOrPassesH(boolean conv, boolean carry, double gateBias) {
    HighwayGateVertex gate = builder(conv).independentCarry(carry).gateBias(gateBias).build();
    ComputationGraph graph = gateOnly(gate, conv);
    long[] shape =
        conv ? new long[] {BATCH, CHANNELS, SPATIAL, SPATIAL} : new long[] {BATCH, FEATURES};
    INDArray x = random(1, DataType.DOUBLE, shape);
    INDArray h = random(2, DataType.DOUBLE, shape).addi(2); // apart from x, so a mix would show

    INDArray y = graph.output(x, h)[0];

    INDArray expected = gateBias < 0 ? x : h;
    assertTrue(
        expected.equalsWithEps(y, 1e-6),
        () -> "max |y - expected| = " + Transforms.abs(y.sub(expected)).maxNumber());
  }

  @Test
  void gateBiasesStartAtTheirSettings() {
    ComputationGraph graph =
        gateOnly(
            HighwayGateVertex.dense(FEATURES).gateBias(-1.5).independentCarry(true).build(), false);

    Map<String, INDArray> p = graph.paramTable();

    assertEquals(
        Nd4j.valueArrayOf(new long[] {1, FEATURES}, -1.5, DataType.DOUBLE), p.get("gate_bT"));
    assertEquals(
        Nd4j.valueArrayOf(new long[] {1, FEATURES}, 1.5, DataType.DOUBLE), p.get("gate_bC"));
  }

  /**
   * The gate equals the same formula written with DL4J's own layers and element-wise vertices, in
   * output and in every gradient, once the two share parameters.
   */
  @ParameterizedTest(name = "conv {0}, independent carry {1}")
  @CsvSource({"false, false", "false, true", "true, false", "true, true"})
  void matchesTheFormulaBuiltFromDl4jLayers(boolean conv, boolean carry) {
    ComputationGraph gate = highwayGraph(conv, carry, DataType.DOUBLE, new NoOp());
    ComputationGraph reference = referenceGraph(conv, carry);
    // Gate parameter -> the reference parameter that plays its part.
    Map<String, String> counterpart = new LinkedHashMap<>();
    for (String same : List.of("x_W", "x_b", "h_W", "h_b", "out_W", "out_b")) {
      counterpart.put(same, same);
    }
    counterpart.put("gate_WT", "T_W");
    counterpart.put("gate_bT", "T_b");
    if (carry) {
      counterpart.put("gate_WC", "C_W");
      counterpart.put("gate_bC", "C_b");
    }
    Map<String, INDArray> gp = gate.paramTable();
    Map<String, INDArray> rp = reference.paramTable();
    counterpart.forEach((g, r) -> rp.get(r).assign(gp.get(g).reshape(rp.get(r).shape())));
    INDArray in = input(conv, 5);
    INDArray labels = oneHot(BATCH, CLASSES, DataType.DOUBLE);

    assertTrue(reference.outputSingle(in).equalsWithEps(gate.outputSingle(in), 1e-12));

    gate.setInputs(in);
    gate.setLabels(labels);
    gate.computeGradientAndScore();
    reference.setInputs(in);
    reference.setLabels(labels);
    reference.computeGradientAndScore();
    assertEquals(reference.score(), gate.score(), 1e-12);
    Map<String, INDArray> gg = gate.gradient().gradientForVariable();
    Map<String, INDArray> rg = reference.gradient().gradientForVariable();
    counterpart.forEach(
        (g, r) ->
            assertTrue(
                rg.get(r).equalsWithEps(gg.get(g).reshape(rg.get(r).shape()), 1e-12),
                () -> g + " gradient differs from " + r));
  }

  // --- gradient checks --------------------------------------------------------------------------

  @ParameterizedTest(name = "conv {0}, independent carry {1}")
  @CsvSource({"false, false", "false, true", "true, false", "true, true"})
  void gradientsMatchFiniteDifferences(boolean conv, boolean carry) {
    ComputationGraph graph = highwayGraph(conv, carry, DataType.DOUBLE, new NoOp());

    assertGradientsMatch(graph, input(conv, 9), oneHot(BATCH, CLASSES, DataType.DOUBLE));
  }

  @ParameterizedTest(name = "conv {0}, independent carry {1}")
  @CsvSource({"false, true", "true, false"})
  void trainsTheSameWithAndWithoutWorkspaces(boolean conv, boolean carry) {
    assertWorkspacesChangeNothing(
        ws -> highwayGraph(conv, carry, DataType.DOUBLE, new Sgd(0.1), ws),
        input(conv, 13),
        oneHot(BATCH, CLASSES, DataType.DOUBLE));
  }

  // --- serialisation ----------------------------------------------------------------------------

  @ParameterizedTest(name = "conv {0}, independent carry {1}")
  @CsvSource({"false, false", "false, true", "true, false", "true, true"})
  void survivesJsonRoundTrip(boolean conv, boolean carry) {
    ComputationGraphConfiguration conf =
        highwayGraph(conv, carry, DataType.FLOAT, new Adam(1e-3)).getConfiguration();

    ComputationGraphConfiguration back = assertJsonRoundTrip(conf);

    HighwayGateVertex gate = (HighwayGateVertex) back.getVertices().get("gate");
    assertEquals(conf.getVertices().get("gate"), gate);
    assertEquals(conv, gate.isConvolutional());
    assertEquals(carry, gate.isIndependentCarry());
    assertEquals(HighwayGateVertex.DEFAULT_GATE_BIAS, gate.getGateBias());
  }

  @Test
  void jsonKeepsAVertexOwnWeightInitAndBiases() {
    HighwayGateVertex gate =
        HighwayGateVertex.conv(CHANNELS, 1)
            .gateBias(-3)
            .independentCarry(true)
            .carryBias(1)
            .weightInit(new WeightInitUniform())
            .build();
    ComputationGraphConfiguration conf = gateOnly(gate, true).getConfiguration();

    HighwayGateVertex back =
        (HighwayGateVertex) assertJsonRoundTrip(conf).getVertices().get("gate");

    assertEquals(new WeightInitUniform(), back.getWeightInit());
    assertEquals(1, back.getKernel());
    assertEquals(-3, back.getGateBias());
    assertEquals(1, back.getCarryBias());
  }

  @ParameterizedTest(name = "conv {0}, independent carry {1}")
  @CsvSource({"false, false", "true, true"})
  void survivesModelSerializerRoundTripAfterTraining(boolean conv, boolean carry) {
    ComputationGraph graph = highwayGraph(conv, carry, DataType.FLOAT, new Adam(1e-2));
    INDArray in = input(conv, 4).castTo(DataType.FLOAT);
    INDArray labels = oneHot(BATCH, CLASSES, DataType.FLOAT);
    INDArray before = graph.params().dup();
    graph.fit(new org.nd4j.linalg.dataset.MultiDataSet(in, labels));
    assertNotEquals(before, graph.params(), "one Adam step should move the parameters");

    ComputationGraph restored = writeAndRestore(graph);

    assertEquals(graph.getConfiguration(), restored.getConfiguration());
    assertEquals(graph.params(), restored.params());
    assertEquals(graph.getUpdater().getStateViewArray(), restored.getUpdater().getStateViewArray());
    assertEquals(graph.outputSingle(in), restored.outputSingle(in));
  }

  // --- configuration ----------------------------------------------------------------------------

  @Test
  void weightInitDefaultsToTheNetworks() {
    HighwayGateVertex gate = HighwayGateVertex.dense(FEATURES).build();
    new NeuralNetConfiguration.Builder()
        .weightInit(WeightInit.RELU)
        .graphBuilder()
        .addInputs("x", "h")
        .addVertex("gate", gate, "x", "h")
        .setOutputs("gate")
        .build();

    assertEquals(new WeightInitRelu(), gate.getWeightInit());
  }

  @Test
  void outputTypeIsTheInputTypeAndMismatchesAreRejected() {
    HighwayGateVertex conv = HighwayGateVertex.conv(3).build();
    HighwayGateVertex dense = HighwayGateVertex.dense(3).build();
    InputType map = InputType.convolutional(5, 5, 3);

    assertEquals(map, conv.getOutputType(-1, map, map));
    assertEquals(InputType.feedForward(3), dense.getOutputType(-1, feed(3), feed(3)));
    assertThrows(InvalidInputTypeException.class, () -> dense.getOutputType(-1, feed(3), feed(4)));
    assertThrows(InvalidInputTypeException.class, () -> dense.getOutputType(-1, feed(4), feed(4)));
    assertThrows(InvalidInputTypeException.class, () -> dense.getOutputType(-1, map, map));
    assertThrows(InvalidInputTypeException.class, () -> conv.getOutputType(-1, feed(3), feed(3)));
    assertThrows(
        InvalidInputTypeException.class,
        () -> conv.getOutputType(-1, map, InputType.convolutional(4, 4, 3)));
    assertThrows(InvalidInputTypeException.class, () -> conv.getOutputType(-1, map));
  }

  @Test
  void passesTheMaskOfXThrough() {
    HighwayGateVertex gate = HighwayGateVertex.dense(FEATURES).build();
    INDArray mask = Nd4j.create(new double[] {1, 0}).reshape(2, 1);

    assertNull(gate.feedForwardMaskArrays(null, MaskState.Active, 2));
    assertEquals(
        mask,
        gate.feedForwardMaskArrays(new INDArray[] {mask, null}, MaskState.Active, 2).getFirst());
  }

  @Test
  void rejectsBadSettings() {
    assertThrows(IllegalArgumentException.class, () -> HighwayGateVertex.dense(0).build());
    assertThrows(IllegalArgumentException.class, () -> HighwayGateVertex.conv(3, 2).build());
    assertThrows(
        IllegalArgumentException.class,
        () -> HighwayGateVertex.dense(3).gateBias(Double.NaN).build());
    assertThrows(
        IllegalArgumentException.class,
        () -> HighwayGateVertex.dense(3).carryBias(Double.POSITIVE_INFINITY).build());
  }

  @Test
  void equalityAndCloneFollowTheSettings() {
    HighwayGateVertex a = HighwayGateVertex.conv(3).independentCarry(true).build();

    assertEquals(a, a.clone());
    assertEquals(a.hashCode(), a.clone().hashCode());
    assertNotEquals(a, HighwayGateVertex.conv(3).build());
    assertNotEquals(a, HighwayGateVertex.conv(3, 1).independentCarry(true).build());
    assertNotEquals(a, HighwayGateVertex.conv(4).independentCarry(true).build());
    assertNotEquals(a, HighwayGateVertex.conv(3).independentCarry(true).gateBias(-1).build());
    assertNotEquals(HighwayGateVertex.dense(3).build(), HighwayGateVertex.conv(3, 1).build());
  }

  @Test
  void hasAMemoryReport() {
    ComputationGraphConfiguration conf =
        highwayGraph(true, true, DataType.FLOAT, new Adam(1e-3)).getConfiguration();

    assertNotNull(conf.getMemoryReport(InputType.convolutional(SPATIAL, SPATIAL, 2)));
  }

  // --- graphs -----------------------------------------------------------------------------------

  private static HighwayGateVertex.Builder builder(boolean conv) {
    return conv ? HighwayGateVertex.conv(CHANNELS) : HighwayGateVertex.dense(FEATURES);
  }

  private static InputType feed(int size) {
    return InputType.feedForward(size);
  }

  private static INDArray input(boolean conv, long seed) {
    return conv
        ? random(seed, DataType.DOUBLE, BATCH, 2, SPATIAL, SPATIAL)
        : random(seed, DataType.DOUBLE, BATCH, 2);
  }

  /** x and h are the graph's inputs and y its output: for forward values. */
  private static ComputationGraph gateOnly(HighwayGateVertex gate, boolean conv) {
    InputType type =
        conv
            ? InputType.convolutional(SPATIAL, SPATIAL, CHANNELS)
            : InputType.feedForward(FEATURES);
    ComputationGraph graph =
        new ComputationGraph(
            new NeuralNetConfiguration.Builder()
                .seed(42)
                .dataType(DataType.DOUBLE)
                .weightInit(WeightInit.XAVIER)
                .graphBuilder()
                .addInputs("x", "h")
                .setInputTypes(type, type)
                .addVertex("gate", gate, "x", "h")
                .setOutputs("gate")
                .build());
    graph.init();
    return graph;
  }

  private static NeuralNetConfiguration.Builder base(
      DataType type, IUpdater updater, WorkspaceMode workspaces) {
    return new NeuralNetConfiguration.Builder()
        .seed(42)
        .dataType(type)
        .updater(updater)
        .trainingWorkspaceMode(workspaces)
        .inferenceWorkspaceMode(workspaces)
        .weightInit(WeightInit.XAVIER)
        .convolutionMode(ConvolutionMode.Same);
  }

  /** The graph input has 2 features or channels; x and h are layers on it. */
  private static GraphBuilder trunk(
      boolean conv, DataType type, IUpdater updater, WorkspaceMode workspaces) {
    return base(type, updater, workspaces)
        .graphBuilder()
        .addInputs("in")
        .setInputTypes(
            conv ? InputType.convolutional(SPATIAL, SPATIAL, 2) : InputType.feedForward(2))
        .addLayer("x", body(conv, Activation.TANH), "in")
        .addLayer("h", body(conv, Activation.TANH), "x");
  }

  private static Layer body(boolean conv, Activation activation) {
    return conv
        ? new ConvolutionLayer.Builder(3, 3).nOut(CHANNELS).activation(activation).build()
        : new DenseLayer.Builder().nOut(FEATURES).activation(activation).build();
  }

  private static OutputLayer softmax() {
    return new OutputLayer.Builder(LossFunction.MCXENT)
        .nOut(CLASSES)
        .activation(Activation.SOFTMAX)
        .build();
  }

  /** in -> x (tanh) -> h (tanh); gate(x, h) -> softmax. */
  private static ComputationGraph highwayGraph(
      boolean conv, boolean carry, DataType type, IUpdater updater) {
    return highwayGraph(conv, carry, type, updater, WorkspaceMode.ENABLED);
  }

  private static ComputationGraph highwayGraph(
      boolean conv, boolean carry, DataType type, IUpdater updater, WorkspaceMode workspaces) {
    ComputationGraph graph =
        new ComputationGraph(
            trunk(conv, type, updater, workspaces)
                .addVertex("gate", builder(conv).independentCarry(carry).build(), "x", "h")
                .addLayer("out", softmax(), "gate")
                .setOutputs("out")
                .build());
    graph.init();
    return graph;
  }

  /**
   * The same network with the gate spelled out in DL4J: T and C are sigmoid layers on x, and y = x
   * + T * (h - x), or h * T + x * C with an independent carry.
   */
  private static ComputationGraph referenceGraph(boolean conv, boolean carry) {
    GraphBuilder b =
        trunk(conv, DataType.DOUBLE, new NoOp(), WorkspaceMode.ENABLED)
            .addLayer("T", body(conv, Activation.SIGMOID), "x");
    if (carry) {
      b.addLayer("C", body(conv, Activation.SIGMOID), "x")
          .addVertex("hT", new ElementWiseVertex(Op.Product), "h", "T")
          .addVertex("xC", new ElementWiseVertex(Op.Product), "x", "C")
          .addVertex("y", new ElementWiseVertex(Op.Add), "hT", "xC");
    } else {
      b.addVertex("hMinusX", new ElementWiseVertex(Op.Subtract), "h", "x")
          .addVertex("gated", new ElementWiseVertex(Op.Product), "T", "hMinusX")
          .addVertex("y", new ElementWiseVertex(Op.Add), "x", "gated");
    }
    ComputationGraph graph =
        new ComputationGraph(b.addLayer("out", softmax(), "y").setOutputs("out").build());
    graph.init();
    return graph;
  }
}
