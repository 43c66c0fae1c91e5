package org.skipwire.runtime.conf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.SubsetVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.nn.weights.WeightInitRelu;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;
import org.skipwire.runtime.impl.GroupedConvolutionLayerImpl;

class GroupedConvolutionLayerTest {

  private static final int IN = 2;
  private static final int SIZE = 5;
  private static final int CLASSES = 3;
  private static final int BATCH = 2;

  /** One grouped layer's settings in a test graph. */
  record Setup(
      int c, int out, int groups, int k, int stride, int pad, boolean bias, Activation act) {
    Setup(int c, int out, int groups, int k, int stride, int pad, boolean bias) {
      this(c, out, groups, k, stride, pad, bias, Activation.TANH);
    }

    GroupedConvolutionLayer grouped() {
      return new GroupedConvolutionLayer.Builder(k, k)
          .stride(stride, stride)
          .padding(pad, pad)
          .nIn(c)
          .nOut(out)
          .groups(groups)
          .hasBias(bias)
          .activation(act)
          .build();
    }

    /** DL4J's own convolution with the same settings and {@code out} filters. */
    ConvolutionLayer plain(int c, int out) {
      ConvolutionLayer conv =
          new ConvolutionLayer.Builder(k, k)
              .stride(stride, stride)
              .padding(pad, pad)
              .convolutionMode(ConvolutionMode.Truncate)
              .nIn(c)
              .nOut(out)
              .hasBias(bias)
              .activation(act)
              .build();
      return conv;
    }
  }

  // --- equivalence with DL4J --------------------------------------------------------------------

  @ParameterizedTest(name = "{0}: k {1}, stride {2}, pad {3}, bias {4}")
  @CsvSource({
    "im2col, 3, 1, 1, true",
    "per-group, 3, 1, 1, true",
    "im2col, 3, 2, 1, false",
    "per-group, 3, 2, 1, false",
    "im2col, 1, 1, 0, true",
    "per-group, 3, 2, 0, true",
    "im2col, 2, 1, 1, true",
    "per-group, 2, 1, 1, true"
  })
  void oneGroupEqualsDl4jConvolutionInOutputAndGradients(
      String algorithm, int k, int stride, int pad, boolean bias) {
    Setup s = new Setup(4, 3, 1, k, stride, pad, bias);
    ComputationGraph grouped = grouped(algorithm, s, new NoOp());
    ComputationGraph plain = graph(s, s.plain(4, 3), new NoOp(), WorkspaceMode.ENABLED);
    Map<String, INDArray> gp = grouped.paramTable();
    Map<String, INDArray> pp = plain.paramTable();
    for (String key : gp.keySet()) {
      pp.get(key).assign(gp.get(key));
    }

    assertSameOutputAndGradients(plain, grouped, Map.of());
  }

  @ParameterizedTest(name = "{0}: {1} -> {2} in {3} groups, k {4}, stride {5}, pad {6}, bias {7}")
  @CsvSource({
    "im2col, 4, 4, 2, 3, 1, 1, true",
    "im2col, 4, 6, 2, 3, 2, 1, false",
    "im2col, 6, 3, 3, 1, 1, 0, true",
    "im2col, 4, 8, 4, 3, 2, 0, true",
    "im2col, 4, 4, 4, 3, 1, 1, false",
    "per-group, 4, 4, 2, 3, 1, 1, true",
    "per-group, 4, 6, 2, 3, 2, 1, false",
    "per-group, 6, 3, 3, 1, 1, 0, true",
    "per-group, 4, 8, 4, 3, 2, 0, true",
    "per-group, 4, 4, 4, 3, 1, 1, false"
  })
  void groupsEqualSplitConvolveConcatenate(
      String algorithm, int c, int out, int groups, int k, int stride, int pad, boolean bias) {
    Setup s = new Setup(c, out, groups, k, stride, pad, bias);
    ComputationGraph grouped = grouped(algorithm, s, new NoOp());
    ComputationGraph split = splitGraph(s, new NoOp(), WorkspaceMode.ENABLED);
    Map<String, INDArray> gp = grouped.paramTable();
    Map<String, INDArray> sp = split.paramTable();
    for (String shared : List.of("in0_W", "in0_b", "out_W", "out_b")) {
      sp.get(shared).assign(gp.get(shared));
    }
    int og = out / groups;
    // The split graph's "conv<g>" parameter -> the slice of the grouped layer's that plays it.
    Map<String, INDArray> slices = new java.util.LinkedHashMap<>();
    for (int g = 0; g < groups; g++) {
      INDArray w = rows(gp.get("conv_W"), g * og, og);
      slices.put("conv" + g + "_W", w);
      if (bias) {
        slices.put("conv" + g + "_b", rows(gp.get("conv_b"), g * og, og));
      }
    }
    slices.forEach((key, value) -> sp.get(key).assign(value.reshape(sp.get(key).shape())));

    assertSameOutputAndGradients(split, grouped, slices);
  }

