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

import java.util.Map;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
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
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
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

class LayerNormalizationTest {

  private static final int C = 3;
  private static final int CLASSES = 3;
  private static final int BATCH = 2;
  private static final int STEPS = 4;
  private static final int SPATIAL = 3;
  private static final double EPS = 1e-5;

  /** The input kinds layer norm takes. */
  enum Kind {
    FLAT,
    SEQUENCE,
    MAP
  }

  // --- forward values ---------------------------------------------------------------------------

  @ParameterizedTest
  @EnumSource(Kind.class)
  void forwardEqualsAHandComputation(Kind kind) {
    ComputationGraph graph = normOnly(kind);
    INDArray gamma = Nd4j.create(new double[] {0.5, -1.0, 2.0});
    INDArray beta = Nd4j.create(new double[] {0.1, 0.0, -0.3});
    graph.getLayer("ln").setParam(LayerNormalization.GAMMA, gamma);
    graph.getLayer("ln").setParam(LayerNormalization.BETA, beta);
    INDArray x = random(1, DataType.DOUBLE, shape(kind, 2)).muli(4).subi(1);

    INDArray y = graph.outputSingle(x);

    assertTrue(handNorm(x, gamma, beta).equalsWithEps(y, 1e-12), () -> "got " + y);
  }

  @Test
  void normalisesEachPositionToMeanZeroVarianceOne() {
    INDArray x = random(2, DataType.DOUBLE, BATCH, C, SPATIAL, SPATIAL).muli(10);

    INDArray y = normOnly(Kind.MAP).outputSingle(x);

    assertTrue(
        y.mean(1).equalsWithEps(Nd4j.zeros(DataType.DOUBLE, BATCH, SPATIAL, SPATIAL), 1e-12));
    INDArray variance = y.mul(y).mean(1);
    assertTrue(variance.equalsWithEps(Nd4j.ones(DataType.DOUBLE, BATCH, SPATIAL, SPATIAL), 1e-4));
  }

  @Test
  void examplesDoNotAffectEachOther() {
    ComputationGraph graph = normOnly(Kind.SEQUENCE);
    INDArray x = random(3, DataType.DOUBLE, 2, C, STEPS);
    INDArray other = x.dup();
    other.slice(1).muli(100).addi(7);

    assertEquals(graph.outputSingle(x).slice(0), graph.outputSingle(other).slice(0));
  }

  @Test
  void startsAtGammaOneBetaZeroWithTwoCParameters() {
    ComputationGraph graph = normOnly(Kind.FLAT);
    Map<String, INDArray> p = graph.getLayer("ln").paramTable();

    assertEquals(Nd4j.ones(DataType.DOUBLE, C), p.get(LayerNormalization.GAMMA));
    assertEquals(Nd4j.zeros(DataType.DOUBLE, C), p.get(LayerNormalization.BETA));
    assertEquals(2 * C, graph.getLayer("ln").numParams());
    assertEquals(
        2 * 7,
        new LayerNormalization.Builder()
            .nIn(7)
            .build()
            .initializer()
            .numParams(new LayerNormalization.Builder().nIn(7).build()));
  }

  // --- gradients --------------------------------------------------------------------------------

  @ParameterizedTest
  @EnumSource(Kind.class)
  void gradientsMatchFiniteDifferences(Kind kind) {
    ComputationGraph graph = classifier(kind, new NoOp(), WorkspaceMode.ENABLED);
    perturbGammaBeta(graph);

    assertGradientsMatch(graph, input(kind, 9), labels(kind));
  }

