package org.skipwire.runtime.onednn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.skipwire.runtime.conf.ChannelScaleVertex;
import org.skipwire.runtime.impl.AddActivationVertexImpl;
import org.skipwire.runtime.impl.BatchNormReluLayer;

/**
 * skipwire's oneDNN helpers compute what DL4J's own layer code computes (helpers off, which DL4J's
 * gradient checks cover), layer by layer for every geometry the helpers take, and over whole
 * training steps inside DL4J's workspaces. The helpers are float only (oneDNN has no double
 * kernels); in double they decline and DL4J's code runs, so GradientCheckUtil cannot reach them,
 * and equality with the gradient-checked code in float is their check.
 */
class OneDnnHelpersTest {
  private static final String HELPERS_DISABLE = "org.eclipse.deeplearning4j.helpers.disable";

  @BeforeAll
  static void loadOneDnn() {
    Backend.init();
  }

  @AfterEach
  void clearSetting() {
    System.clearProperty(OneDnnLayers.PROPERTY);
  }

  private static void assumeHelpers() {
    Backend.Active active = Backend.active();
    assumeTrue(active.layerHelpers(), "no oneDNN layer helpers on this machine: " + active);
    assumeTrue(OneDnn.available(), OneDnn.unavailable().orElse(""));
  }

  /** DL4J reads its helper switch when a layer is constructed: build each graph under its own. */
  private static ComputationGraph withHelpers(boolean on, Supplier<ComputationGraph> graph) {
    String before = System.getProperty(HELPERS_DISABLE);
    System.setProperty(HELPERS_DISABLE, Boolean.toString(!on));
    try {
      return graph.get();
    } finally {
      if (before == null) {
        System.clearProperty(HELPERS_DISABLE);
      } else {
        System.setProperty(HELPERS_DISABLE, before);
      }
    }
  }

  /** One layer "l" on the input, its output the graph's; never trained, only passed through. */
  private static ComputationGraph single(
      org.deeplearning4j.nn.conf.layers.Layer layer, InputType type, ConvolutionMode mode) {
    ComputationGraphConfiguration conf =
        new NeuralNetConfiguration.Builder()
            .seed(7)
            .dataType(DataType.FLOAT)
            .convolutionMode(mode)
            .graphBuilder()
            .addInputs("in")
            .setInputTypes(type)
            .addLayer("l", layer, "in")
            .setOutputs("l")
            .build();
    ComputationGraph graph = new ComputationGraph(conf);
    graph.init();
    return graph;
  }

  private record Pass(
      INDArray out, INDArray inference, INDArray epsilon, Map<String, INDArray> gradients) {}

  /** Inference forward, then training forward and backward of one layer, outside workspaces. */
  private static Pass pass(Layer layer, INDArray in, long seed) {
    LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
    layer.setInput(in.dup(), mgr);
    INDArray inference = layer.activate(false, mgr).dup();
    layer.setInput(in.dup(), mgr);
    INDArray out = layer.activate(true, mgr).dup();
    Nd4j.getRandom().setSeed(seed);
    INDArray epsilon = Nd4j.randn(DataType.FLOAT, out.shape());
    Pair<Gradient, INDArray> back = layer.backpropGradient(epsilon, mgr);
    Map<String, INDArray> gradients = new TreeMap<>();
    back.getFirst().gradientForVariable().forEach((k, v) -> gradients.put(k, v.dup()));
    return new Pass(out, inference, back.getSecond().dup(), gradients);
  }

  /** Equal within 1e-4 of the reference's largest magnitude, element by element. */
  private static void assertClose(String what, INDArray expected, INDArray actual) {
    assertEquals(
        java.util.Arrays.toString(expected.shape()),
        java.util.Arrays.toString(actual.shape()),
        what + " shape");
    double scale = Math.max(expected.amaxNumber().doubleValue(), 1e-6);
    double diff = actual.sub(expected).amaxNumber().doubleValue();
    assertTrue(
        diff <= 1e-4 * scale, what + " differs by " + diff / scale + " of its largest value");
  }