  /**
   * Same score, output and gradients: every parameter the two share by name, and for each entry of
   * {@code slices} the reference gradient equals the corresponding slice of the grouped layer's.
   */
  private static void assertSameOutputAndGradients(
      ComputationGraph reference, ComputationGraph grouped, Map<String, INDArray> slices) {
    INDArray in = input(7);
    INDArray labels = oneHot(BATCH, CLASSES, DataType.DOUBLE);

    assertTrue(reference.outputSingle(in).equalsWithEps(grouped.outputSingle(in), 1e-12));

    for (ComputationGraph g : List.of(reference, grouped)) {
      g.setInputs(in);
      g.setLabels(labels);
      g.computeGradientAndScore();
    }
    assertEquals(reference.score(), grouped.score(), 1e-12);
    Map<String, INDArray> rg = reference.gradient().gradientForVariable();
    Map<String, INDArray> gg = grouped.gradient().gradientForVariable();
    int compared = 0;
    for (String key : rg.keySet()) {
      if (gg.containsKey(key)) {
        assertTrue(rg.get(key).equalsWithEps(gg.get(key), 1e-12), key + " gradient differs");
        compared++;
      }
    }
    assertTrue(compared >= 4, "compared " + compared + " shared gradients");
    // The grouped gradient, sliced like its parameters were.
    for (Map.Entry<String, INDArray> e : slices.entrySet()) {
      String key = e.getKey();
      boolean isBias = key.endsWith("_b");
      int g = Integer.parseInt(key.substring(4, key.indexOf('_')));
      long rows = rg.get(key).size(0);
      INDArray full = gg.get(isBias ? "conv_b" : "conv_W");
      INDArray slice = rows(full, g * rows, rows);
      assertTrue(
          rg.get(key).equalsWithEps(slice.reshape(rg.get(key).shape()), 1e-12),
          key + " gradient differs from the grouped slice");
    }
  }

  /**
   * Rows {@code [from, from + count)} along dimension 0, as a copy. Indexes a copy: on a parameter
   * view (which starts at an offset into the network's parameters) ND4J M2.1 returns an empty array
   * for an interval that ends at the last row.
   */
  private static INDArray rows(INDArray a, long from, long count) {
    INDArrayIndex[] index = new INDArrayIndex[a.rank()];
    index[0] = NDArrayIndex.interval(from, from + count);
    for (int d = 1; d < a.rank(); d++) {
      index[d] = NDArrayIndex.all();
    }
    return a.dup().get(index);
  }

  // --- gradient checks --------------------------------------------------------------------------

  @ParameterizedTest(name = "{0}: {1} -> {2} in {3} groups, k {4}, stride {5}, pad {6}, bias {7}")
  @CsvSource({
    "im2col, 4, 6, 2, 3, 2, 1, true",
    "im2col, 4, 4, 4, 2, 1, 0, false",
    "per-group, 4, 6, 2, 3, 2, 1, true",
    "per-group, 4, 4, 4, 2, 1, 0, false"
  })
  void gradientsMatchFiniteDifferences(
      String algorithm, int c, int out, int groups, int k, int stride, int pad, boolean bias) {
    Setup s = new Setup(c, out, groups, k, stride, pad, bias);
    ComputationGraph graph = grouped(algorithm, s, new NoOp());

    assertGradientsMatch(graph, input(9), oneHot(BATCH, CLASSES, DataType.DOUBLE));
  }

