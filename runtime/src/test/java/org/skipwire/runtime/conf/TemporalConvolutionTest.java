package org.skipwire.runtime.conf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.skipwire.runtime.conf.VertexTesting.assertGradientsMatch;
import static org.skipwire.runtime.conf.VertexTesting.assertJsonRoundTrip;
import static org.skipwire.runtime.conf.VertexTesting.assertWorkspacesChangeNothing;
import static org.skipwire.runtime.conf.VertexTesting.random;
import static org.skipwire.runtime.conf.VertexTesting.writeAndRestore;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.deeplearning4j.exception.DL4JInvalidConfigException;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Convolution1DLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Conv2D;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Broadcast;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.skipwire.runtime.FastPaths;

/**
 * {@link TemporalConvolution} against its definition (a naive loop here), DL4J's Conv1D where that
 * works, finite differences, and on the CPU fast path where DL4J's dilated Conv1D fails.
 *
 * <p>The fast path's tests need libnd4j's oneDNN build with its platform helpers on, where float
 * convolutions go to oneDNN (double precision never does: oneDNN is float only). This module's
 * tests run DL4J as shipped, the plain build, where they are skipped; skipwire-onednn runs this
 * class again on the oneDNN build.
 */
class TemporalConvolutionTest {

  private static final int BATCH = 2;
  private static final int LABELS = 2;

  /** The oneDNN build with libnd4j's platform helpers allowed: float convolutions run oneDNN. */
  private static boolean fastPath() {
    return Nd4j.getBackend().buildInfo().contains("HAVE_ONEDNN")
        && Nd4j.getEnvironment().helpersAllowed();
  }

  // --- against the definition -------------------------------------------------------------------

  @ParameterizedTest(name = "causal {0}, k {1}, dilation {2}, stride {3}, padding {4}, bias {5}")
  @CsvSource({
    "true, 3, 2, 1, 0, true",
    "true, 3, 4, 1, 0, false",
    "false, 3, 2, 1, 2, true",
    "false, 3, 1, 2, 1, true",
    "true, 2, 3, 2, 0, true",
    "false, 2, 2, 2, 1, false"
  })
  void gradientsMatchFiniteDifferences(
      boolean causal, int k, int dilation, int stride, int padding, boolean bias) {
    TemporalConvolution conv =
        conv(k, dilation, stride, causal, padding, bias, 2, 3, Activation.TANH);
    int steps = 11;
    ComputationGraph graph = graph(DataType.DOUBLE, conv, 2, steps);
    INDArray x = random(1, DataType.DOUBLE, BATCH, 2, steps).subi(0.5).muli(2);
    INDArray labels = random(2, DataType.DOUBLE, BATCH, LABELS, conv.outputLength(steps));

    assertGradientsMatch(graph, x, labels);
  }

  @ParameterizedTest(
      name = "[{0}, {1}, {2}]: causal {3}, k {4}, dilation {5}, stride {6}, padding {7}, bias {8}")
  @CsvSource({
    "2, 3, 17, true, 3, 1, 1, 0, true",
    "2, 3, 17, true, 3, 2, 1, 0, true",
    "2, 3, 17, true, 3, 4, 1, 0, false",
    "2, 3, 17, true, 2, 3, 2, 0, true",
    "2, 3, 17, true, 3, 2, 3, 0, true",
    "2, 3, 17, false, 3, 1, 1, 1, true",
    "2, 3, 17, false, 3, 2, 1, 2, true",
    "2, 3, 17, false, 3, 3, 2, 1, false",
    "2, 3, 17, false, 5, 2, 3, 0, true",
    "2, 3, 17, false, 1, 1, 2, 0, true",
    "1, 1, 9, true, 3, 2, 1, 0, true",
    "1, 1, 9, false, 3, 4, 1, 4, true",
    "3, 1, 8, true, 2, 8, 1, 0, true",
  })
  void computesTheDefinitionInDoublePrecision(
      int n,
      int c,
      int t,
      boolean causal,
      int k,
      int dilation,
      int stride,
      int padding,
      boolean bias) {
    TemporalConvolution conv =
        conv(k, dilation, stride, causal, padding, bias, c, 4, Activation.IDENTITY);
    ComputationGraph graph = graph(DataType.DOUBLE, conv, c, t);
    INDArray x = random(3, DataType.DOUBLE, n, c, t).subi(0.5);

    INDArray y = activations(graph, x);

    assertArrayEquals(new long[] {n, 4, conv.outputLength(t)}, y.shape());
    INDArray expected = naive(x, graph, conv);
    assertTrue(expected.equalsWithEps(y, 1e-12), () -> "expected\n" + expected + "\ngot\n" + y);
  }