  /** Runs the same layer with skipwire's helper and with DL4J's own code and compares. */
  private static void compare(
      Supplier<ComputationGraph> graph, Class<?> helper, long[] inputShape) {
    ComputationGraph ours = withHelpers(true, graph);
    assertEquals(1, OneDnnLayers.install(ours), "helpers swapped");
    assertInstanceOf(helper, ours.getLayer("l").getHelper());
    ComputationGraph reference = withHelpers(false, graph);
    assertNull(reference.getLayer("l").getHelper());
    assertEquals(reference.params(), ours.params(), "same seed, same parameters");
    // Parameters away from their initial values, so that bias, gamma and beta matter.
    Nd4j.getRandom().setSeed(3);
    INDArray params = Nd4j.rand(DataType.FLOAT, ours.params().shape()).addi(0.5);
    ours.setParams(params);
    reference.setParams(params.dup());
    ours.initGradientsView();
    reference.initGradientsView();
    Nd4j.getRandom().setSeed(5);
    INDArray in = Nd4j.randn(DataType.FLOAT, inputShape);
    Pass a = pass(reference.getLayer("l"), in, 11);
    Pass b = pass(ours.getLayer("l"), in, 11);
    assertClose("inference output", a.inference(), b.inference());
    assertClose("training output", a.out(), b.out());
    assertClose("epsilon", a.epsilon(), b.epsilon());
    assertEquals(a.gradients().keySet(), b.gradients().keySet(), "gradients");
    for (String key : a.gradients().keySet()) {
      assertClose("gradient " + key, a.gradients().get(key), b.gradients().get(key));
    }
    assertEquals(0, helperFailures(ours.getLayer("l")), "the helper ran, DL4J did not fall back");
    assertInstanceOf(helper, ours.getLayer("l").getHelper());
  }

  /**
   * How often DL4J caught an exception from the layer's helper and fell back to its own code, which
   * would make any comparison with that code pass vacuously.
   */
  private static int helperFailures(Layer layer) {
    for (Class<?> c = layer.getClass(); c != null; c = c.getSuperclass()) {
      try {
        java.lang.reflect.Field f = c.getDeclaredField("helperCountFail");
        f.setAccessible(true);
        return f.getInt(layer);
      } catch (NoSuchFieldException e) {
        // up the hierarchy
      } catch (IllegalAccessException e) {
        throw new AssertionError(e);
      }
    }
    throw new AssertionError("no helperCountFail in " + layer.getClass());
  }

  static Stream<Arguments> convolutions() {
    return Stream.of(
        // kernel, stride, padding, dilation, mode, bias, in channels, out channels, height, width
        Arguments.of(3, 1, 1, 1, ConvolutionMode.Truncate, false, 16, 16, 8, 8),
        Arguments.of(3, 2, 1, 1, ConvolutionMode.Truncate, true, 5, 7, 9, 11),
        Arguments.of(1, 2, 0, 1, ConvolutionMode.Truncate, false, 8, 16, 8, 8),
        // Pointwise: channels-first ones run on oneDNN's plain layout (gemm), not reordered.
        Arguments.of(1, 1, 0, 1, ConvolutionMode.Truncate, true, 12, 20, 5, 7),
        Arguments.of(1, 1, 0, 1, ConvolutionMode.Same, false, 8, 4, 6, 6),
        Arguments.of(7, 2, 3, 1, ConvolutionMode.Truncate, false, 3, 8, 20, 20),
        Arguments.of(3, 2, 0, 1, ConvolutionMode.Truncate, true, 4, 4, 8, 8),
        Arguments.of(3, 2, 0, 1, ConvolutionMode.Same, true, 6, 5, 7, 9),
        Arguments.of(3, 1, 0, 2, ConvolutionMode.Same, false, 4, 6, 10, 10),
        Arguments.of(3, 1, 2, 2, ConvolutionMode.Truncate, true, 4, 6, 10, 10),
        Arguments.of(2, 2, 0, 1, ConvolutionMode.Strict, true, 3, 4, 8, 6));
  }

  @ParameterizedTest(name = "k{0} s{1} p{2} d{3} {4} bias={5} {6}->{7} {8}x{9}")
  @MethodSource("convolutions")
  void convolutionMatchesDl4j(
      int k, int s, int p, int d, ConvolutionMode mode, boolean bias, int c, int o, int h, int w) {
    assumeHelpers();
    for (CNN2DFormat format : CNN2DFormat.values()) {
      ConvolutionLayer conv =
          new ConvolutionLayer.Builder(k, k)
              .stride(s, s)
              .padding(p, p)
              .dilation(d, d)
              .nOut(o)
              .hasBias(bias)
              .activation(Activation.IDENTITY)
              .dataFormat(format)
              .build();
      long[] shape = format == CNN2DFormat.NCHW ? new long[] {3, c, h, w} : new long[] {3, h, w, c};
      compare(
          () -> single(conv.clone(), InputType.convolutional(h, w, c, format), mode),
          OneDnnConvHelper.class,
          shape);
    }
  }