  /**
   * With the identity activation, backward skips recomputing the convolution (dL/dz = dL/dy): the
   * same checks on that path.
   */
  @ParameterizedTest
  @ValueSource(strings = {"im2col", "per-group"})
  void identityActivationPathMatchesTheSplitGraphAndFiniteDifferences(String algorithm) {
    Setup s = new Setup(4, 6, 2, 3, 2, 1, true, Activation.IDENTITY);
    ComputationGraph grouped = grouped(algorithm, s, new NoOp());
    ComputationGraph split = splitGraph(s, new NoOp(), WorkspaceMode.ENABLED);
    Map<String, INDArray> gp = grouped.paramTable();
    Map<String, INDArray> sp = split.paramTable();
    for (String shared : List.of("in0_W", "in0_b", "out_W", "out_b")) {
      sp.get(shared).assign(gp.get(shared));
    }
    Map<String, INDArray> slices = new java.util.LinkedHashMap<>();
    for (int g = 0; g < 2; g++) {
      slices.put("conv" + g + "_W", rows(gp.get("conv_W"), g * 3, 3));
      slices.put("conv" + g + "_b", rows(gp.get("conv_b"), g * 3, 3));
    }
    slices.forEach((key, value) -> sp.get(key).assign(value.reshape(sp.get(key).shape())));

    assertSameOutputAndGradients(split, grouped, slices);
    assertGradientsMatch(grouped, input(9), oneHot(BATCH, CLASSES, DataType.DOUBLE));
  }

  /**
   * Batch 1, one channel per group and a 1 x 1 output: size-1 dimensions everywhere, where ND4J
   * M2.1's view indexing goes wrong (see the split in GroupedConvolutionLayerImpl).
   */
  @Test
  void bothAlgorithmsAgreeOnSizeOneDimensions() {
    Setup s = new Setup(4, 4, 4, 3, 1, 0, true);
    INDArray x = random(5, DataType.DOUBLE, 1, IN, 3, 3);
    INDArray labels = oneHot(1, CLASSES, DataType.DOUBLE);
    List<Map<String, INDArray>> grads = new ArrayList<>();
    List<INDArray> outputs = new ArrayList<>();
    INDArray params = null;
    for (String algorithm : List.of("im2col", "per-group")) {
      ComputationGraph g = grouped(algorithm, s, new NoOp(), 3);
      if (params == null) {
        params = g.params().dup();
      }
      g.setParams(params);
      outputs.add(g.outputSingle(x));
      g.setInputs(x);
      g.setLabels(labels);
      g.computeGradientAndScore();
      grads.add(g.gradient().gradientForVariable());
    }

    assertTrue(outputs.get(0).equalsWithEps(outputs.get(1), 1e-12));
    for (String key : grads.get(0).keySet()) {
      assertTrue(grads.get(0).get(key).equalsWithEps(grads.get(1).get(key), 1e-12), key);
    }
  }

  @Test
  void autoRunsPerGroupWhereLibnd4jHasOneDnnAndIm2colElsewhere() {
    Setup s = new Setup(4, 4, 2, 3, 1, 1, true);
    GroupedConvolutionLayerImpl layer =
        (GroupedConvolutionLayerImpl)
            graph(s, s.grouped(), new NoOp(), WorkspaceMode.ENABLED).getLayer("conv");
    boolean oneDnn =
        Nd4j.getBackend().buildInfo().contains("HAVE_ONEDNN")
            && Nd4j.getEnvironment().helpersAllowed();

    assertEquals(
        oneDnn
            ? GroupedConvolutionLayerImpl.Algorithm.PER_GROUP
            : GroupedConvolutionLayerImpl.Algorithm.IM2COL,
        layer.algorithm());
  }

  @ParameterizedTest
  @ValueSource(strings = {"im2col", "per-group"})
  void trainsTheSameWithAndWithoutWorkspaces(String algorithm) {
    Setup s = new Setup(4, 4, 2, 3, 1, 1, true);
    assertWorkspacesChangeNothing(
        ws -> withAlgorithm(algorithm, () -> graph(s, s.grouped(), new Sgd(0.1), ws)),
        input(13),
        oneHot(BATCH, CLASSES, DataType.DOUBLE));
  }

  // --- configuration ----------------------------------------------------------------------------

  @Test
  void parameterCountIsKkTimesInPerGroupTimesOutPlusBias() {
    GroupedConvolutionLayer resnext =
        new GroupedConvolutionLayer.Builder(3, 3).nIn(128).nOut(128).groups(32).build();
    GroupedConvolutionLayer noBias =
        new GroupedConvolutionLayer.Builder(3, 3)
            .nIn(128)
            .nOut(256)
            .groups(32)
            .hasBias(false)
            .build();

    assertEquals(3 * 3 * 4 * 128 + 128, resnext.initializer().numParams(resnext));
    assertEquals(3 * 3 * 4 * 256, noBias.initializer().numParams(noBias));
  }