  /**
   * The same weights in DL4J's Conv1D, run with libnd4j's platform helpers off (its reference path,
   * where dilated conv1d works), give the same output.
   */
  @ParameterizedTest(name = "causal {0}, dilation {1}, stride {2}, padding {3}")
  @CsvSource({
    "true, 1, 1, 0",
    "true, 2, 1, 0",
    "true, 4, 1, 0",
    "false, 2, 1, 2",
    "false, 1, 2, 1",
    "false, 4, 1, 4",
    "false, 3, 1, 0"
  })
  void equalsDl4jConvolution1DOnTheReferencePath(
      boolean causal, int dilation, int stride, int padding) {
    int c = 8;
    int t = 40;
    int out = 6;
    TemporalConvolution conv =
        conv(3, dilation, stride, causal, padding, true, c, out, Activation.IDENTITY);
    ComputationGraph ours = graph(DataType.FLOAT, conv, c, t);
    Convolution1DLayer.Builder dl4jConv =
        new Convolution1DLayer.Builder()
            .kernelSize(3)
            .dilation(dilation)
            .stride(stride)
            .nIn(c)
            .nOut(out)
            .activation(Activation.IDENTITY);
    if (causal) {
      dl4jConv.convolutionMode(ConvolutionMode.Causal);
    } else {
      dl4jConv.convolutionMode(ConvolutionMode.Truncate).padding(padding);
    }
    ComputationGraph dl4j = graph(DataType.FLOAT, dl4jConv.build(), c, t);
    // DL4J's Conv1D keeps W as [nOut, nIn, k] but hands the same buffer to libnd4j's conv1d as
    // [k, nIn, nOut] (Convolution1DUtils.reshapeWeightArrayOrGradientForFormat reshapes, it does
    // not permute): element (j, c, o) of that view is W[o, c, j].
    INDArray w = ours.getParam("tc_W");
    dl4j.getParam("tc_W").reshape('c', 3, c, out).assign(w.permute(2, 1, 0));
    dl4j.getParam("tc_b").assign(ours.getParam("tc_b"));
    INDArray x = random(4, DataType.FLOAT, BATCH, c, t).subi(0.5);

    INDArray expected;
    boolean helpers = Nd4j.getEnvironment().helpersAllowed();
    Nd4j.getEnvironment().allowHelpers(false);
    try {
      expected = activations(dl4j, x);
    } finally {
      Nd4j.getEnvironment().allowHelpers(helpers);
    }
    INDArray y = activations(ours, x);

    assertArrayEquals(expected.shape(), y.shape());
    assertTrue(expected.equalsWithEps(y, 1e-5), () -> "DL4J\n" + expected + "\nours\n" + y);
  }

  // --- what the padding and the dilation mean ---------------------------------------------------