  /**
   * A convolution with a ReLU activation (an inference copy's, BatchNormFolding): channels-last,
   * inference runs the ReLU inside oneDNN's primitive (a post-op), training DL4J's activation.
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(CNN2DFormat.class)
  void convolutionWithItsReluMatchesDl4j(CNN2DFormat format) {
    assumeHelpers();
    ConvolutionLayer conv =
        new ConvolutionLayer.Builder(3, 3)
            .nOut(16)
            .activation(Activation.RELU)
            .dataFormat(format)
            .build();
    long[] shape = format == CNN2DFormat.NCHW ? new long[] {3, 8, 6, 6} : new long[] {3, 6, 6, 8};
    compare(
        () -> single(conv.clone(), InputType.convolutional(6, 6, 8, format), ConvolutionMode.Same),
        OneDnnConvHelper.class,
        shape);
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(CNN2DFormat.class)
  void batchNormMatchesDl4j(CNN2DFormat format) {
    assumeHelpers();
    BatchNormalization bn = new BatchNormalization.Builder().eps(1e-5).decay(0.9).build();
    long[] shape = format == CNN2DFormat.NCHW ? new long[] {6, 5, 4, 3} : new long[] {6, 4, 3, 5};
    compare(
        () -> single(bn.clone(), InputType.convolutional(4, 3, 5, format), ConvolutionMode.Same),
        OneDnnBatchNormHelper.class,
        shape);
  }

  /**
   * Channels-first inference runs as a oneDNN binary primitive, not oneDNN's batch norm: odd
   * channel counts and map sizes, a one-row map, and a single image.
   */
  @ParameterizedTest(name = "{0}x{1}x{2}x{3}")
  @CsvSource({"2, 37, 5, 6", "3, 12, 1, 2", "1, 16, 8, 8", "5, 3, 7, 1"})
  void channelsFirstBatchNormMatchesDl4j(int n, int c, int h, int w) {
    assumeHelpers();
    BatchNormalization bn = new BatchNormalization.Builder().eps(1e-3).build();
    compare(
        () ->
            single(
                bn.clone(),
                InputType.convolutional(h, w, c, CNN2DFormat.NCHW),
                ConvolutionMode.Same),
        OneDnnBatchNormHelper.class,
        new long[] {n, c, h, w});
  }

  @Test
  void batchNormOfFeaturesMatchesDl4j() {
    assumeHelpers();
    // Rank 2 ([batch, features]): the layer hands the helper a [batch, features, 1, 1] view.
    BatchNormalization bn = new BatchNormalization.Builder().build();
    compare(
        () -> single(bn.clone(), InputType.feedForward(7), ConvolutionMode.Truncate),
        OneDnnBatchNormHelper.class,
        new long[] {9, 7});
  }

  @Test
  void lockedGammaAndBetaStayWithDl4j() {
    assumeHelpers();
    BatchNormalization bn = new BatchNormalization.Builder().lockGammaBeta(true).build();
    ComputationGraph graph =
        withHelpers(
            true, () -> single(bn, InputType.convolutional(4, 4, 3), ConvolutionMode.Truncate));
    assertEquals(0, OneDnnLayers.install(graph));
  }

  @Test
  void convolutionsOverTimeKeepDl4jsHelper() {
    assumeHelpers();
    // DL4J's Convolution1DLayer extends its 2-D layer but runs its own conv1d op.
    org.deeplearning4j.nn.conf.layers.Convolution1DLayer conv =
        new org.deeplearning4j.nn.conf.layers.Convolution1DLayer.Builder(3, 1).nOut(4).build();
    ComputationGraph graph =
        withHelpers(true, () -> single(conv, InputType.recurrent(3, 10), ConvolutionMode.Same));
    assertEquals(0, OneDnnLayers.install(graph));
  }