  @Test
  void weightsHaveShapeOutByInPerGroupByKernel() {
    Setup s = new Setup(4, 6, 2, 3, 1, 1, true);
    ComputationGraph graph = graph(s, s.grouped(), new NoOp(), WorkspaceMode.ENABLED);

    assertArrayEquals(new long[] {6, 2, 3, 3}, graph.getParam("conv_W").shape());
    assertArrayEquals(new long[] {6}, graph.getParam("conv_b").shape());
    assertEquals(6 * 2 * 9 + 6, graph.getLayer("conv").numParams());
  }

  @Test
  void weightInitUsesTheFanOfOneGroup() {
    // He init: variance 2 / fanIn with fanIn = (nIn / G) k k = 2 * 9; ungrouped it would be 64 * 9.
    GroupedConvolutionLayer l =
        new GroupedConvolutionLayer.Builder(3, 3)
            .nIn(64)
            .nOut(64)
            .groups(32)
            .weightInit(new WeightInitRelu())
            .build();
    ComputationGraph graph =
        new ComputationGraph(
            new NeuralNetConfiguration.Builder()
                .seed(1)
                .dataType(DataType.DOUBLE)
                .graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.convolutional(4, 4, 64))
                .addLayer("conv", l, "in")
                .setOutputs("conv")
                .build());
    graph.init();