  /** A change at input step t leaves every causal output before t exactly as it was. */
  @Test
  void causalOutputsBeforeAChangeStayExactlyTheSame() {
    int t = 24;
    TemporalConvolution conv = conv(3, 2, 1, true, 0, true, 4, 5, Activation.TANH);
    ComputationGraph graph = graph(DataType.FLOAT, conv, 4, t);
    INDArray x = random(5, DataType.FLOAT, BATCH, 4, t);
    INDArray base = activations(graph, x);

    for (int step = 0; step < t; step++) {
      INDArray changed = x.dup();
      changed.putScalar(new long[] {0, 1, step}, x.getDouble(0, 1, step) + 1.0);
      INDArray y = activations(graph, changed);
      for (int s = 0; s < step; s++) {
        assertEquals(stepOf(base, 0, s), stepOf(y, 0, s), "input step " + step + " reached " + s);
      }
      assertNotEquals(stepOf(base, 0, step), stepOf(y, 0, step), "step " + step + " unseen");
      assertEquals(base.slice(1), y.slice(1), "examples must not mix");
    }
  }

  /** Kernel 3 with dilation 4: input step t reaches outputs t, t + 4 and t + 8, and no others. */
  @Test
  void dilationFourReachesExactlyThreeOutputsFourStepsApart() {
    int t = 20;
    TemporalConvolution conv = conv(3, 4, 1, true, 0, true, 3, 3, Activation.IDENTITY);
    ComputationGraph graph = graph(DataType.FLOAT, conv, 3, t);
    INDArray x = random(6, DataType.FLOAT, 1, 3, t);
    INDArray base = activations(graph, x);

    for (int step = 0; step < t; step++) {
      INDArray changed = x.dup();
      changed.putScalar(new long[] {0, 2, step}, x.getDouble(0, 2, step) + 1.0);
      INDArray y = activations(graph, changed);
      Set<Integer> reached = new TreeSet<>();
      for (int s = 0; s < t; s++) {
        if (!stepOf(base, 0, s).equals(stepOf(y, 0, s))) {
          reached.add(s);
        }
      }
      Set<Integer> expected = new TreeSet<>();
      for (int s = step; s <= step + 8 && s < t; s += 4) {
        expected.add(s);
      }
      assertEquals(expected, reached, "outputs changed by input step " + step);
    }
  }

  @ParameterizedTest(name = "causal {0}, k {1}, dilation {2}, stride {3}, padding {4}, T {5}")
  @CsvSource({
    "true, 3, 1, 1, 0, 16, 16",
    "true, 3, 4, 1, 0, 16, 16",
    "true, 3, 4, 2, 0, 16, 8",
    "true, 3, 2, 3, 0, 16, 6",
    "true, 5, 8, 1, 0, 3, 3",
    "false, 3, 1, 1, 0, 16, 14",
    "false, 3, 1, 1, 1, 16, 16",
    "false, 3, 2, 1, 2, 16, 16",
    "false, 3, 4, 1, 0, 16, 8",
    "false, 3, 2, 2, 1, 16, 7",
    "false, 4, 1, 3, 0, 16, 5"
  })
  void outputLengthFollowsThePadding(
      boolean causal, int k, int dilation, int stride, int padding, int t, long expected) {
    TemporalConvolution conv =
        conv(k, dilation, stride, causal, padding, true, 2, 3, Activation.IDENTITY);
    assertEquals(
        InputType.recurrent(3, expected), conv.getOutputType(0, InputType.recurrent(2, t)));

    ComputationGraph graph = graph(DataType.FLOAT, conv, 2, t);
    INDArray y = activations(graph, random(7, DataType.FLOAT, 1, 2, t));
    assertArrayEquals(new long[] {1, 3, expected}, y.shape());
  }

  /**
   * The layer pads itself: the network's convolution mode, which DL4J applies to its own
   * convolution layers, changes neither the output type nor the numbers.
   */
  @Test
  void theNetworksConvolutionModeDoesNotApply() {
    INDArray x = random(8, DataType.FLOAT, BATCH, 3, 15);
    List<INDArray> outputs = new ArrayList<>();
    for (ConvolutionMode mode : ConvolutionMode.values()) {
      TemporalConvolution conv = conv(3, 2, 2, false, 1, true, 3, 4, Activation.IDENTITY);
      ComputationGraphConfiguration c =
          base(DataType.FLOAT, new NoOp())
              .convolutionMode(mode)
              .graphBuilder()
              .addInputs("in")
              .setInputTypes(InputType.recurrent(3, 15))
              .addLayer("tc", conv, "in")
              .setOutputs("tc")
              .build();
      assertEquals(
          InputType.recurrent(4, 7),
          c.getLayerActivationTypes(InputType.recurrent(3, 15)).get("tc"),
          mode.toString());
      ComputationGraph graph = new ComputationGraph(c);
      graph.init();
      outputs.add(graph.outputSingle(x));
    }
    for (INDArray y : outputs) {
      assertEquals(outputs.get(0), y);
    }
  }