  @Test
  void arraysWithGapsAreCopiedAndOffsetViewsReadInPlace() {
    assumeHelpers();
    INDArray whole = Nd4j.arange(24).castTo(DataType.FLOAT).reshape(4, 6);
    assertTrue(OneDnn.dense(whole));
    assertTrue(OneDnn.dense(Nd4j.create(DataType.FLOAT, 32, 16, 1, 1)), "size-1 dimensions");
    // Rows 1 and 2: elements 6 to 17 of the buffer, read and written where they are.
    INDArray offset = whole.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 3));
    assertTrue(OneDnn.dense(offset), "offset view");
    INDArray doubled = Nd4j.create(DataType.FLOAT, 2, 6);
    assertTrue(OneDnnRelu.addRelu(offset, offset, doubled));
    assertEquals(offset.mul(2), doubled, "read from the view's own elements");
    INDArray minusOne = Nd4j.valueArrayOf(new long[] {2, 6}, -1f);
    assertTrue(OneDnnRelu.addRelu(doubled, minusOne, offset));
    assertEquals(
        Nd4j.arange(24).castTo(DataType.FLOAT).reshape(4, 6).getRow(0), whole.getRow(0), "row 0");
    assertEquals(
        Nd4j.arange(6, 18).castTo(DataType.FLOAT).mul(2).sub(1).reshape(2, 6),
        offset,
        "written to the view's own elements");
    assertEquals(
        Nd4j.arange(18, 24).castTo(DataType.FLOAT).reshape(1, 6), whole.getRow(3, true), "row 3");
    INDArray gaps =
        whole.get(
            org.nd4j.linalg.indexing.NDArrayIndex.all(),
            org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 3));
    assertFalse(OneDnn.dense(gaps), "column view");
    assertFalse(OneDnn.dense(whole.transpose()), "transposed");
    assertEquals(gaps, OneDnn.denseOrCopy(gaps));
    assertTrue(OneDnn.dense(OneDnn.denseOrCopy(gaps)));
  }

  /** conv-BN-tanh twice with a skip, pooled and classified: the parts of a ResNet, in float. */
  private static ComputationGraph residual(CNN2DFormat format) {
    ComputationGraphConfiguration.GraphBuilder g =
        new NeuralNetConfiguration.Builder()
            .seed(9)
            .dataType(DataType.FLOAT)
            .updater(new Nesterovs(0.05, 0.9))
            .convolutionMode(ConvolutionMode.Same)
            .graphBuilder()
            .addInputs("in")
            .setInputTypes(InputType.convolutional(12, 12, 3, format))
            .addLayer("c0", conv(3, 8, 1, format), "in")
            .addLayer("bn0", new BatchNormalization.Builder().build(), "c0")
            .addLayer("a0", new ActivationLayer(Activation.TANH), "bn0")
            .addLayer("c1", conv(3, 8, 1, format), "a0")
            .addLayer("bn1", new BatchNormalization.Builder().build(), "c1")
            .addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "bn1", "a0")
            .addLayer("a1", new ActivationLayer(Activation.TANH), "add")
            .addLayer("c2", conv(3, 16, 2, format), "a1")
            .addLayer("bn2", new BatchNormalization.Builder().build(), "c2")
            .addLayer("a2", new ActivationLayer(Activation.TANH), "bn2");
    ComputationGraphConfiguration conf = classified(g, "a2");
    ComputationGraph graph = new ComputationGraph(conf);
    graph.init();
    return graph;
  }

  private static ConvolutionLayer conv(int k, int out, int stride, CNN2DFormat format) {
    return new ConvolutionLayer.Builder(k, k)
        .stride(stride, stride)
        .nOut(out)
        .hasBias(false)
        .activation(Activation.IDENTITY)
        .dataFormat(format)
        .build();
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(CNN2DFormat.class)
  void trainingStepsInWorkspacesMatchDl4j(CNN2DFormat format) {
    assumeHelpers();
    ComputationGraph ours = withHelpers(true, () -> residual(format));
    assertEquals(6, OneDnnLayers.install(ours), "three convolutions, three batch norms");
    ComputationGraph reference = withHelpers(false, () -> residual(format));
    Nd4j.getRandom().setSeed(21);
    long[] shape =
        format == CNN2DFormat.NCHW ? new long[] {8, 3, 12, 12} : new long[] {8, 12, 12, 3};
    INDArray x = Nd4j.randn(DataType.FLOAT, shape);
    INDArray y = Nd4j.zeros(DataType.FLOAT, 8, 4);
    for (int i = 0; i < 8; i++) {
      y.putScalar(i, i % 4, 1.0);
    }
    assertTrainsAlike(reference, ours, new DataSet(x, y), () -> {});
  }

  /**
   * Three Nesterov steps of both graphs on one batch ({@code afterEachStep} after each), no helper
   * fallen back, then the parameters (running statistics included), the inference output and the
   * score within 1e-4.
   */
  private static void assertTrainsAlike(
      ComputationGraph reference, ComputationGraph ours, DataSet batch, Runnable afterEachStep) {
    for (int step = 0; step < 3; step++) {
      ours.fit(batch);
      reference.fit(batch);
      afterEachStep.run();
    }
    for (Layer layer : ours.getLayers()) {
      if (layer.getHelper() instanceof OneDnnConvHelper
          || layer.getHelper() instanceof OneDnnBatchNormHelper) {
        assertEquals(0, helperFailures(layer), layer.getConfig().getLayerName() + " fell back");
      }
    }
    INDArray x = batch.getFeatures();
    assertClose("parameters", reference.params(), ours.params());
    assertClose("inference", reference.outputSingle(false, x), ours.outputSingle(false, x));
    assertEquals(reference.score(batch), ours.score(batch), 1e-4 * reference.score(batch));
  }

  /**
   * conv-BN-ReLU, conv-BN plus the skip, ReLU after the sum, then a batch norm read by two ReLUs:
   * the first two ReLUs run in place, the two sharing a batch norm stay DL4J's.
   */
  private static ComputationGraph reluResidual(CNN2DFormat format, DataType type, int width) {
    ComputationGraphConfiguration.GraphBuilder g =
        new NeuralNetConfiguration.Builder()
            .seed(13)
            .dataType(type)
            .updater(type == DataType.DOUBLE ? new NoOp() : new Nesterovs(0.05, 0.9))
            .convolutionMode(ConvolutionMode.Same)
            .graphBuilder()
            .addInputs("in")
            .setInputTypes(InputType.convolutional(8, 8, 3, format))
            .addLayer("c0", conv(3, width, 1, format), "in")
            .addLayer("bn0", new BatchNormalization.Builder().build(), "c0")
            .addLayer("a0", new ActivationLayer(Activation.RELU), "bn0")
            .addLayer("c1", conv(3, width, 1, format), "a0")
            .addLayer("bn1", new BatchNormalization.Builder().build(), "c1")
            .addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "bn1", "a0")
            .addLayer("a1", new ActivationLayer(Activation.RELU), "add")
            .addLayer("c2", conv(3, width, 2, format), "a1")
            .addLayer("bn2", new BatchNormalization.Builder().build(), "c2")
            .addLayer("a2", new ActivationLayer(Activation.RELU), "bn2")
            .addLayer("a2b", new ActivationLayer(Activation.RELU), "bn2")
            .addVertex("add2", new ElementWiseVertex(ElementWiseVertex.Op.Add), "a2", "a2b");
    ComputationGraphConfiguration conf = classified(g, "add2");
    ComputationGraph graph = new ComputationGraph(conf);
    graph.init();
    return graph;
  }

  private static DataSet batch(CNN2DFormat format, DataType type, long seed) {
    Nd4j.getRandom().setSeed(seed);
    long[] shape = format == CNN2DFormat.NCHW ? new long[] {6, 3, 8, 8} : new long[] {6, 8, 8, 3};
    INDArray x = Nd4j.randn(type, shape);
    INDArray y = Nd4j.zeros(type, 6, 4);
    for (int i = 0; i < 6; i++) {
      y.putScalar(i, i % 4, 1.0);
    }
    return new DataSet(x, y);
  }

  private static void assertReluLayers(ComputationGraph graph) {
    assertInstanceOf(InPlaceReluLayer.class, graph.getLayer("a0"), "a0 after a batch norm");
    assertInstanceOf(InPlaceReluLayer.class, graph.getLayer("a1"), "a1 after a sum");
    for (String shared : new String[] {"a2", "a2b"}) {
      assertEquals(
          org.deeplearning4j.nn.layers.ActivationLayer.class,
          graph.getLayer(shared).getClass(),
          shared + " reads a batch norm another layer reads too: DL4J's layer");
    }
    for (Layer layer : graph.getLayers()) {
      assertTrue(
          java.util.Arrays.asList(graph.getVertices()).stream()
              .anyMatch(v -> v.hasLayer() && v.getLayer() == layer),
          "the graph's layer list and its vertices agree");
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(CNN2DFormat.class)
  void inPlaceRelusTrainLikeDl4j(CNN2DFormat format) {
    assumeHelpers();
    ComputationGraph ours = withHelpers(true, () -> reluResidual(format, DataType.FLOAT, 8));
    assertEquals(6, OneDnnLayers.install(ours), "three convolutions, three batch norms");
    assertReluLayers(ours);
    // The batch norm before a0 applies a0's ReLU itself: in training channels-last (oneDNN's fused
    // kernel), in inference in both layouts (channels-first as its binary primitive's post-op); a1
    // reads a sum.
    boolean fuses = format == CNN2DFormat.NHWC;
    assertTrue(((InPlaceReluLayer) ours.getLayer("a0")).fused(), "a0 fused into bn0");
    assertFalse(((InPlaceReluLayer) ours.getLayer("a1")).fused(), "a1 reads a sum");
    OneDnnBatchNormHelper bn0 = (OneDnnBatchNormHelper) ours.getLayer("bn0").getHelper();
    ComputationGraph reference = withHelpers(false, () -> reluResidual(format, DataType.FLOAT, 8));
    DataSet batch = batch(format, DataType.FLOAT, 23);
    assertTrainsAlike(
        reference,
        ours,
        batch,
        () -> assertEquals(fuses, bn0.fusedBackward(), "bn0's training pass fused"));
    INDArray x = batch.getFeatures();
    // Vertex by vertex, in inference and in training mode (where the batch norm's and the sum's
    // entries are their ReLUs' outputs, which ran in place).
    Map<String, INDArray> a = reference.feedForward(x, false);
    Map<String, INDArray> b = ours.feedForward(x, false);
    assertTrue(bn0.fusedForward(), "bn0's inference pass applied the ReLU");
    for (String v : a.keySet()) {
      assertClose(v, a.get(v), b.get(v));
    }
    a = reference.feedForward(x, true);
    b = ours.feedForward(x, true);
    for (String v : new String[] {"a0", "a1", "a2", "a2b", "add2", "gap", "out"}) {
      assertClose(v, a.get(v), b.get(v));
    }
    assertClose("bn0, the ReLU in place", Transforms.relu(a.get("bn0"), true), b.get("bn0"));
  }

  /**
   * After {@link org.skipwire.runtime.ActivationFusion}: a0 merged into bn0 (a {@link
   * BatchNormReluLayer}, which applies the ReLU inside oneDNN's primitive channels-last), a1 into
   * the sum (an {@link AddActivationVertexImpl}); a2 and a2b share bn2, so they stay DL4J's.
   */
  private static void assertFusedLayers(ComputationGraph graph, boolean nhwc) {
    assertNull(graph.getVertex("a0"), "a0 merged into bn0");
    assertNull(graph.getVertex("a1"), "a1 merged into the sum");
    assertInstanceOf(BatchNormReluLayer.class, graph.getLayer("bn0"));
    assertInstanceOf(OneDnnBatchNormHelper.class, graph.getLayer("bn0").getHelper());
    assertInstanceOf(AddActivationVertexImpl.class, graph.getVertex("add"));
    assertEquals(
        org.deeplearning4j.nn.layers.normalization.BatchNormalization.class,
        graph.getLayer("bn1").getClass(),
        "bn1 feeds the sum");
    for (String shared : new String[] {"a2", "a2b"}) {
      assertEquals(
          org.deeplearning4j.nn.layers.ActivationLayer.class,
          graph.getLayer(shared).getClass(),
          shared + " reads a batch norm another layer reads too: DL4J's layer");
    }
  }

  /**
   * The fast path's copy of the residual graph (16 channels: narrower batch norms stay
   * channels-first, OneDnnFastPath.slower) trains like DL4J's channels-first code, vertex by
   * vertex: channels-last with the ReLUs merged (the default), channels-first merged, and
   * channels-last with DL4J's ReLU layers and skipwire's in-place ones.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"true", "conv,batchnorm,relu,fuse", "conv,batchnorm,relu,nhwc"})
  void theFastPathsCopyTrainsLikeDl4jsChannelsFirstCode(String setting) {
    assumeHelpers();
    System.setProperty(OneDnnLayers.PROPERTY, setting);
    boolean nhwc = OneDnnLayers.channelsLast();
    boolean fuse = OneDnnLayers.enabled().contains("fuse");
    ComputationGraph reference =
        withHelpers(false, () -> reluResidual(CNN2DFormat.NCHW, DataType.FLOAT, 16));
    ComputationGraphConfiguration copy =
        new OneDnnFastPath()
            .configure(reference.getConfiguration(), InputType.convolutional(8, 8, 3));
    assertEquals(
        nhwc, org.skipwire.runtime.ChannelsLast.isChannelsLast(copy), "the fast path's layout");
    ComputationGraph ours =
        withHelpers(
            true,
            () -> {
              ComputationGraph g = new ComputationGraph(copy);
              g.init();
              return g;
            });
    assertEquals(6, OneDnnLayers.install(ours), "three convolutions, three batch norms");
    if (fuse) {
      assertFusedLayers(ours, nhwc);
    } else {
      assertReluLayers(ours);
    }
    for (String c : new String[] {"c0", "c1", "c2"}) {
      assertInstanceOf(OneDnnConvolutionLayer.class, ours.getLayer(c), c);
    }
    ours.setParams(reference.params().dup());
    DataSet batch = batch(CNN2DFormat.NCHW, DataType.FLOAT, 31);
    INDArray x = batch.getFeatures();
    // Vertex by vertex in inference, before training, compared channels-first. A merged ReLU's
    // output is its batch norm's or sum's in ours; their values before the ReLU are not kept.
    Map<String, String> merged = fuse ? Map.of("a0", "bn0", "a1", "add") : Map.of();
    Map<String, INDArray> a = reference.feedForward(x, false);
    Map<String, INDArray> b = ours.feedForward(x, false);
    OneDnnBatchNormHelper bn0 = (OneDnnBatchNormHelper) ours.getLayer("bn0").getHelper();
    assertEquals(fuse, bn0.fusedForward(), "bn0's inference pass applied the ReLU");
    for (String v : a.keySet()) {
      if (merged.containsValue(v)) {
        continue;
      }
      INDArray o = b.get(merged.getOrDefault(v, v));
      assertClose(
          v, a.get(v), nhwc && o.rank() == 4 && !v.equals("in") ? o.permute(0, 3, 1, 2) : o);
    }
    assertTrainsAlike(
        reference,
        ours,
        batch,
        () ->
            assertEquals(
                nhwc && fuse, bn0.fusedBackward(), "bn0's training pass applied the ReLU"));
    System.setProperty(OneDnnLayers.PROPERTY, "conv,batchnorm,relu");
    assertEquals(
        reference.getConfiguration(),
        new OneDnnFastPath()
            .configure(reference.getConfiguration(), InputType.convolutional(8, 8, 3)),
        "without nhwc and fuse in the setting the configuration stays as it is");
  }

  @Test
  void concatenationsAndOddChannelBatchNormsStayChannelsFirst() {
    assumeHelpers();
    InputType image = InputType.convolutional(8, 8, 3);
    ComputationGraphConfiguration wide =
        reluResidual(CNN2DFormat.NCHW, DataType.FLOAT, 16).getConfiguration();
    assertEquals(java.util.Optional.empty(), OneDnnFastPath.slower(wide));
    ComputationGraphConfiguration odd =
        reluResidual(CNN2DFormat.NCHW, DataType.FLOAT, 12).getConfiguration();
    assertEquals(
        "bn0 normalises 12 channels, not a multiple of 16: oneDNN's channels-last batch norm is"
            + " slow there",
        OneDnnFastPath.slower(odd).orElseThrow());
    ComputationGraphConfiguration oddCopy = new OneDnnFastPath().configure(odd, image);
    assertFalse(org.skipwire.runtime.ChannelsLast.isChannelsLast(oddCopy), "stays channels-first");
    assertEquals(
        org.skipwire.runtime.ActivationFusion.fuse(odd), oddCopy, "with its ReLUs merged only");
    ComputationGraphConfiguration concat =
        classified(
            imageGraph(image)
                .addLayer("c0", conv(3, 16, 1, CNN2DFormat.NCHW), "in")
                .addLayer("c1", conv(3, 16, 1, CNN2DFormat.NCHW), "c0")
                .addVertex("cat", new org.deeplearning4j.nn.conf.graph.MergeVertex(), "c0", "c1"),
            "cat");
    assertEquals(
        "cat concatenates, which DL4J does slowly along channels-last's last axis",
        OneDnnFastPath.slower(concat).orElseThrow());
    assertSame(concat, new OneDnnFastPath().configure(concat, image));
    ComputationGraphConfiguration squeezeExcitation =
        classified(
            imageGraph(image)
                .addLayer("c0", conv(3, 16, 1, CNN2DFormat.NCHW), "in")
                .addLayer("squeeze", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "c0")
                .addLayer(
                    "excite",
                    new DenseLayer.Builder().nOut(16).activation(Activation.SIGMOID).build(),
                    "squeeze")
                .addVertex("scale", new ChannelScaleVertex(), "c0", "excite"),
            "scale");
    assertEquals(
        "scale scales channels (squeeze-excitation), which measured slower channels-last",
        OneDnnFastPath.slower(squeezeExcitation).orElseThrow());
    assertSame(squeezeExcitation, new OneDnnFastPath().configure(squeezeExcitation, image));
  }

  private static ComputationGraphConfiguration.GraphBuilder imageGraph(InputType image) {
    return new NeuralNetConfiguration.Builder().graphBuilder().addInputs("in").setInputTypes(image);
  }

  /** {@code g} with global average pooling of {@code last} and a 4-class softmax output. */
  private static ComputationGraphConfiguration classified(
      ComputationGraphConfiguration.GraphBuilder g, String last) {
    return g.addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), last)
        .addLayer(
            "out",
            new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                .nOut(4)
                .activation(Activation.SOFTMAX)
                .build(),
            "gap")
        .setOutputs("out")
        .build();
  }

  @Test
  void reluLayersPassGradientChecksInDouble() {
    // DL4J's code everywhere (oneDNN has no double kernels; DL4J's helpers off) and the ReLU layers
    // replaced directly, so every one that qualifies runs in place.
    ComputationGraph graph =
        withHelpers(false, () -> reluResidual(CNN2DFormat.NCHW, DataType.DOUBLE, 3));
    assertEquals(2, OneDnnLayers.inPlaceRelus(graph, false));
    assertReluLayers(graph);
    DataSet batch = batch(CNN2DFormat.NCHW, DataType.DOUBLE, 29);
    DataType before = Nd4j.dataType();
    DataType beforeFloat = Nd4j.defaultFloatingPointType();
    Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    try {
      boolean ok =
          org.deeplearning4j.gradientcheck.GradientCheckUtil.checkGradients(
              new org.deeplearning4j.gradientcheck.GradientCheckUtil.GraphConfig()
                  .net(graph)
                  .inputs(new INDArray[] {batch.getFeatures()})
                  .labels(new INDArray[] {batch.getLabels()})
                  .epsilon(1e-6)
                  .maxRelError(1e-3)
                  .minAbsoluteError(1e-8)
                  // Running statistics: moved by the layer, not by their "gradient".
                  .excludeParams(
                      Stream.of("bn0", "bn1", "bn2")
                          .flatMap(bn -> Stream.of(bn + "_mean", bn + "_var", bn + "_log10stdev"))
                          .collect(java.util.stream.Collectors.toSet()))
                  .exitOnFirstError(true));
      assertTrue(ok, "GradientCheckUtil found analytic and numeric gradients that differ");
    } finally {
      Nd4j.setDefaultDataTypes(before, beforeFloat);
    }
  }

  @Test
  void withTheFastPathOffTheReluLayersStayDl4js() {
    assumeHelpers();
    ComputationGraph graph =
        withHelpers(false, () -> reluResidual(CNN2DFormat.NCHW, DataType.FLOAT, 4));
    assertEquals(0, OneDnnLayers.install(graph));
    assertEquals(
        org.deeplearning4j.nn.layers.ActivationLayer.class, graph.getLayer("a0").getClass());
    System.setProperty(OneDnnLayers.PROPERTY, "conv,batchnorm");
    ComputationGraph noRelu =
        withHelpers(true, () -> reluResidual(CNN2DFormat.NCHW, DataType.FLOAT, 4));
    assertEquals(6, OneDnnLayers.install(noRelu));
    assertEquals(
        org.deeplearning4j.nn.layers.ActivationLayer.class, noRelu.getLayer("a0").getClass());
  }

  @Test
  void theSettingChoosesWhichHelpersAreSwapped() {
    assumeHelpers();
    System.setProperty(OneDnnLayers.PROPERTY, "false");
    assertEquals(0, OneDnnLayers.install(withHelpers(true, () -> residual(CNN2DFormat.NCHW))));
    System.setProperty(OneDnnLayers.PROPERTY, "conv");
    ComputationGraph convOnly = withHelpers(true, () -> residual(CNN2DFormat.NCHW));
    assertEquals(3, OneDnnLayers.install(convOnly));
    assertInstanceOf(OneDnnConvHelper.class, convOnly.getLayer("c0").getHelper());
    assertInstanceOf(
        org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper.class,
        convOnly.getLayer("bn0").getHelper());
    System.setProperty(OneDnnLayers.PROPERTY, "batchnorm");
    assertEquals(3, OneDnnLayers.install(withHelpers(true, () -> residual(CNN2DFormat.NCHW))));
    System.clearProperty(OneDnnLayers.PROPERTY);
    // Without DL4J's helpers (the fast path off) there is nothing to replace.
    assertEquals(0, OneDnnLayers.install(withHelpers(false, () -> residual(CNN2DFormat.NCHW))));
  }
}