    double variance = graph.getParam("conv_W").varNumber().doubleValue();
    assertEquals(2.0 / 18, variance, 0.2 * 2.0 / 18);
  }

  @Test
  void outputSizeTruncates() {
    GroupedConvolutionLayer l =
        new GroupedConvolutionLayer.Builder(3, 3)
            .stride(2, 2)
            .padding(1, 0)
            .nOut(8)
            .groups(2)
            .build();

    // H: floor((7 + 2 - 3) / 2) + 1 = 4; W: floor((6 - 3) / 2) + 1 = 2.
    assertEquals(
        InputType.convolutional(4, 2, 8), l.getOutputType(0, InputType.convolutional(7, 6, 4)));
  }

  @Test
  void takesNInFromTheInputType() {
    Setup s = new Setup(4, 4, 2, 3, 1, 1, true);
    ComputationGraph graph =
        graph(
            s,
            new GroupedConvolutionLayer.Builder(3, 3).padding(1, 1).nOut(4).groups(2).build(),
            new NoOp(),
            WorkspaceMode.ENABLED);

    assertEquals(4, ((GroupedConvolutionLayer) graph.getLayer("conv").conf().getLayer()).getNIn());
  }

  @Test
  void rejectsChannelsNotDivisibleByGroups() {
    assertThrows(
        IllegalArgumentException.class,
        () -> new GroupedConvolutionLayer.Builder(3, 3).nIn(6).nOut(8).groups(4).build());
    assertThrows(
        IllegalArgumentException.class,
        () -> new GroupedConvolutionLayer.Builder(3, 3).nIn(8).nOut(6).groups(4).build());
    GroupedConvolutionLayer l = new GroupedConvolutionLayer.Builder(3, 3).nOut(8).groups(4).build();
    assertThrows(
        IllegalArgumentException.class, () -> l.setNIn(InputType.convolutional(5, 5, 6), true));
  }

  @Test
  void rejectsBadSettingsAndInputs() {
    assertThrows(
        IllegalArgumentException.class, () -> new GroupedConvolutionLayer.Builder(0, 3).build());
    assertThrows(
        IllegalArgumentException.class,
        () -> new GroupedConvolutionLayer.Builder(3, 3).stride(0, 1).build());
    assertThrows(
        IllegalArgumentException.class,
        () -> new GroupedConvolutionLayer.Builder(3, 3).padding(-1, 0).build());
    assertThrows(
        IllegalArgumentException.class,
        () -> new GroupedConvolutionLayer.Builder(3, 3).groups(0).build());
    GroupedConvolutionLayer l = new GroupedConvolutionLayer.Builder(5, 5).nIn(2).nOut(2).build();
    assertThrows(
        IllegalStateException.class, () -> l.getOutputType(0, InputType.convolutional(4, 4, 2)));
    assertThrows(
        IllegalStateException.class,
        () -> l.getOutputType(0, InputType.convolutional(8, 8, 2, CNN2DFormat.NHWC)));
    assertThrows(IllegalStateException.class, () -> l.getOutputType(0, InputType.feedForward(2)));
    assertThrows(
        IllegalStateException.class, () -> l.getOutputType(0, InputType.convolutional(8, 8, 3)));
  }

  @Test
  void equalityFollowsTheSettings() {
    GroupedConvolutionLayer a =
        new GroupedConvolutionLayer.Builder(3, 3)
            .stride(2, 2)
            .padding(1, 1)
            .nIn(8)
            .nOut(8)
            .groups(4)
            .build();

    assertEquals(a, a.clone());
    assertEquals(a.hashCode(), a.clone().hashCode());
    assertNotEquals(
        a,
        new GroupedConvolutionLayer.Builder(3, 3)
            .stride(2, 2)
            .padding(1, 1)
            .nIn(8)
            .nOut(8)
            .groups(2)
            .build());
    assertNotEquals(
        a,
        new GroupedConvolutionLayer.Builder(3, 3)
            .stride(1, 1)
            .padding(1, 1)
            .nIn(8)
            .nOut(8)
            .groups(4)
            .build());
    assertNotEquals(
        a,
        new GroupedConvolutionLayer.Builder(3, 3)
            .stride(2, 2)
            .padding(1, 1)
            .nIn(8)
            .nOut(8)
            .groups(4)
            .hasBias(false)
            .build());
  }

  @Test
  void hasAMemoryReport() {
    Setup s = new Setup(4, 4, 2, 3, 1, 1, true);
    assertNotNull(
        graph(s, s.grouped(), new Adam(1e-3), WorkspaceMode.ENABLED)
            .getConfiguration()
            .getMemoryReport(InputType.convolutional(SIZE, SIZE, IN)));
  }

  // --- serialisation ----------------------------------------------------------------------------

  @Test
  void survivesJsonRoundTrip() {
    Setup s = new Setup(4, 6, 2, 3, 2, 1, false);
    ComputationGraphConfiguration conf =
        graph(s, s.grouped(), new Adam(1e-3), WorkspaceMode.ENABLED).getConfiguration();

    ComputationGraphConfiguration back = assertJsonRoundTrip(conf);

    GroupedConvolutionLayer l =
        (GroupedConvolutionLayer)
            ((LayerVertex) back.getVertices().get("conv")).getLayerConf().getLayer();
    assertEquals(2, l.getGroups());
    assertArrayEquals(new int[] {2, 2}, l.getStride());
    assertArrayEquals(new int[] {1, 1}, l.getPadding());
    assertEquals(false, l.hasBias());
  }

  @Test
  void survivesModelSerializerRoundTripAfterTraining() {
    Setup s = new Setup(4, 4, 2, 3, 1, 1, true);
    ComputationGraph graph = graph(s, s.grouped(), new Adam(1e-2), WorkspaceMode.ENABLED);
    INDArray x = input(4);
    INDArray before = graph.getParam("conv_W").dup();
    graph.fit(new MultiDataSet(x, oneHot(BATCH, CLASSES, DataType.DOUBLE)));
    assertNotEquals(before, graph.getParam("conv_W"), "the grouped weights should train");

    ComputationGraph restored = writeAndRestore(graph);

    assertEquals(graph.getConfiguration(), restored.getConfiguration());
    assertEquals(graph.params(), restored.params());
    assertEquals(graph.getUpdater().getStateViewArray(), restored.getUpdater().getStateViewArray());
    assertEquals(graph.outputSingle(x), restored.outputSingle(x));
  }

  // --- graphs -----------------------------------------------------------------------------------

  private static INDArray input(long seed) {
    return random(seed, DataType.DOUBLE, BATCH, IN, SIZE, SIZE);
  }

  /** The grouped layer's graph, run by the given algorithm, on SIZE x SIZE input. */
  private static ComputationGraph grouped(String algorithm, Setup s, IUpdater updater) {
    return grouped(algorithm, s, updater, SIZE);
  }

  private static ComputationGraph grouped(String algorithm, Setup s, IUpdater updater, int size) {
    ComputationGraph g =
        withAlgorithm(algorithm, () -> graph(s, s.grouped(), updater, WorkspaceMode.ENABLED, size));
    assertEquals(
        algorithm.equals("im2col")
            ? GroupedConvolutionLayerImpl.Algorithm.IM2COL
            : GroupedConvolutionLayerImpl.Algorithm.PER_GROUP,
        ((GroupedConvolutionLayerImpl) g.getLayer("conv")).algorithm());
    return g;
  }

  /** Builds with {@value GroupedConvolutionLayerImpl#ALGORITHM_PROPERTY} set to algorithm. */
  private static <T> T withAlgorithm(String algorithm, Supplier<T> build) {
    String key = GroupedConvolutionLayerImpl.ALGORITHM_PROPERTY;
    String before = System.getProperty(key);
    System.setProperty(key, algorithm);
    try {
      return build.get();
    } finally {
      if (before == null) {
        System.clearProperty(key);
      } else {
        System.setProperty(key, before);
      }
    }
  }

  private static GraphBuilder trunk(Setup s, IUpdater updater, WorkspaceMode workspaces) {
    return trunk(s, updater, workspaces, SIZE);
  }

  private static GraphBuilder trunk(Setup s, IUpdater updater, WorkspaceMode workspaces, int size) {
    return new NeuralNetConfiguration.Builder()
        .seed(42)
        .dataType(DataType.DOUBLE)
        .updater(updater)
        .trainingWorkspaceMode(workspaces)
        .inferenceWorkspaceMode(workspaces)
        .weightInit(WeightInit.XAVIER)
        .graphBuilder()
        .addInputs("in")
        .setInputTypes(InputType.convolutional(size, size, IN))
        // A layer before the one under test, so its input gradient reaches parameters.
        .addLayer(
            "in0",
            new ConvolutionLayer.Builder(1, 1).nOut(s.c()).activation(Activation.TANH).build(),
            "in");
  }

  private static OutputLayer softmax() {
    return new OutputLayer.Builder(LossFunction.MCXENT)
        .nOut(CLASSES)
        .activation(Activation.SOFTMAX)
        .build();
  }

  /** in -> in0 (1x1 conv) -> conv (the layer given) -> softmax over the flattened map. */
  private static ComputationGraph graph(
      Setup s, Layer conv, IUpdater updater, WorkspaceMode workspaces) {
    return graph(s, conv, updater, workspaces, SIZE);
  }

  private static ComputationGraph graph(
      Setup s, Layer conv, IUpdater updater, WorkspaceMode workspaces, int size) {
    ComputationGraph graph =
        new ComputationGraph(
            trunk(s, updater, workspaces, size)
                .addLayer("conv", conv, "in0")
                .addLayer("out", softmax(), "conv")
                .setOutputs("out")
                .build());
    graph.init();
    return graph;
  }

  /**
   * The stock alternative: SubsetVertex per group -> ConvolutionLayer per group -> MergeVertex.
   * Built without input types, with every nIn and the flattening spelt out: in DL4J M2.1
   * SubsetVertex reports {@code from - to + 1} channels for maps, and input types make DL4J
   * override every layer's nIn with what the vertices report.
   */
  static ComputationGraph splitGraph(Setup s, IUpdater updater, WorkspaceMode workspaces) {
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
            .addLayer(
                "in0",
                new ConvolutionLayer.Builder(1, 1)
                    .nIn(IN)
                    .nOut(s.c())
                    .activation(Activation.TANH)
                    .build(),
                "in");
    int cg = s.c() / s.groups();
    int og = s.out() / s.groups();
    List<String> convs = new ArrayList<>();
    for (int g = 0; g < s.groups(); g++) {
      b.addVertex("slice" + g, new SubsetVertex(g * cg, (g + 1) * cg - 1), "in0");
      b.addLayer("conv" + g, s.plain(cg, og), "slice" + g);
      convs.add("conv" + g);
    }
    b.addVertex("conv", new MergeVertex(), convs.toArray(String[]::new));
    int o = (SIZE + 2 * s.pad() - s.k()) / s.stride() + 1;
    b.addLayer(
        "out",
        new OutputLayer.Builder(LossFunction.MCXENT)
            .nIn(o * o * s.out())
            .nOut(CLASSES)
            .activation(Activation.SOFTMAX)
            .build(),
        new CnnToFeedForwardPreProcessor(o, o, s.out()),
        "conv");
    ComputationGraph graph = new ComputationGraph(b.setOutputs("out").build());
    graph.init();
    return graph;
  }
}