  // --- the CPU fast path ------------------------------------------------------------------------

  /**
   * The configuration DL4J's Conv1D fails on with the fast path (the canaries below), forward
   * against the definition and backward against the same graph in double precision, which runs
   * libnd4j's own code rather than oneDNN.
   */
  @ParameterizedTest(name = "dilation {0}, causal {1}")
  @CsvSource({
    "1, true",
    "2, true",
    "4, true",
    "8, true",
    "16, true",
    "2, false",
    "4, false",
    "16, false"
  })
  void worksOnTheFastPathWhereConvolution1DFails(int dilation, boolean causal) {
    int c = 32;
    int t = 96;
    TemporalConvolution conv =
        conv(3, dilation, 1, causal, causal ? 0 : dilation, true, c, c, Activation.TANH);
    ComputationGraph graph = graph(DataType.FLOAT, conv, c, t);
    INDArray x = random(9, DataType.FLOAT, BATCH, c, t).subi(0.5);
    INDArray labels = random(10, DataType.FLOAT, BATCH, LABELS, t);

    INDArray y = activations(graph, x);
    INDArray expected = Transforms.tanh(naive(x, graph, conv), false);
    assertTrue(
        expected.castTo(DataType.FLOAT).equalsWithEps(y, 1e-4),
        () -> "differs from the definition on " + FastPaths.describe());

    ComputationGraph reference = graph(DataType.DOUBLE, conv.clone(), c, t);
    reference.setParams(graph.params().castTo(DataType.DOUBLE));
    Map<String, INDArray> fast = gradients(graph, x, labels);
    Map<String, INDArray> slow =
        gradients(reference, x.castTo(DataType.DOUBLE), labels.castTo(DataType.DOUBLE));
    for (String key : List.of("tc_W", "tc_b")) {
      INDArray a = fast.get(key).castTo(DataType.DOUBLE);
      INDArray b = slow.get(key);
      double relative = a.sub(b).norm2Number().doubleValue() / b.norm2Number().doubleValue();
      assertTrue(
          relative < 1e-4, key + " gradient off by " + relative + " on " + FastPaths.describe());
    }
  }

  /**
   * Canary: DL4J's Conv1D with dilation fails on the fast path (libnd4j's oneDNN conv2d, see
   * TemporalConvolutionImpl). When this starts failing, an upgrade has fixed it.
   */
  @Test
  void dl4jDilatedConvolution1DFailsOnTheFastPath() {
    assumeTrue(fastPath(), "libnd4j runs no oneDNN here: " + FastPaths.describe());
    ComputationGraph graph =
        graph(
            DataType.FLOAT,
            new Convolution1DLayer.Builder()
                .kernelSize(3)
                .dilation(4)
                .convolutionMode(ConvolutionMode.Causal)
                .nIn(32)
                .nOut(32)
                .activation(Activation.IDENTITY)
                .build(),
            32,
            96);
    INDArray x = random(11, DataType.FLOAT, BATCH, 32, 96);

    RuntimeException e = assertThrows(RuntimeException.class, () -> graph.outputSingle(x));
    assertTrue(causes(e).contains(ONEDNN_REFUSES), causes(e));
  }

