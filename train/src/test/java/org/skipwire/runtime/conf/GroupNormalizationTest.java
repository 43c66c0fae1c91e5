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

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Convolution1DLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.common.primitives.Pair;
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
import org.skipwire.runtime.weights.Npy;

class GroupNormalizationTest {

  private static final int C = 6;
  private static final int GROUPS = 3;
  private static final int CLASSES = 3;
  private static final int BATCH = 2;
  private static final int STEPS = 4;
  private static final int SPATIAL = 3;

  /** The input kinds group norm takes. */
  enum Kind {
    FLAT,
    SEQUENCE,
    MAP
  }

  // --- against PyTorch --------------------------------------------------------------------------

  /**
   * torch.nn.GroupNorm's output and gradients for the same input, weights and upstream gradient
   * ({@code tools/torch/skipwire_torch.py groupnorm}: a [2, 8, 3, 4] map in 4 groups, a [3, 6, 5]
   * sequence in 3 groups with eps 1e-3, and instance norm, one group per channel). The fixtures are
   * float32 roundings of PyTorch's float64 results, hence the 1e-6.
   */
  @ParameterizedTest
  @ValueSource(strings = {"map", "sequence", "instance"})
  void equalsTorchGroupNormForwardAndBackward(String name) throws Exception {
    String[] c = caseLine(name);
    INDArray x = fixture(name, "input");
    int groups = Integer.parseInt(c[1]);
    ComputationGraph graph = normOnly(x.rank() == 3 ? Kind.SEQUENCE : Kind.MAP, x, groups, c[2]);
    Layer gn = graph.getLayer("gn");
    gn.setParam(GroupNormalization.GAMMA, fixture(name, "gamma"));
    gn.setParam(GroupNormalization.BETA, fixture(name, "beta"));

    INDArray y = graph.outputSingle(x);
    graph.initGradientsView();
    LayerWorkspaceMgr none = LayerWorkspaceMgr.noWorkspaces();
    gn.setInput(x, none);
    gn.activate(true, none);
    Pair<Gradient, INDArray> back = gn.backpropGradient(fixture(name, "r"), none);

    assertClose(fixture(name, "output"), y);
    assertClose(fixture(name, "dx"), back.getSecond());
    assertClose(fixture(name, "dgamma"), back.getFirst().getGradientFor(GroupNormalization.GAMMA));
    assertClose(fixture(name, "dbeta"), back.getFirst().getGradientFor(GroupNormalization.BETA));
  }

  private static void assertClose(INDArray expected, INDArray actual) {
    INDArray e = expected.reshape(actual.shape());
    double diff = e.sub(actual).amaxNumber().doubleValue();
    assertTrue(diff < 1e-5 * Math.max(1, e.amaxNumber().doubleValue()), () -> "max |diff| " + diff);
  }

  // --- forward values ---------------------------------------------------------------------------

  @ParameterizedTest
  @EnumSource(Kind.class)
  void forwardEqualsAHandComputation(Kind kind) {
    INDArray x = random(1, DataType.DOUBLE, shape(kind, 2)).muli(4).subi(1);
    ComputationGraph graph = normOnly(kind, x, GROUPS, "1e-5");
    INDArray gamma = Nd4j.create(new double[] {0.5, -1.0, 2.0, 1.5, 0.25, -0.75});
    INDArray beta = Nd4j.create(new double[] {0.1, 0.0, -0.3, 0.2, 0.4, -0.1});
    graph.getLayer("gn").setParam(GroupNormalization.GAMMA, gamma);
    graph.getLayer("gn").setParam(GroupNormalization.BETA, beta);

    INDArray y = graph.outputSingle(x);

    assertTrue(handNorm(x, GROUPS, gamma, beta, 1e-5).equalsWithEps(y, 1e-12), () -> "got " + y);
  }

