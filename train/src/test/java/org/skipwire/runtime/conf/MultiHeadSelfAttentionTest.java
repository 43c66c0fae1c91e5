package org.skipwire.runtime.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.skipwire.runtime.conf.VertexTesting.assertGradientsMatch;
import static org.skipwire.runtime.conf.VertexTesting.assertJsonRoundTrip;
import static org.skipwire.runtime.conf.VertexTesting.assertWorkspacesChangeNothing;
import static org.skipwire.runtime.conf.VertexTesting.random;
import static org.skipwire.runtime.conf.VertexTesting.writeAndRestore;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.deeplearning4j.exception.DL4JInvalidConfigException;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Convolution1DLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.layers.SelfAttentionLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.common.primitives.Pair;
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
import org.skipwire.runtime.weights.Npy;

class MultiHeadSelfAttentionTest {

  private static final int BATCH = 2;
  private static final int STEPS = 5;
  private static final int IN = 3;
  private static final int WIDTH = 4;
  private static final int HEADS = 2;
  private static final int CLASSES = 3;

  // --- forward ----------------------------------------------------------------------------------

  @Test
  void outputIsNOutFeaturesPerStep() {
    ComputationGraph graph = attentionOnly(IN, 6, 3);
    INDArray x = random(1, DataType.DOUBLE, BATCH, IN, STEPS);

    assertEquals(6, graph.getLayer("attn").getParam(MultiHeadSelfAttention.OUT_WEIGHT).size(1));
    assertEquals("[2, 6, 5]", Arrays.toString(graph.outputSingle(x).shape()));
    assertEquals(
        InputType.recurrent(6, STEPS),
        new MultiHeadSelfAttention.Builder()
            .nOut(6)
            .nHeads(3)
            .build()
            .getOutputType(0, InputType.recurrent(IN, STEPS)));
  }

  @Test
  void permutingTheStepsPermutesTheOutput() {
    ComputationGraph graph = attentionOnly(IN, WIDTH, HEADS);
    INDArray x = random(2, DataType.DOUBLE, BATCH, IN, STEPS).subi(0.5).muli(4);
    int[] order = {3, 0, 4, 1, 2};

    INDArray y = graph.outputSingle(x);
    INDArray yOfPermuted = graph.outputSingle(permuteSteps(x, order));

    assertTrue(
        permuteSteps(y, order).equalsWithEps(yOfPermuted, 1e-12),
        () -> "expected " + permuteSteps(y, order) + ", got " + yOfPermuted);
  }

  @Test
  void everyStepAttendsToEveryOtherStep() {
    ComputationGraph graph = attentionOnly(IN, WIDTH, HEADS);
    INDArray x = random(3, DataType.DOUBLE, BATCH, IN, STEPS);
    INDArray changed = x.dup();
    changed.putScalar(new long[] {0, 1, 2}, 3.0);

    INDArray diff = graph.outputSingle(changed).sub(graph.outputSingle(x));

    for (int t = 0; t < STEPS; t++) {
      double change =
          diff.get(NDArrayIndex.point(0), NDArrayIndex.all(), NDArrayIndex.point(t))
              .norm2Number()
              .doubleValue();
      assertTrue(change > 1e-9, "step " + t + " did not see the change at step 2");
    }
    assertEquals(0.0, diff.slice(1).norm2Number().doubleValue(), "examples must not mix");
  }

  @Test
  void aMaskOfOnesChangesNothing() {
    ComputationGraph graph = attentionOnly(IN, WIDTH, HEADS);
    INDArray x = random(4, DataType.DOUBLE, BATCH, IN, STEPS);
    INDArray ones = Nd4j.ones(DataType.DOUBLE, BATCH, STEPS);

    INDArray unmasked = graph.outputSingle(x);
    INDArray masked = graph.output(false, new INDArray[] {x}, new INDArray[] {ones})[0];

    assertTrue(unmasked.equalsWithEps(masked, 1e-12));
  }

  /** A masked step is attended to by no step: the unmasked outputs ignore its input. */
  @Test
  void maskedStepsAreNotAttendedTo() {
    ComputationGraph graph = attentionOnly(IN, WIDTH, HEADS);
    INDArray x = random(11, DataType.DOUBLE, BATCH, IN, STEPS);
    INDArray changed = x.dup();
    changed.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(4)).addi(5);
    INDArray mask = Nd4j.create(new double[][] {{1, 1, 1, 1, 0}, {1, 1, 1, 1, 0}});
    INDArray[] masks = {mask};