  /**
   * Canary, one level down: libnd4j's conv2d op with dilation 1 x 4, a 1 x 3 kernel on {@code [2,
   * 32, 1, 96]}, fails with the platform helpers (oneDNN) and works without them.
   */
  @Test
  void libnd4jDilatedConv2dFailsOnTheFastPath() {
    assumeTrue(fastPath(), "libnd4j runs no oneDNN here: " + FastPaths.describe());
    INDArray x = random(12, DataType.FLOAT, BATCH, 32, 1, 96);
    INDArray w = random(13, DataType.FLOAT, 16, 32, 1, 3);
    INDArray z = Nd4j.create(DataType.FLOAT, BATCH, 16, 1, 88);
    OpContext context = Nd4j.getExecutioner().buildContext();
    context.setIArguments(1, 3, 1, 1, 0, 0, 1, 4, 0, 0, 1);
    context.setInputArrays(x, w);
    context.setOutputArrays(z);

    RuntimeException e =
        assertThrows(RuntimeException.class, () -> Nd4j.exec(new Conv2D(), context));
    assertTrue(causes(e).contains(ONEDNN_REFUSES), causes(e));

    Nd4j.getEnvironment().allowHelpers(false);
    try {
      Nd4j.exec(new Conv2D(), context);
    } finally {
      Nd4j.getEnvironment().allowHelpers(true); // fastPath() said they were allowed
    }
    assertTrue(z.norm2Number().doubleValue() > 0, "libnd4j's own conv2d computed nothing");
  }

  private static final String ONEDNN_REFUSES =
      "could not create a descriptor for a dilated convolution";

  private static String causes(Throwable e) {
    StringBuilder s = new StringBuilder();
    for (Throwable c = e; c != null; c = c.getCause()) {
      s.append(c).append('\n');
    }
    return s.toString();
  }

  // --- masks ------------------------------------------------------------------------------------

  @Test
  void maskedStepsAreZeroInTheOutputAndPassNoGradient() {
    int t = 10;
    TemporalConvolution conv = conv(3, 2, 1, true, 0, true, 2, 3, Activation.TANH);
    ComputationGraph graph = graph(DataType.DOUBLE, conv, 2, t);
    org.deeplearning4j.nn.api.Layer layer = graph.getLayer("tc");
    INDArray x = random(14, DataType.DOUBLE, BATCH, 2, t);
    // Example 1 ends after 6 steps.
    INDArray mask = Nd4j.ones(DataType.DOUBLE, BATCH, t);
    mask.get(NDArrayIndex.point(1), NDArrayIndex.interval(6, t)).assign(0);

    Pair<INDArray, MaskState> outMask = layer.feedForwardMaskArray(mask, MaskState.Active, BATCH);
    assertEquals(mask, outMask.getFirst(), "causal, stride 1: the mask passes through");
    graph.initGradientsView();
    layer.setInput(x, LayerWorkspaceMgr.noWorkspaces());
    INDArray y = layer.activate(false, LayerWorkspaceMgr.noWorkspaces());
    INDArray expected = Transforms.tanh(naive(x, graph, conv), false);
    Broadcast.mul(expected, mask, expected, 0, 2);
    assertTrue(expected.equalsWithEps(y, 1e-12), () -> expected + "\n" + y);

    Pair<Gradient, INDArray> back =
        layer.backpropGradient(
            Nd4j.ones(DataType.DOUBLE, BATCH, 3, t), LayerWorkspaceMgr.noWorkspaces());
    INDArray dx = back.getSecond();
    // Input steps 6..9 of example 1 feed only masked outputs; step 5 feeds output 5.
    assertEquals(
        0.0,
        dx.get(NDArrayIndex.point(1), NDArrayIndex.all(), NDArrayIndex.interval(6, t))
            .norm2Number()
            .doubleValue());
    assertTrue(stepOf(dx, 1, 5).norm2Number().doubleValue() > 0);
    assertTrue(stepOf(dx, 0, t - 1).norm2Number().doubleValue() > 0);
  }