  @Test
  void examplesDoNotAffectEachOtherAndABatchOfOneWorks() {
    INDArray x = random(3, DataType.DOUBLE, 2, C, SPATIAL, SPATIAL);
    ComputationGraph graph = normOnly(Kind.MAP, x, GROUPS, "1e-5");
    INDArray other = x.dup();
    other.slice(1).muli(100).addi(7);

    INDArray first = graph.outputSingle(x).slice(0);
    assertEquals(first, graph.outputSingle(other).slice(0));
    assertTrue(
        first.equalsWithEps(
            graph
                .outputSingle(x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 1)))
                .slice(0),
            1e-12));
  }

  @Test
  void eachGroupHasMeanZeroVarianceOne() {
    INDArray x = random(2, DataType.DOUBLE, BATCH, C, SPATIAL, SPATIAL).muli(10);

    INDArray y = normOnly(Kind.MAP, x, GROUPS, "1e-5").outputSingle(x);

    INDArray groups = y.dup('c').reshape(BATCH, GROUPS, (long) C / GROUPS * SPATIAL * SPATIAL);
    assertTrue(groups.mean(2).equalsWithEps(Nd4j.zeros(DataType.DOUBLE, BATCH, GROUPS), 1e-12));
    INDArray variance = groups.mul(groups).mean(2);
    assertTrue(variance.equalsWithEps(Nd4j.ones(DataType.DOUBLE, BATCH, GROUPS), 1e-4));
  }

  @Test
  void maskedStepsLeaveTheStatisticsAndAreZeroed() {
    INDArray x = random(4, DataType.DOUBLE, 1, C, STEPS);
    ComputationGraph graph = normOnly(Kind.SEQUENCE, x, GROUPS, "1e-5");
    INDArray mask = Nd4j.create(new double[][] {{1, 1, 0, 0}});
    INDArray changed = x.dup();
    changed
        .get(
            org.nd4j.linalg.indexing.NDArrayIndex.all(),
            org.nd4j.linalg.indexing.NDArrayIndex.all(),
            org.nd4j.linalg.indexing.NDArrayIndex.interval(2, 4))
        .assign(50);

    INDArray masked = graph.output(false, new INDArray[] {x}, new INDArray[] {mask})[0];
    INDArray unpadded =
        graph.outputSingle(
            x.get(
                    org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 2))
                .dup());

    assertEquals(masked, graph.output(false, new INDArray[] {changed}, new INDArray[] {mask})[0]);
    INDArray firstTwo =
        masked.get(
            org.nd4j.linalg.indexing.NDArrayIndex.all(),
            org.nd4j.linalg.indexing.NDArrayIndex.all(),
            org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 2));
    assertTrue(unpadded.equalsWithEps(firstTwo, 1e-12));
    assertEquals(
        0.0,
        masked
            .get(
                org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(2, 4))
            .amaxNumber()
            .doubleValue());
  }

  @Test
  void startsAtGammaOneBetaZeroWithTwoCParameters() {
    INDArray x = Nd4j.zeros(DataType.DOUBLE, 1, C);
    ComputationGraph graph = normOnly(Kind.FLAT, x, GROUPS, "1e-5");
    Map<String, INDArray> p = graph.getLayer("gn").paramTable();

    assertEquals(Nd4j.ones(DataType.DOUBLE, C), p.get(GroupNormalization.GAMMA));
    assertEquals(Nd4j.zeros(DataType.DOUBLE, C), p.get(GroupNormalization.BETA));
    assertEquals(2 * C, graph.getLayer("gn").numParams());
    GroupNormalization eight = new GroupNormalization.Builder().nIn(8).groups(2).build();
    assertEquals(16, eight.initializer().numParams(eight));
  }

  // --- gradients --------------------------------------------------------------------------------

  @ParameterizedTest
  @EnumSource(Kind.class)
  void gradientsMatchFiniteDifferences(Kind kind) {
    ComputationGraph graph = classifier(kind, GROUPS, new NoOp(), WorkspaceMode.ENABLED);
    perturbGammaBeta(graph);

    assertGradientsMatch(graph, input(kind, 9), labels(kind));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 6})
  void gradientsMatchFiniteDifferencesForEveryGroupCount(int groups) {
    ComputationGraph graph = classifier(Kind.MAP, groups, new NoOp(), WorkspaceMode.ENABLED);
    perturbGammaBeta(graph);

    assertGradientsMatch(graph, input(Kind.MAP, 11), labels(Kind.MAP));
  }

  @Test
  void gradientsMatchFiniteDifferencesOnMaskedSequences() {
    ComputationGraph graph = classifier(Kind.SEQUENCE, GROUPS, new NoOp(), WorkspaceMode.ENABLED);
    perturbGammaBeta(graph);
    INDArray mask = Nd4j.create(new double[][] {{1, 1, 1, 1}, {1, 1, 0, 0}});
    DataType before = Nd4j.dataType();
    DataType beforeFloat = Nd4j.defaultFloatingPointType();
    Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    try {
      assertTrue(
          GradientCheckUtil.checkGradients(
              new GradientCheckUtil.GraphConfig()
                  .net(graph)
                  .inputs(new INDArray[] {input(Kind.SEQUENCE, 9)})
                  .labels(new INDArray[] {labels(Kind.SEQUENCE)})
                  .inputMask(new INDArray[] {mask})
                  .labelMask(new INDArray[] {mask})
                  .epsilon(1e-6)
                  .maxRelError(1e-3)
                  .minAbsoluteError(1e-8)
                  .exitOnFirstError(true)));
    } finally {
      Nd4j.setDefaultDataTypes(before, beforeFloat);
    }
  }

  @Test
  void trainsTheSameWithAndWithoutWorkspaces() {
    assertWorkspacesChangeNothing(
        ws -> classifier(Kind.MAP, GROUPS, new Sgd(0.1), ws),
        input(Kind.MAP, 13),
        labels(Kind.MAP));
  }

  // --- configuration ----------------------------------------------------------------------------

  @Test
  void takesItsSizeFromTheInputType() {
    ComputationGraph graph =
        normOnly(Kind.MAP, Nd4j.zeros(DataType.DOUBLE, 1, C, SPATIAL, SPATIAL), GROUPS, "1e-5");
    GroupNormalization gn = (GroupNormalization) graph.getLayer("gn").conf().getLayer();

    assertEquals(C, gn.getNIn());
    assertEquals(C, gn.getNOut());
    assertEquals(GROUPS, gn.getGroups());
  }

  @Test
  void outputTypeIsTheInputType() {
    GroupNormalization gn = new GroupNormalization.Builder().nIn(C).groups(GROUPS).build();

    for (InputType t :
        new InputType[] {
          InputType.feedForward(C), InputType.recurrent(C, 5), InputType.convolutional(4, 5, C)
        }) {
      assertEquals(t, gn.getOutputType(0, t));
      assertEquals(null, gn.getPreProcessorForInputType(t));
    }
  }

  @Test
  void rejectsBadSettingsAndInputs() {
    GroupNormalization gn = new GroupNormalization.Builder().nIn(C).groups(GROUPS).build();

    assertThrows(
        IllegalArgumentException.class,
        () -> new GroupNormalization.Builder().nIn(3).nOut(4).build());
    assertThrows(
        IllegalArgumentException.class, () -> new GroupNormalization.Builder().eps(0).build());
    assertThrows(
        IllegalArgumentException.class, () -> new GroupNormalization.Builder().groups(0).build());
    IllegalStateException indivisible =
        assertThrows(
            IllegalStateException.class,
            () -> new GroupNormalization.Builder().nIn(C).groups(4).build());
    assertTrue(indivisible.getMessage().contains("6 channels do not divide into 4 groups"));
    assertThrows(
        IllegalStateException.class,
        () ->
            new GroupNormalization.Builder()
                .groups(4)
                .build()
                .setNIn(InputType.convolutional(2, 2, C), false));
    assertThrows(IllegalStateException.class, () -> gn.getOutputType(0, InputType.feedForward(9)));
    assertThrows(
        IllegalStateException.class,
        () -> gn.getOutputType(0, InputType.recurrent(C, 5, RNNFormat.NWC)));
    assertThrows(
        IllegalStateException.class,
        () -> gn.getOutputType(0, InputType.convolutional(4, 4, C, CNN2DFormat.NHWC)));
    assertThrows(
        Exception.class,
        () ->
            normOnly(Kind.FLAT, Nd4j.zeros(DataType.DOUBLE, 1, C), GROUPS, "1e-5")
                .outputSingle(Nd4j.zeros(DataType.DOUBLE, 2, C + 3)));
  }

  @Test
  void defaultsToIdentityActivationNotTheNetworkDefault() {
    GroupNormalization gn = new GroupNormalization.Builder().build();

    assertEquals(Activation.IDENTITY.getActivationFunction(), gn.getActivationFn());
  }

  @Test
  void equalityFollowsTheSettings() {
    GroupNormalization a = new GroupNormalization.Builder().nIn(4).groups(2).eps(1e-6).build();

    assertEquals(a, a.clone());
    assertEquals(a.hashCode(), a.clone().hashCode());
    assertNotEquals(a, new GroupNormalization.Builder().nIn(4).groups(2).eps(1e-5).build());
    assertNotEquals(a, new GroupNormalization.Builder().nIn(4).groups(4).eps(1e-6).build());
    assertNotEquals(a, new GroupNormalization.Builder().nIn(8).groups(2).eps(1e-6).build());
  }

  @Test
  void hasAMemoryReport() {
    assertNotNull(
        classifier(Kind.MAP, GROUPS, new Adam(1e-3), WorkspaceMode.ENABLED)
            .getConfiguration()
            .getMemoryReport(InputType.convolutional(SPATIAL, SPATIAL, 2)));
    assertNotNull(
        new GroupNormalization.Builder()
            .nIn(C)
            .groups(GROUPS)
            .build()
            .getMemoryReport(InputType.recurrent(C, 5)));
  }

  // --- serialisation ----------------------------------------------------------------------------

  @ParameterizedTest
  @EnumSource(Kind.class)
  void survivesJsonRoundTrip(Kind kind) {
    ComputationGraphConfiguration conf =
        classifier(kind, GROUPS, new Adam(1e-3), WorkspaceMode.ENABLED).getConfiguration();

    ComputationGraphConfiguration back = assertJsonRoundTrip(conf);

    GroupNormalization gn =
        (GroupNormalization) ((LayerVertex) back.getVertices().get("gn")).getLayerConf().getLayer();
    assertEquals(2e-5, gn.getEps());
    assertEquals(C, gn.getNIn());
    assertEquals(GROUPS, gn.getGroups());
  }

  @Test
  void survivesModelSerializerRoundTripAfterTraining() {
    ComputationGraph graph = classifier(Kind.MAP, GROUPS, new Adam(1e-2), WorkspaceMode.ENABLED);
    INDArray x = input(Kind.MAP, 4);
    graph.fit(new MultiDataSet(x, labels(Kind.MAP)));
    assertNotEquals(Nd4j.ones(DataType.DOUBLE, C), graph.getParam("gn_gamma"));

    ComputationGraph restored = writeAndRestore(graph);

    assertEquals(graph.getConfiguration(), restored.getConfiguration());
    assertEquals(graph.params(), restored.params());
    assertEquals(graph.getUpdater().getStateViewArray(), restored.getUpdater().getStateViewArray());
    assertEquals(graph.outputSingle(x), restored.outputSingle(x));
  }

  // --- reference and graphs ---------------------------------------------------------------------

  /** Group norm by loops over every (example, group), in plain doubles. */
  private static INDArray handNorm(
      INDArray x, int groups, INDArray gamma, INDArray beta, double eps) {
    long c = x.size(1);
    long per = c / groups;
    long positions = x.length() / c / x.size(0);
    INDArray flat = x.dup('c').reshape(x.size(0), c, positions);
    INDArray y = Nd4j.zeros(DataType.DOUBLE, x.size(0), c, positions);
    for (long n = 0; n < x.size(0); n++) {
      for (long g = 0; g < groups; g++) {
        double mean = 0;
        for (long k = g * per; k < (g + 1) * per; k++) {
          for (long p = 0; p < positions; p++) {
            mean += flat.getDouble(n, k, p) / (per * positions);
          }
        }
        double var = 0;
        for (long k = g * per; k < (g + 1) * per; k++) {
          for (long p = 0; p < positions; p++) {
            var += Math.pow(flat.getDouble(n, k, p) - mean, 2) / (per * positions);
          }
        }
        for (long k = g * per; k < (g + 1) * per; k++) {
          for (long p = 0; p < positions; p++) {
            double xhat = (flat.getDouble(n, k, p) - mean) / Math.sqrt(var + eps);
            y.putScalar(new long[] {n, k, p}, gamma.getDouble(k) * xhat + beta.getDouble(k));
          }
        }
      }
    }
    return y.reshape(x.shape());
  }

  private static Path resources() throws URISyntaxException {
    return Path.of(GroupNormalizationTest.class.getResource("/groupnorm/cases.txt").toURI())
        .getParent();
  }

  private static String[] caseLine(String name) throws IOException, URISyntaxException {
    return Files.readAllLines(resources().resolve("cases.txt")).stream()
        .map(l -> l.split(" "))
        .filter(p -> p[0].equals(name))
        .findFirst()
        .orElseThrow();
  }

  private static INDArray fixture(String name, String part) throws Exception {
    return Npy.read(resources().resolve(name + "-" + part + ".npy")).castTo(DataType.DOUBLE);
  }

  private static long[] shape(Kind kind, long batch) {
    return switch (kind) {
      case FLAT -> new long[] {batch, C};
      case SEQUENCE -> new long[] {batch, C, STEPS};
      case MAP -> new long[] {batch, C, SPATIAL, SPATIAL};
    };
  }

  private static InputType type(Kind kind, INDArray x) {
    int c = (int) x.size(1);
    return switch (kind) {
      case FLAT -> InputType.feedForward(c);
      case SEQUENCE -> InputType.recurrent(c, x.size(2));
      case MAP -> InputType.convolutional(x.size(2), x.size(3), c);
    };
  }

  private static InputType type(Kind kind, int channels) {
    return switch (kind) {
      case FLAT -> InputType.feedForward(channels);
      case SEQUENCE -> InputType.recurrent(channels, STEPS);
      case MAP -> InputType.convolutional(SPATIAL, SPATIAL, channels);
    };
  }

  private static INDArray input(Kind kind, long seed) {
    long[] s = shape(kind, BATCH);
    s[1] = 2;
    return random(seed, DataType.DOUBLE, s);
  }

  private static INDArray labels(Kind kind) {
    if (kind != Kind.SEQUENCE) {
      return oneHot(BATCH, CLASSES, DataType.DOUBLE);
    }
    INDArray labels = Nd4j.zeros(DataType.DOUBLE, BATCH, CLASSES, STEPS);
    for (int n = 0; n < BATCH; n++) {
      for (int t = 0; t < STEPS; t++) {
        labels.putScalar(new int[] {n, (n + 2 * t) % CLASSES, t}, 1);
      }
    }
    return labels;
  }

  /** gamma and beta away from 1 and 0, so the check sees them in general position. */
  private static void perturbGammaBeta(ComputationGraph graph) {
    graph
        .getLayer("gn")
        .setParam(
            GroupNormalization.GAMMA, Nd4j.create(new double[] {0.7, 1.3, -0.9, 1.1, 0.6, -1.2}));
    graph
        .getLayer("gn")
        .setParam(
            GroupNormalization.BETA, Nd4j.create(new double[] {0.2, -0.1, 0.4, 0.0, -0.3, 0.1}));
  }

  /** The input straight into a group norm, its size taken from {@code x}. */
  private static ComputationGraph normOnly(Kind kind, INDArray x, int groups, String eps) {
    ComputationGraph graph =
        new ComputationGraph(
            new NeuralNetConfiguration.Builder()
                .dataType(DataType.DOUBLE)
                .graphBuilder()
                .addInputs("in")
                .setInputTypes(type(kind, x))
                .addLayer(
                    "gn",
                    new GroupNormalization.Builder()
                        .groups(groups)
                        .eps(Double.parseDouble(eps))
                        .build(),
                    "in")
                .setOutputs("gn")
                .build());
    graph.init();
    return graph;
  }

  /**
   * in (2 features) -> a weight layer to 6 (dense, causal conv1d or conv) -> group norm with tanh
   * -> softmax output (per step for sequences).
   */
  private static ComputationGraph classifier(
      Kind kind, int groups, IUpdater updater, WorkspaceMode workspaces) {
    GraphBuilder b =
        new NeuralNetConfiguration.Builder()
            .seed(42)
            .dataType(DataType.DOUBLE)
            .updater(updater)
            .trainingWorkspaceMode(workspaces)
            .inferenceWorkspaceMode(workspaces)
            .weightInit(WeightInit.XAVIER)
            .graphBuilder()
            .addInputs("in")
            .setInputTypes(type(kind, 2));
    b.addLayer(
        "w",
        switch (kind) {
          case FLAT -> new DenseLayer.Builder().nOut(C).activation(Activation.IDENTITY).build();
          case SEQUENCE ->
              new Convolution1DLayer.Builder(2)
                  .convolutionMode(ConvolutionMode.Causal)
                  .nOut(C)
                  .activation(Activation.IDENTITY)
                  .build();
          case MAP ->
              new ConvolutionLayer.Builder(3, 3)
                  .convolutionMode(ConvolutionMode.Same)
                  .nOut(C)
                  .activation(Activation.IDENTITY)
                  .build();
        },
        "in");
    b.addLayer(
        "gn",
        new GroupNormalization.Builder()
            .nIn(C)
            .nOut(C)
            .groups(groups)
            .eps(2e-5)
            .activation(Activation.TANH)
            .build(),
        "w");
    b.addLayer(
        "out",
        kind == Kind.SEQUENCE
            ? new RnnOutputLayer.Builder(LossFunction.MCXENT)
                .nOut(CLASSES)
                .activation(Activation.SOFTMAX)
                .build()
            : new OutputLayer.Builder(LossFunction.MCXENT)
                .nOut(CLASSES)
                .activation(Activation.SOFTMAX)
                .build(),
        "gn");
    ComputationGraph graph = new ComputationGraph(b.setOutputs("out").build());
    graph.init();
    return graph;
  }
}