    INDArray y = graph.output(false, new INDArray[] {x}, masks)[0];
    INDArray yChanged = graph.output(false, new INDArray[] {changed}, masks)[0];

    assertTrue(
        y.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, 4))
            .equalsWithEps(
                yChanged.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, 4)),
                1e-12));
    assertFalse(y.equalsWithEps(graph.outputSingle(x), 1e-6), "the mask must matter");
  }

  /**
   * With parameters shared, the output is DL4J's SelfAttentionLayer's and the gradients are half
   * DL4J's: the halving cancels exactly the doubling that Dl4jSelfAttentionGradientTest shows.
   */
  @Test
  void matchesDl4jSelfAttentionWithHalfItsGradients() {
    ComputationGraph ours = classifier(attentionBuilder(WIDTH).build(), false, new NoOp());
    ComputationGraph dl4j =
        classifier(
            new SelfAttentionLayer.Builder()
                .nOut(WIDTH)
                .nHeads(HEADS)
                .headSize(WIDTH / HEADS)
                .projectInput(true)
                .build(),
            false,
            new NoOp());
    dl4j.setParams(ours.params());
    INDArray x = random(5, DataType.DOUBLE, BATCH, IN, STEPS);
    INDArray labels = labels();

    assertEquals(ours.getParam("attn_Wq"), dl4j.getParam("attn_Wq"));
    assertTrue(ours.outputSingle(x).equalsWithEps(dl4j.outputSingle(x), 1e-12));

    Map<String, INDArray> g = gradients(ours, x, labels);
    Map<String, INDArray> d = gradients(dl4j, x, labels);
    for (String key : new String[] {"attn_Wq", "attn_Wk", "attn_Wv", "attn_Wo", "pre_W", "pre_b"}) {
      assertTrue(g.get(key).mul(2).equalsWithEps(d.get(key), 1e-10), key);
    }
    assertTrue(g.get("out_W").equalsWithEps(d.get("out_W"), 1e-10), "out_W");
  }

  // --- gradients --------------------------------------------------------------------------------

  /** nIn 4 to nOut 6 in two heads of 3. */
  @Test
  void gradientsMatchFiniteDifferences() {
    ComputationGraph graph = classifier(attentionBuilder(6).build(), false, new NoOp());

    assertGradientsMatch(graph, random(6, DataType.DOUBLE, BATCH, IN, STEPS), labels());
  }

  /** The attention inside {@code pre + attn(pre)}: pre's gradient is exact only if its is. */
  @Test
  void gradientsMatchFiniteDifferencesInAResidualSum() {
    ComputationGraph graph = classifier(attentionBuilder(WIDTH).build(), true, new NoOp());

    assertGradientsMatch(graph, random(7, DataType.DOUBLE, BATCH, IN, STEPS), labels());
  }

  /** fit applies the gradient the check verified: one SGD step is -lr * gradient / batch. */
  @Test
  void oneSgdStepFollowsTheGradient() {
    double lr = 0.1;
    ComputationGraph graph = classifier(attentionBuilder(WIDTH).build(), true, new Sgd(lr));
    INDArray x = random(10, DataType.DOUBLE, BATCH, IN, STEPS);
    Map<String, INDArray> before = new HashMap<>();
    graph.paramTable().forEach((k, v) -> before.put(k, v.dup()));
    Map<String, INDArray> g = gradients(graph, x, labels());

    graph.fit(new MultiDataSet(x, labels()));

    for (String key : new String[] {"attn_Wq", "attn_Wk", "attn_Wv", "attn_Wo", "pre_W"}) {
      INDArray step = g.get(key).reshape(before.get(key).shape()).mul(lr / BATCH);
      INDArray expected = before.get(key).sub(step);
      assertTrue(expected.equalsWithEps(graph.getParam(key), 1e-12), key);
    }
  }

  @Test
  void trainsTheSameWithAndWithoutWorkspaces() {
    assertWorkspacesChangeNothing(
        ws -> classifier(attentionBuilder(WIDTH).build(), true, new Sgd(0.1), ws),
        random(8, DataType.DOUBLE, BATCH, IN, STEPS),
        labels());
  }

  /** With a mask that hides the last two steps of one example and none of the other. */
  @Test
  void gradientsMatchFiniteDifferencesWithAMask() {
    ComputationGraph graph = classifier(attentionBuilder(WIDTH).build(), true, new NoOp());
    INDArray x = random(12, DataType.DOUBLE, BATCH, IN, STEPS);
    INDArray mask = Nd4j.create(new double[][] {{1, 1, 1, 0, 0}, {1, 1, 1, 1, 1}});

    DataType before = Nd4j.dataType();
    DataType beforeFloat = Nd4j.defaultFloatingPointType();
    Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    try {
      assertTrue(
          GradientCheckUtil.checkGradients(
              new GradientCheckUtil.GraphConfig()
                  .net(graph)
                  .inputs(new INDArray[] {x})
                  .labels(new INDArray[] {labels()})
                  .inputMask(new INDArray[] {mask})
                  .labelMask(new INDArray[] {mask})
                  .epsilon(1e-6)
                  .maxRelError(1e-3)
                  .minAbsoluteError(1e-8)
                  .exitOnFirstError(true)),
          "GradientCheckUtil found analytic and numeric gradients that differ");
    } finally {
      Nd4j.setDefaultDataTypes(before, beforeFloat);
    }
  }

  // --- against the SameDiff implementation ------------------------------------------------------

  /**
   * In float, the hand-written layer gives the output and every gradient of the same layer run
   * through SameDiff ({@code -Dskipwire.attention=samediff}, {@link #defineLayer}), within 1e-5 of
   * the largest value, without and with a mask, in a residual sum so the input gradient counts.
   */
  @Test
  void equalsTheSameDiffLayerInFloat() {
    int batch = 3;
    int steps = 7;
    INDArray x = random(13, DataType.FLOAT, batch, IN, steps).subi(0.5).muli(2);
    INDArray labels = Nd4j.zeros(DataType.FLOAT, batch, CLASSES, steps);
    for (int n = 0; n < batch; n++) {
      for (int t = 0; t < steps; t++) {
        labels.putScalar(new int[] {n, (n + 2 * t) % CLASSES, t}, 1);
      }
    }
    INDArray mask = Nd4j.ones(DataType.FLOAT, batch, steps);
    mask.putScalar(0, 6, 0);
    mask.putScalar(0, 5, 0);
    mask.putScalar(2, 0, 0);

    for (INDArray m : new INDArray[] {null, mask}) {
      ComputationGraph ours = floatClassifier(steps, false);
      ComputationGraph sameDiff = floatClassifier(steps, true);
      assertEquals("MultiHeadSelfAttentionImpl", ours.getLayer("attn").getClass().getSimpleName());
      assertEquals(
          org.deeplearning4j.nn.layers.samediff.SameDiffLayer.class,
          sameDiff.getLayer("attn").getClass());
      sameDiff.setParams(ours.params());
      INDArray[] masks = m == null ? null : new INDArray[] {m};
      String what = m == null ? "unmasked" : "masked";

      INDArray y = ours.output(false, new INDArray[] {x}, masks)[0];
      INDArray ySd = sameDiff.output(false, new INDArray[] {x}, masks)[0];
      assertClose(ySd, y, what + " output");

      Map<String, INDArray> g = gradients(ours, x, labels, masks);
      Map<String, INDArray> gSd = gradients(sameDiff, x, labels, masks);
      assertEquals(gSd.keySet(), g.keySet());
      for (String key : gSd.keySet()) {
        assertClose(gSd.get(key), g.get(key), what + " gradient " + key);
      }
    }
  }

  /**
   * The same weights in PyTorch's {@code nn.MultiheadAttention} (no biases) give the same output,
   * weight gradients and input gradient for the loss {@code sum(y * r)}, unmasked and with a key
   * padding mask; fixtures from {@code tools/torch/skipwire_torch.py attention}, computed in double
   * and stored in float, so the bar is 1e-5.
   */
  @Test
  void equalsPyTorchsMultiheadAttention() throws Exception {
    ComputationGraph graph = attentionOnly(8, 8, 2, 5);
    graph.initGradientsView(); // fit would; the test calls the layer directly
    Layer conf =
        ((LayerVertex) graph.getConfiguration().getVertices().get("attn"))
            .getLayerConf()
            .getLayer();
    org.deeplearning4j.nn.api.Layer layer = graph.getLayer("attn");
    String[] keys = {"Wq", "Wk", "Wv", "Wo"};
    for (String key : keys) {
      layer.setParam(key, fixture(key));
    }
    INDArray x = fixture("x");
    INDArray r = fixture("r");
    assertTrue(conf instanceof MultiHeadSelfAttention);

    for (String suffix : new String[] {"", "-masked"}) {
      LayerWorkspaceMgr none = LayerWorkspaceMgr.noWorkspaces();
      layer.setInput(x, none);
      layer.setMaskArray(suffix.isEmpty() ? null : fixture("mask"));
      INDArray y = layer.activate(true, none);
      assertClose(fixture("y" + suffix), y, "output" + suffix);
      Pair<Gradient, INDArray> back = layer.backpropGradient(r, none);
      assertClose(fixture("dx" + suffix), back.getSecond(), "input gradient" + suffix);
      for (String key : keys) {
        assertClose(
            fixture("d" + key + suffix),
            back.getFirst().getGradientFor(key),
            "gradient " + key + suffix);
      }
    }
  }

  private static INDArray fixture(String name) throws Exception {
    Path path =
        Path.of(
            MultiHeadSelfAttentionTest.class.getResource("/attention/" + name + ".npy").toURI());
    return Npy.read(path).castTo(DataType.DOUBLE);
  }

  private static void assertClose(INDArray expected, INDArray actual, String what) {
    double scale = Math.max(1.0, expected.amaxNumber().doubleValue());
    double diff = expected.sub(actual).amaxNumber().doubleValue();
    assertTrue(
        diff <= 1e-5 * scale,
        () -> what + ": max |difference| " + diff + " over " + scale + ", bar 1e-5 relative");
  }

  /** {@link #classifier} with residual, in float, 4 features in two heads, NoOp. */
  private static ComputationGraph floatClassifier(int steps, boolean throughSameDiff) {
    String property = MultiHeadSelfAttention.IMPLEMENTATION_PROPERTY;
    String before = System.getProperty(property);
    if (throughSameDiff) {
      System.setProperty(property, "samediff");
    } else {
      System.clearProperty(property);
    }
    try {
      GraphBuilder b =
          base(new NoOp(), WorkspaceMode.ENABLED)
              .dataType(DataType.FLOAT)
              .graphBuilder()
              .addInputs("in")
              .setInputTypes(InputType.recurrent(IN, steps))
              .addLayer(
                  "pre",
                  new Convolution1DLayer.Builder(1).nOut(WIDTH).activation(Activation.TANH).build(),
                  "in")
              .addLayer("attn", attentionBuilder(WIDTH).build(), "pre")
              .addVertex("sum", new ElementWiseVertex(ElementWiseVertex.Op.Add), "pre", "attn")
              .addLayer(
                  "out",
                  new RnnOutputLayer.Builder(LossFunction.MCXENT)
                      .nOut(CLASSES)
                      .activation(Activation.SOFTMAX)
                      .build(),
                  "sum");
      ComputationGraph graph = new ComputationGraph(b.setOutputs("out").build());
      graph.init();
      return graph;
    } finally {
      if (before == null) {
        System.clearProperty(property);
      } else {
        System.setProperty(property, before);
      }
    }
  }

  // --- configuration ----------------------------------------------------------------------------

  @Test
  void parameterCountIsFourDSquaredWithoutBiases() {
    MultiHeadSelfAttention wide =
        new MultiHeadSelfAttention.Builder().nIn(128).nOut(128).nHeads(4).build();
    MultiHeadSelfAttention narrow =
        new MultiHeadSelfAttention.Builder().nIn(IN).nOut(6).nHeads(3).build();

    assertEquals(4L * 128 * 128, wide.initializer().numParams(wide));
    assertEquals(MultiHeadSelfAttention.numParams(128, 128, 4), wide.initializer().numParams(wide));
    assertEquals(3 * 3 * 2 * IN + 3 * 2 * 6, narrow.initializer().numParams(narrow));
    ComputationGraph graph = attentionOnly(IN, 6, 3);
    assertEquals(MultiHeadSelfAttention.numParams(IN, 6, 3), graph.getLayer("attn").numParams());
    assertEquals("[3, 2, 3]", shape(graph, MultiHeadSelfAttention.QUERY_WEIGHT));
    assertEquals("[3, 2, 3]", shape(graph, MultiHeadSelfAttention.KEY_WEIGHT));
    assertEquals("[3, 2, 3]", shape(graph, MultiHeadSelfAttention.VALUE_WEIGHT));
    assertEquals("[6, 6]", shape(graph, MultiHeadSelfAttention.OUT_WEIGHT));
  }

  @Test
  void rejectsAHeadCountThatDoesNotDivideNOut() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new MultiHeadSelfAttention.Builder().nIn(8).nOut(10).nHeads(4).build());

    assertTrue(e.getMessage().contains("nOut 10 into 4 heads"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> new MultiHeadSelfAttention.Builder().nOut(8).nHeads(0).build());
    assertThrows(
        IllegalArgumentException.class,
        () -> new MultiHeadSelfAttention.Builder().nHeads(2).build());
  }

  @Test
  void rejectsInputThatIsNotAnNcwSequence() {
    MultiHeadSelfAttention attn = attentionBuilder(WIDTH).nIn(IN).build();

    assertThrows(
        DL4JInvalidConfigException.class, () -> attn.getOutputType(0, InputType.feedForward(IN)));
    assertThrows(
        DL4JInvalidConfigException.class,
        () -> attn.getOutputType(0, InputType.recurrent(IN, STEPS, RNNFormat.NWC)));
    DL4JInvalidConfigException e =
        assertThrows(
            DL4JInvalidConfigException.class,
            () -> attn.getOutputType(0, InputType.recurrent(IN + 1, STEPS)));
    assertTrue(e.getMessage().contains("nIn " + IN), e.getMessage());
  }

  @Test
  void takesNInFromTheInputType() {
    ComputationGraph graph = attentionOnly(IN, WIDTH, HEADS);
    MultiHeadSelfAttention attn = (MultiHeadSelfAttention) graph.getLayer("attn").conf().getLayer();

    assertEquals(IN, attn.getNIn());
    assertEquals(WIDTH / HEADS, attn.headSize());
  }

  @Test
  void equalityFollowsTheSettings() {
    MultiHeadSelfAttention a =
        new MultiHeadSelfAttention.Builder().nIn(4).nOut(8).nHeads(2).build();

    assertEquals(a, a.clone());
    assertEquals(a.hashCode(), a.clone().hashCode());
    assertEquals(a, new MultiHeadSelfAttention.Builder().nIn(4).nOut(8).nHeads(2).build());
    assertNotEquals(a, new MultiHeadSelfAttention.Builder().nIn(4).nOut(8).nHeads(4).build());
    assertNotEquals(a, new MultiHeadSelfAttention.Builder().nIn(4).nOut(4).nHeads(2).build());
    assertNotEquals(a, new MultiHeadSelfAttention.Builder().nIn(3).nOut(8).nHeads(2).build());
  }

  // --- serialisation ----------------------------------------------------------------------------

  @Test
  void survivesJsonRoundTrip() {
    ComputationGraph graph = classifier(attentionBuilder(WIDTH).build(), true, new Adam(1e-3));

    var back = assertJsonRoundTrip(graph.getConfiguration());

    Layer layer = ((LayerVertex) back.getVertices().get("attn")).getLayerConf().getLayer();
    assertTrue(layer instanceof MultiHeadSelfAttention, () -> "got " + layer);
    MultiHeadSelfAttention attn = (MultiHeadSelfAttention) layer;
    assertEquals(WIDTH, attn.getNIn());
    assertEquals(WIDTH, attn.getNOut());
    assertEquals(HEADS, attn.getNHeads());
  }

  @Test
  void survivesModelSerializerRoundTripAfterTraining() {
    ComputationGraph graph = classifier(attentionBuilder(WIDTH).build(), true, new Adam(1e-2));
    INDArray x = random(9, DataType.DOUBLE, BATCH, IN, STEPS);
    INDArray before = graph.getParam("attn_Wq").dup();
    graph.fit(new MultiDataSet(x, labels()));
    assertFalse(before.equals(graph.getParam("attn_Wq")), "training must move the attention");

    ComputationGraph restored = writeAndRestore(graph);

    assertEquals(graph.getConfiguration(), restored.getConfiguration());
    assertEquals(graph.params(), restored.params());
    assertEquals(graph.getUpdater().getStateViewArray(), restored.getUpdater().getStateViewArray());
    assertEquals(graph.outputSingle(x), restored.outputSingle(x));
  }

  // --- helpers ----------------------------------------------------------------------------------

  private static MultiHeadSelfAttention.Builder attentionBuilder(int nOut) {
    return new MultiHeadSelfAttention.Builder().nOut(nOut).nHeads(HEADS);
  }

  /** {@code a[:, :, i] = x[:, :, order[i]]}. */
  private static INDArray permuteSteps(INDArray x, int[] order) {
    INDArray out = Nd4j.zeros(x.dataType(), x.shape());
    for (int i = 0; i < order.length; i++) {
      out.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(i))
          .assign(x.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(order[i])));
    }
    return out;
  }

  private static String shape(ComputationGraph graph, String key) {
    return Arrays.toString(graph.getLayer("attn").getParam(key).shape());
  }

  /** The gradients DL4J computes for one batch, as copies. */
  private static Map<String, INDArray> gradients(
      ComputationGraph graph, INDArray x, INDArray labels) {
    return gradients(graph, x, labels, null);
  }

  /** As above, with input and label masks (null: none). */
  private static Map<String, INDArray> gradients(
      ComputationGraph graph, INDArray x, INDArray labels, INDArray[] masks) {
    graph.setInputs(x);
    graph.setLabels(labels);
    graph.setLayerMaskArrays(masks, masks);
    graph.computeGradientAndScore();
    graph.clearLayerMaskArrays();
    Map<String, INDArray> out = new HashMap<>();
    graph.gradient().gradientForVariable().forEach((k, v) -> out.put(k, v.dup()));
    return out;
  }

  private static INDArray labels() {
    INDArray labels = Nd4j.zeros(DataType.DOUBLE, BATCH, CLASSES, STEPS);
    for (int n = 0; n < BATCH; n++) {
      for (int t = 0; t < STEPS; t++) {
        labels.putScalar(new int[] {n, (2 * n + t) % CLASSES, t}, 1);
      }
    }
    return labels;
  }

  private static NeuralNetConfiguration.Builder base(IUpdater updater, WorkspaceMode workspaces) {
    return new NeuralNetConfiguration.Builder()
        .seed(42)
        .dataType(DataType.DOUBLE)
        .updater(updater)
        .trainingWorkspaceMode(workspaces)
        .inferenceWorkspaceMode(workspaces)
        .weightInit(WeightInit.XAVIER);
  }

  /** in (nIn features) -> attention -> output, nothing else. */
  private static ComputationGraph attentionOnly(int nIn, int nOut, int heads) {
    return attentionOnly(nIn, nOut, heads, STEPS);
  }

  private static ComputationGraph attentionOnly(int nIn, int nOut, int heads, int steps) {
    ComputationGraph graph =
        new ComputationGraph(
            base(new NoOp(), WorkspaceMode.ENABLED)
                .graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.recurrent(nIn, steps))
                .addLayer(
                    "attn",
                    new MultiHeadSelfAttention.Builder().nOut(nOut).nHeads(heads).build(),
                    "in")
                .setOutputs("attn")
                .build());
    graph.init();
    return graph;
  }

  private static ComputationGraph classifier(Layer attention, boolean residual, IUpdater updater) {
    return classifier(attention, residual, updater, WorkspaceMode.ENABLED);
  }

  /**
   * in (3 features) -> 1x1 conv1d to 4 (tanh) "pre" -> attention; with {@code residual}, then
   * {@code pre + attention}; -> per-step softmax.
   */
  private static ComputationGraph classifier(
      Layer attention, boolean residual, IUpdater updater, WorkspaceMode workspaces) {
    GraphBuilder b =
        base(updater, workspaces)
            .graphBuilder()
            .addInputs("in")
            .setInputTypes(InputType.recurrent(IN, STEPS))
            .addLayer(
                "pre",
                new Convolution1DLayer.Builder(1).nOut(WIDTH).activation(Activation.TANH).build(),
                "in")
            .addLayer("attn", attention, "pre");
    String last = "attn";
    if (residual) {
      b.addVertex("sum", new ElementWiseVertex(ElementWiseVertex.Op.Add), "pre", "attn");
      last = "sum";
    }
    b.addLayer(
        "out",
        new RnnOutputLayer.Builder(LossFunction.MCXENT)
            .nOut(CLASSES)
            .activation(Activation.SOFTMAX)
            .build(),
        last);
    ComputationGraph graph = new ComputationGraph(b.setOutputs("out").build());
    graph.init();
    return graph;
  }
}