  @Test
  void symmetricPaddingMasksAnOutputWhereNoStepUnderTheKernelIsPresent() {
    TemporalConvolution conv = conv(3, 2, 2, false, 1, true, 2, 3, Activation.IDENTITY);
    ComputationGraph graph = graph(DataType.DOUBLE, conv, 2, 12);
    INDArray mask = Nd4j.create(new double[][] {{1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0}});

    INDArray out = graph.getLayer("tc").feedForwardMaskArray(mask, MaskState.Active, 1).getFirst();

    // Output step i of 5 sees input steps 2i - 1, 2i + 1, 2i + 3 (padding 1, dilation 2, stride
    // 2): step 2 sees present step 3 though its centre, 5, is masked; step 3 sees 5, 7, 9.
    assertEquals(Nd4j.create(new double[][] {{1, 1, 1, 0, 0}}), out);
  }

  // --- settings, serialisation, parameters ------------------------------------------------------

  @Test
  void survivesJsonAndModelSerializer() {
    ComputationGraph graph =
        new ComputationGraph(
            base(DataType.FLOAT, new Sgd(0.1))
                .graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.recurrent(3, 20))
                .addLayer(
                    "causal",
                    new TemporalConvolution.Builder(3)
                        .dilation(4)
                        .causal(true)
                        .nOut(5)
                        .activation(Activation.RELU)
                        .build(),
                    "in")
                .addLayer(
                    "padded",
                    new TemporalConvolution.Builder(2)
                        .stride(2)
                        .dilation(3)
                        .padding(2)
                        .hasBias(false)
                        .nOut(4)
                        .activation(Activation.IDENTITY)
                        .build(),
                    "causal")
                .addLayer(
                    "out",
                    new RnnOutputLayer.Builder(LossFunction.MSE)
                        .nOut(LABELS)
                        .activation(Activation.IDENTITY)
                        .build(),
                    "padded")
                .setOutputs("out")
                .build());
    graph.init();
    ComputationGraphConfiguration back = assertJsonRoundTrip(graph.getConfiguration());
    TemporalConvolution padded =
        (TemporalConvolution)
            ((org.deeplearning4j.nn.conf.graph.LayerVertex) back.getVertices().get("padded"))
                .getLayerConf()
                .getLayer();
    assertEquals(
        "TemporalConvolution(name=padded, 5 -> 4, kernel 2, stride 2, dilation 3, padding 2,"
            + " no bias)",
        padded.toString());