  @Test
  void gradientsMatchFiniteDifferencesOnMaskedSequences() {
    ComputationGraph graph = classifier(Kind.SEQUENCE, new NoOp(), WorkspaceMode.ENABLED);
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
        ws -> classifier(Kind.MAP, new Sgd(0.1), ws), input(Kind.MAP, 13), labels(Kind.MAP));
  }

  // --- configuration ----------------------------------------------------------------------------

  @Test
  void takesItsSizeFromTheInputType() {
    ComputationGraph graph = normOnly(Kind.MAP);
    LayerNormalization ln = (LayerNormalization) graph.getLayer("ln").conf().getLayer();

    assertEquals(C, ln.getNIn());
    assertEquals(C, ln.getNOut());
  }

  @Test
  void outputTypeIsTheInputType() {
    LayerNormalization ln = new LayerNormalization.Builder().nIn(C).nOut(C).build();

    for (InputType t :
        new InputType[] {
          InputType.feedForward(C), InputType.recurrent(C, 5), InputType.convolutional(4, 5, C)
        }) {
      assertEquals(t, ln.getOutputType(0, t));
      assertEquals(null, ln.getPreProcessorForInputType(t));
    }
  }

  @Test
  void rejectsBadSettingsAndInputs() {
    LayerNormalization ln = new LayerNormalization.Builder().nIn(C).build();

    assertThrows(
        IllegalArgumentException.class,
        () -> new LayerNormalization.Builder().nIn(3).nOut(4).build());
    assertThrows(
        IllegalArgumentException.class, () -> new LayerNormalization.Builder().eps(0).build());
    assertThrows(
        IllegalArgumentException.class,
        () -> new LayerNormalization.Builder().eps(Double.NaN).build());
    assertThrows(IllegalStateException.class, () -> ln.getOutputType(0, InputType.feedForward(4)));
    assertThrows(
        IllegalStateException.class,
        () -> ln.getOutputType(0, InputType.recurrent(C, 5, RNNFormat.NWC)));
    assertThrows(
        IllegalStateException.class,
        () -> ln.getOutputType(0, InputType.convolutional(4, 4, C, CNN2DFormat.NHWC)));
    assertThrows(
        Exception.class,
        () -> normOnly(Kind.FLAT).outputSingle(Nd4j.zeros(DataType.DOUBLE, 2, C + 1)));
  }

  @Test
  void defaultsToIdentityActivationNotTheNetworkDefault() {
    ComputationGraph graph = normOnly(Kind.FLAT);
    LayerNormalization ln = (LayerNormalization) graph.getLayer("ln").conf().getLayer();

    assertEquals(Activation.IDENTITY.getActivationFunction(), ln.getActivationFn());
  }

  @Test
  void equalityFollowsTheSettings() {
    LayerNormalization a = new LayerNormalization.Builder().nIn(4).eps(1e-6).build();

    assertEquals(a, a.clone());
    assertEquals(a.hashCode(), a.clone().hashCode());
    assertEquals(4, a.getNOut());
    assertNotEquals(a, new LayerNormalization.Builder().nIn(4).eps(1e-5).build());
    assertNotEquals(a, new LayerNormalization.Builder().nIn(5).eps(1e-6).build());
  }

  @Test
  void hasAMemoryReport() {
    // Not through a sequence graph: DL4J M2.1's Convolution1DLayer fails its own memory report.
    assertNotNull(
        classifier(Kind.MAP, new Adam(1e-3), WorkspaceMode.ENABLED)
            .getConfiguration()
            .getMemoryReport(InputType.convolutional(SPATIAL, SPATIAL, 2)));
    assertNotNull(
        new LayerNormalization.Builder().nIn(C).build().getMemoryReport(InputType.recurrent(C, 5)));
  }

  // --- serialisation ----------------------------------------------------------------------------

  @ParameterizedTest
  @EnumSource(Kind.class)
  void survivesJsonRoundTrip(Kind kind) {
    ComputationGraphConfiguration conf =
        classifier(kind, new Adam(1e-3), WorkspaceMode.ENABLED).getConfiguration();

    ComputationGraphConfiguration back = assertJsonRoundTrip(conf);

    LayerNormalization ln =
        (LayerNormalization) ((LayerVertex) back.getVertices().get("ln")).getLayerConf().getLayer();
    assertEquals(2e-5, ln.getEps());
    assertEquals(C, ln.getNIn());
  }

  @Test
  void survivesModelSerializerRoundTripAfterTraining() {
    ComputationGraph graph = classifier(Kind.SEQUENCE, new Adam(1e-2), WorkspaceMode.ENABLED);
    INDArray x = input(Kind.SEQUENCE, 4);
    graph.fit(new MultiDataSet(x, labels(Kind.SEQUENCE)));
    assertNotEquals(Nd4j.ones(DataType.DOUBLE, C), graph.getParam("ln_gamma"));

    ComputationGraph restored = writeAndRestore(graph);

    assertEquals(graph.getConfiguration(), restored.getConfiguration());
    assertEquals(graph.params(), restored.params());
    assertEquals(graph.getUpdater().getStateViewArray(), restored.getUpdater().getStateViewArray());
    assertEquals(graph.outputSingle(x), restored.outputSingle(x));
  }

  // --- reference and graphs ---------------------------------------------------------------------

  /** Layer norm by loops over every position, in plain doubles. */
  private static INDArray handNorm(INDArray x, INDArray gamma, INDArray beta) {
    long c = x.size(1);
    INDArray y = Nd4j.zeros(DataType.DOUBLE, x.shape());
    long positions = x.length() / c / x.size(0);
    long[] rest = java.util.Arrays.copyOfRange(x.shape(), 2, x.rank());
    for (long n = 0; n < x.size(0); n++) {
      for (long p = 0; p < positions; p++) {
        long[] at = new long[x.rank()];
        at[0] = n;
        long q = p;
        for (int d = rest.length - 1; d >= 0; d--) {
          at[d + 2] = q % rest[d];
          q /= rest[d];
        }
        double mean = 0;
        for (long k = 0; k < c; k++) {
          at[1] = k;
          mean += x.getDouble(at) / c;
        }
        double var = 0;
        for (long k = 0; k < c; k++) {
          at[1] = k;
          var += Math.pow(x.getDouble(at) - mean, 2) / c;
        }
        for (long k = 0; k < c; k++) {
          at[1] = k;
          double xhat = (x.getDouble(at) - mean) / Math.sqrt(var + EPS);
          y.putScalar(at, gamma.getDouble(k) * xhat + beta.getDouble(k));
        }
      }
    }
    return y;
  }

  private static long[] shape(Kind kind, long batch) {
    return switch (kind) {
      case FLAT -> new long[] {batch, C};
      case SEQUENCE -> new long[] {batch, C, STEPS};
      case MAP -> new long[] {batch, C, SPATIAL, SPATIAL};
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
        .getLayer("ln")
        .setParam(LayerNormalization.GAMMA, Nd4j.create(new double[] {0.7, 1.3, -0.9}));
    graph
        .getLayer("ln")
        .setParam(LayerNormalization.BETA, Nd4j.create(new double[] {0.2, -0.1, 0.4}));
  }

  private static ComputationGraph normOnly(Kind kind) {
    ComputationGraph graph =
        new ComputationGraph(
            new NeuralNetConfiguration.Builder()
                .dataType(DataType.DOUBLE)
                .graphBuilder()
                .addInputs("in")
                .setInputTypes(type(kind, C))
                .addLayer("ln", new LayerNormalization.Builder().build(), "in")
                .setOutputs("ln")
                .build());
    graph.init();
    return graph;
  }

  /**
   * in (2 features) -> a weight layer to 3 (dense, causal conv1d or conv) -> layer norm with tanh
   * -> softmax output (per step for sequences).
   */
  private static ComputationGraph classifier(
      Kind kind, IUpdater updater, WorkspaceMode workspaces) {
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
        "ln",
        new LayerNormalization.Builder()
            .nIn(C)
            .nOut(C)
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
        "ln");
    ComputationGraph graph = new ComputationGraph(b.setOutputs("out").build());
    graph.init();
    return graph;
  }
}