    INDArray x = random(15, DataType.FLOAT, BATCH, 3, 20);
    graph.fit(new DataSet(x, random(16, DataType.FLOAT, BATCH, LABELS, 11)));
    ComputationGraph restored = writeAndRestore(graph);
    assertEquals(graph.getConfiguration(), restored.getConfiguration());
    assertEquals(graph.params(), restored.params());
    assertEquals(graph.outputSingle(x), restored.outputSingle(x));
  }

  @ParameterizedTest(name = "k {0}, {1} -> {2}, bias {3}")
  @CsvSource({"3, 4, 5, true", "3, 4, 5, false", "1, 7, 2, true", "5, 2, 3, true"})
  void parametersAreKTimesNInTimesNOutPlusTheBias(int k, int nIn, int nOut, boolean bias) {
    TemporalConvolution conv = conv(k, 2, 1, true, 0, bias, nIn, nOut, Activation.IDENTITY);
    ComputationGraph graph = graph(DataType.FLOAT, conv, nIn, 12);
    long expected = (long) k * nIn * nOut + (bias ? nOut : 0);

    assertEquals(expected, conv.initializer().numParams(conv));
    assertEquals(expected + LABELS * nOut + LABELS, graph.numParams());
    Map<String, INDArray> table = graph.getLayer("tc").paramTable();
    assertEquals(bias ? List.of("W", "b") : List.of("W"), new ArrayList<>(table.keySet()));
    assertArrayEquals(new long[] {nOut, nIn, k}, table.get("W").shape());
    if (bias) {
      assertArrayEquals(new long[] {nOut}, table.get("b").shape());
    }
  }

  /** He normal with fan-in k nIn = 200: standard deviation sqrt(2 / 200) = 0.1. */
  @Test
  void weightsFollowTheNetworksWeightInitWithFanInKTimesNIn() {
    TemporalConvolution conv =
        new TemporalConvolution.Builder(5)
            .dilation(2)
            .causal(true)
            .nIn(40)
            .nOut(64)
            .activation(Activation.RELU)
            .build();
    ComputationGraph graph =
        new ComputationGraph(
            base(DataType.DOUBLE, new NoOp())
                .weightInit(WeightInit.RELU)
                .biasInit(0.25)
                .graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.recurrent(40, 16))
                .addLayer("tc", conv, "in")
                .setOutputs("tc")
                .build());
    graph.init();

    INDArray w = graph.getParam("tc_W");
    assertEquals(0.0, w.meanNumber().doubleValue(), 0.005);
    assertEquals(0.1, w.stdNumber().doubleValue(), 0.003);
    assertEquals(Nd4j.valueArrayOf(new long[] {64}, 0.25, DataType.DOUBLE), graph.getParam("tc_b"));
  }

  @Test
  void inputThatIsNotAnNcwSequenceIsRefused() {
    TemporalConvolution conv = conv(3, 1, 1, true, 0, true, 4, 4, Activation.IDENTITY);
    for (InputType wrong :
        List.of(
            InputType.feedForward(4),
            InputType.convolutional(8, 8, 4),
            InputType.recurrent(4, 16, RNNFormat.NWC))) {
      DL4JInvalidConfigException e =
          assertThrows(DL4JInvalidConfigException.class, () -> conv.getOutputType(0, wrong));
      assertTrue(e.getMessage().contains("needs an NCW sequence [N, C, T]"), e.getMessage());
    }
    DL4JInvalidConfigException e =
        assertThrows(
            DL4JInvalidConfigException.class,
            () ->
                base(DataType.FLOAT, new NoOp())
                    .graphBuilder()
                    .addInputs("in")
                    .setInputTypes(InputType.feedForward(4))
                    .addLayer("tc", conv(3, 1, 1, true, 0, true, 4, 4, Activation.IDENTITY), "in")
                    .setOutputs("tc")
                    .build());
    assertTrue(e.getMessage().contains("temporal convolution tc"), e.getMessage());
  }

  @Test
  void aKernelWiderThanThePaddedInputIsRefused() {
    TemporalConvolution conv = conv(3, 4, 1, false, 1, true, 2, 2, Activation.IDENTITY);
    DL4JInvalidConfigException e =
        assertThrows(
            DL4JInvalidConfigException.class,
            () -> conv.getOutputType(0, InputType.recurrent(2, 6)));
    assertTrue(e.getMessage().contains("spans 9 steps, more than the padded input of 8"));
    // The same kernel fits causally: the padding grows with it.
    assertEquals(
        InputType.recurrent(2, 6),
        conv(3, 4, 1, true, 0, true, 2, 2, Activation.IDENTITY)
            .getOutputType(0, InputType.recurrent(2, 6)));
  }

  @Test
  void causalWithPaddingIsRefused() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new TemporalConvolution.Builder(3).causal(true).padding(2).build());
    assertTrue(e.getMessage().contains("applies only with causal(false)"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> new TemporalConvolution.Builder(3).dilation(0).build());
  }

  @Test
  void workspacesChangeNothing() {
    TemporalConvolution conv = conv(3, 2, 1, true, 0, true, 3, 4, Activation.TANH);
    INDArray x = random(17, DataType.DOUBLE, BATCH, 3, 12);
    INDArray labels = random(18, DataType.DOUBLE, BATCH, LABELS, 12);
    assertWorkspacesChangeNothing(
        mode -> graph(DataType.DOUBLE, conv.clone(), 3, 12, new Sgd(0.1), mode), x, labels);
  }

  // --- helpers ----------------------------------------------------------------------------------

  private static TemporalConvolution conv(
      int k,
      int dilation,
      int stride,
      boolean causal,
      int padding,
      boolean bias,
      int nIn,
      int nOut,
      Activation activation) {
    return new TemporalConvolution.Builder(k)
        .dilation(dilation)
        .stride(stride)
        .causal(causal)
        .padding(padding)
        .hasBias(bias)
        .nIn(nIn)
        .nOut(nOut)
        .activation(activation)
        .build();
  }

  private static NeuralNetConfiguration.Builder base(DataType type, IUpdater updater) {
    return new NeuralNetConfiguration.Builder()
        .seed(42)
        .dataType(type)
        .updater(updater)
        .weightInit(WeightInit.XAVIER);
  }

  /** in recurrent(c, t) -> "tc" -> "out", a per-step MSE output of {@value #LABELS} units. */
  private static ComputationGraph graph(DataType type, Layer conv, int c, int t) {
    return graph(type, conv, c, t, new NoOp(), WorkspaceMode.ENABLED);
  }

  private static ComputationGraph graph(
      DataType type, Layer conv, int c, int t, IUpdater updater, WorkspaceMode mode) {
    ComputationGraph graph =
        new ComputationGraph(
            base(type, updater)
                .trainingWorkspaceMode(mode)
                .inferenceWorkspaceMode(mode)
                .graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.recurrent(c, t))
                .addLayer("tc", conv, "in")
                .addLayer(
                    "out",
                    new RnnOutputLayer.Builder(LossFunction.MSE)
                        .nOut(LABELS)
                        .activation(Activation.IDENTITY)
                        .build(),
                    "tc")
                .setOutputs("out")
                .build());
    graph.init();
    return graph;
  }

  private static INDArray activations(ComputationGraph graph, INDArray x) {
    return graph.feedForward(new INDArray[] {x}, false).get("tc").dup();
  }

  private static Map<String, INDArray> gradients(
      ComputationGraph graph, INDArray x, INDArray labels) {
    graph.setInputs(x);
    graph.setLabels(labels);
    graph.computeGradientAndScore();
    return graph.gradient().gradientForVariable();
  }

  private static INDArray stepOf(INDArray a, int example, int step) {
    return a.get(NDArrayIndex.point(example), NDArrayIndex.all(), NDArrayIndex.point(step)).dup();
  }

  /**
   * The definition, before the activation, in double: {@code y[n, o, t] = b[o] + sum over c, j of
   * W[o, c, j] xpad[n, c, t s + j d]}, with the graph's "tc" parameters.
   */
  private static INDArray naive(INDArray x, ComputationGraph graph, TemporalConvolution conv) {
    int n = (int) x.size(0);
    int c = (int) x.size(1);
    int t = (int) x.size(2);
    int o = (int) conv.getNOut();
    int k = conv.getKernelSize();
    int tOut = (int) conv.outputLength(t);
    double[] xs = x.castTo(DataType.DOUBLE).dup('c').data().asDouble();
    double[] w = graph.getParam("tc_W").castTo(DataType.DOUBLE).dup('c').data().asDouble();
    double[] b =
        conv.hasBias()
            ? graph.getParam("tc_b").castTo(DataType.DOUBLE).dup('c').data().asDouble()
            : new double[o];
    double[] y = new double[n * o * tOut];
    for (int ni = 0; ni < n; ni++) {
      for (int oi = 0; oi < o; oi++) {
        for (int ti = 0; ti < tOut; ti++) {
          double sum = b[oi];
          for (int ci = 0; ci < c; ci++) {
            for (int j = 0; j < k; j++) {
              long i =
                  (long) ti * conv.getStride() + (long) j * conv.getDilation() - conv.leftPadding();
              if (i >= 0 && i < t) {
                sum += w[(oi * c + ci) * k + j] * xs[(ni * c + ci) * t + (int) i];
              }
            }
          }
          y[(ni * o + oi) * tOut + ti] = sum;
        }
      }
    }
    return Nd4j.create(y, new long[] {n, o, tOut}, DataType.DOUBLE);
  }
}
