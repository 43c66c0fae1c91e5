package org.skipwire.samples.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.skipwire.runtime.BatchNormFolding;
import org.skipwire.runtime.ChannelsLast;
import org.skipwire.runtime.FastPaths;
import org.skipwire.runtime.Models;
import org.skipwire.runtime.SkipwireModel;
import org.skipwire.runtime.onednn.Backend;
import org.skipwire.runtime.onednn.OneDnnBatchNormHelper;
import org.skipwire.runtime.onednn.OneDnnConvHelper;

/**
 * The fast path (oneDNN build, DL4J's oneDNN layer helpers) computes what the reference path
 * computes. The native build cannot be swapped inside one JVM, so the reference is DL4J's own layer
 * code on the same build: helpers off, which is DL4J as shipped (im2col, OpenBLAS).
 */
class FastPathTest {
  static final String HELPERS_DISABLE = "org.eclipse.deeplearning4j.helpers.disable";

  @BeforeAll
  static void chooseBackend() {
    // Before withHelpers touches the switch: Backend.init() leaves a switch it finds set alone.
    Backend.init();
  }

  /** DL4J reads the helper switch when a layer is constructed: build each graph under its own. */
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

  private static void assumeFastPath() {
    Backend.Active active = Backend.active();
    assumeTrue(active.layerHelpers(), "no oneDNN layer helpers on this machine: " + active);
  }

  /** Largest |a - b| / max(|a|, |b|, floor) over all elements. */
  private static double maxRelative(INDArray a, INDArray b, double floor) {
    INDArray diff = Nd4j.math().abs(a.sub(b));
    INDArray scale = Nd4j.math().max(Nd4j.math().abs(a), Nd4j.math().abs(b));
    scale = Nd4j.math().max(scale, Nd4j.valueArrayOf(scale.shape(), floor, scale.dataType()));
    return diff.div(scale).maxNumber().doubleValue();
  }

  /**
   * The zoo networks ChannelsLast has a channels-last copy of. A change that drops one back to
   * channels-first, say a new vertex the conversion does not know, fails here instead of only
   * running slower.
   */
  private static final Set<String> CONVERTIBLE =
      Set.of(
          "cifar-resnet20",
          "cifar-resnet20-b",
          "cifar-resnet32",
          "cifar-resnet32-b",
          "cifar-resnet44",
          "cifar-resnet44-b",
          "cifar-resnet56",
          "cifar-resnet56-b",
          "cifar-resnet110",
          "cifar-resnet110-b",
          "cifar-resnet1202",
          "densenet-bc-100-12",
          "densenet121",
          "densenet169",
          "densenet201",
          "densenet264",
          "fashion-plain",
          "fashion-plain20",
          "fashion-plain56",
          "fashion-resnet",
          "fashion-resnet20",
          "fashion-resnet56",
          "pyramidnet-110-a48",
          "resnet18",
          "resnet34",
          "resnet50",
          "resnet101",
          "resnet152",
          "rezero-resnet20",
          "se-resnet50",
          "shake-shake-26-2x32d",
          "stochastic-depth-resnet110",
          "wide-resnet50-2",
          "wrn-16-8",
          "wrn-28-10");

  /**
   * Of those, the ones the fast path keeps channels-first because it measured them slower there
   * (OneDnnFastPath.slower): the DenseNets concatenate, PyramidNet's batch norms have channel
   * counts that are not a multiple of 16, SE-ResNet-50 has squeeze-excitation.
   */
  private static final Set<String> FAST_PATH_KEEPS_CHANNELS_FIRST =
      Set.of(
          "densenet-bc-100-12",
          "densenet121",
          "densenet169",
          "densenet201",
          "densenet264",
          "pyramidnet-110-a48",
          "se-resnet50");

  @Test
  void theseZooNetworksRunChannelsLastOnTheFastPath() {
    Set<String> convertible = new TreeSet<>();
    Map<String, String> refused = new TreeMap<>();
    Set<String> fastPath = new TreeSet<>();
    for (SkipwireModel m : Models.all()) {
      if (!m.declaration().startsWith("org.skipwire.samples.zoo.")) {
        continue; // test declarations elsewhere
      }
      ChannelsLast.unsupported(m.configuration(), m.inputType())
          .ifPresentOrElse(why -> refused.put(m.name(), why), () -> convertible.add(m.name()));
      if (ChannelsLast.isChannelsLast(FastPaths.configure(m.configuration(), m.inputType()))) {
        fastPath.add(m.name());
      }
    }
    assertEquals(new TreeSet<>(CONVERTIBLE), convertible, "channels-first, and why: " + refused);
    assumeFastPath();
    Set<String> expected = new TreeSet<>(CONVERTIBLE);
    expected.removeAll(FAST_PATH_KEEPS_CHANNELS_FIRST);
    assertEquals(expected, fastPath, "what the fast path runs channels-last");
  }

  // layers: how many distinct oneDNN layers (configuration and input shape) the network has; the
  // option-A ResNet-20 has no projection shortcuts, so one fewer than its option-B twin.
  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "cifar-resnet20-b, 10, true",
    "cifar-resnet20, 9, true",
    "densenet-bc-100-12, 10, false"
  })
  void fastPathComputesWhatTheReferenceComputes(String name, int layers, boolean channelsLast) {
    assumeFastPath();
    SkipwireModel model = Models.find(name).orElseThrow();
    ComputationGraph fast = withHelpers(true, model::create);
    ComputationGraph reference = withHelpers(false, model::create);
    assertEquals(reference.params(), fast.params(), "same seed, same parameters");

    // Every convolution and batch norm of the fast graph runs on oneDNN, through skipwire's
    // helpers (SkipwireModel.create swaps them in for DL4J's), none of the reference's, and the
    // fast graph is the channels-last copy (SkipwireModel.create through FastPaths.configure).
    for (Layer layer : fast.getLayers()) {
      if (layer instanceof org.deeplearning4j.nn.layers.convolution.ConvolutionLayer c) {
        assertTrue(c.getHelper() instanceof OneDnnConvHelper, layer.getConfig().getLayerName());
      }
      if (layer instanceof org.deeplearning4j.nn.layers.normalization.BatchNormalization bn) {
        assertTrue(
            bn.getHelper() instanceof OneDnnBatchNormHelper, layer.getConfig().getLayerName());
      }
    }
    for (Layer layer : reference.getLayers()) {
      if (layer instanceof org.deeplearning4j.nn.layers.convolution.ConvolutionLayer c) {
        assertNull(c.getHelper(), layer.getConfig().getLayerName());
      }
    }

    // DenseNet-BC's concatenations and its 12-channel growth keep it channels-first (slower
    // channels-last: OneDnnFastPath.slower).
    assertEquals(
        channelsLast,
        ChannelsLast.isChannelsLast(fast.getConfiguration()),
        "the fast path runs " + name + " channels-last");
    assertFalse(ChannelsLast.isChannelsLast(reference.getConfiguration()));

    Nd4j.getRandom().setSeed(11);
    INDArray x = Nd4j.rand(DataType.FLOAT, 4, 3, 32, 32);
    INDArray y = Nd4j.zeros(DataType.FLOAT, 4, 10);
    for (int i = 0; i < 4; i++) {
      y.putScalar(i, i % 10, 1.0);
    }

    // Inference (running statistics) and training mode (batch statistics): softmax outputs.
    for (boolean train : new boolean[] {false, true}) {
      INDArray a = fast.outputSingle(train, x);
      INDArray b = reference.outputSingle(train, x);
      double rel = maxRelative(a, b, 1e-6);
      assertTrue(rel < 1e-4, (train ? "training" : "inference") + " outputs differ by " + rel);
    }
    DataSet batch = new DataSet(x, y);
    double loss = reference.score(batch);
    assertEquals(loss, fast.score(batch), 1e-4 * loss, "loss");

    // Backward, layer by layer: every conv and batch norm gets the same input (the reference's
    // activations) and the same epsilon on both paths. Comparing whole-network gradients instead
    // would mostly measure ReLU kinks: an activation within float rounding of zero can switch
    // sides between the paths and move the gradients of every layer below it.
    Map<String, INDArray> activations = reference.feedForward(new INDArray[] {x}, true, false);
    // The reference's wiring: in the fast graph a layer may read the batch norm or sum that a ReLU
    // was merged into (ActivationFusion), whose reference activation is the value before the ReLU.
    Map<String, List<String>> inputs = reference.getConfiguration().getVertexInputs();
    fast.initGradientsView();
    reference.initGradientsView();
    Set<String> seen = new HashSet<>();
    boolean last = ChannelsLast.isChannelsLast(fast.getConfiguration());
    int compared = 0;
    for (Layer layer : fast.getLayers()) {
      String vertex = layer.getConfig().getLayerName();
      INDArray in = activations.get(inputs.get(vertex).get(0));
      // One layer per configuration and input shape: the others run the very same code.
      String signature =
          layer.getConfig().toString().replace(vertex, "") + Arrays.toString(in.shape());
      if (layer.getHelper() == null || !seen.add(signature)) {
        continue;
      }
      Nd4j.getRandom().setSeed(13);
      INDArray epsilon = Nd4j.randn(DataType.FLOAT, activations.get(vertex).shape());
      // A channels-last fast graph's layers get and give NHWC arrays.
      Pass a =
          last ? pass(layer, channelsLast(in), channelsLast(epsilon)) : pass(layer, in, epsilon);
      INDArray out = last ? channelsFirst(a.out()) : a.out();
      // A batch norm that applies the ReLU after it (channels-last: oneDNN's fused kernel) masks
      // its incoming gradient by that ReLU: the reference gets the masked gradient.
      boolean fused = layer.getHelper() instanceof OneDnnBatchNormHelper h && h.fusedBackward();
      Pass b =
          pass(
              reference.getLayer(vertex),
              in,
              fused ? epsilon.mul(out.gt(0).castTo(DataType.FLOAT)) : epsilon);
      assertClose(vertex + " forward", out, fused ? Transforms.relu(b.out(), true) : b.out());
      assertClose(
          vertex + " epsilon", last ? channelsFirst(a.epsilon()) : a.epsilon(), b.epsilon());
      for (String key : b.gradients().keySet()) {
        assertClose(vertex + " " + key, a.gradients().get(key), b.gradients().get(key));
      }
      compared++;
    }
    assertTrue(compared >= layers, "compared " + compared + " layers");
  }

  private static INDArray channelsLast(INDArray a) {
    return a.rank() == 4 ? a.permute(0, 2, 3, 1).dup('c') : a;
  }

  private static INDArray channelsFirst(INDArray a) {
    return a.rank() == 4 ? a.permute(0, 3, 1, 2) : a;
  }

  private record Pass(INDArray out, INDArray epsilon, Map<String, INDArray> gradients) {}

  /** One training-mode forward and backward pass of a single layer, outside any workspace. */
  private static Pass pass(Layer layer, INDArray in, INDArray epsilon) {
    LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
    layer.setInput(in.dup(), mgr);
    INDArray out = layer.activate(true, mgr).dup();
    Pair<Gradient, INDArray> back = layer.backpropGradient(epsilon.dup(), mgr);
    Map<String, INDArray> gradients = new TreeMap<>();
    back.getFirst().gradientForVariable().forEach((k, v) -> gradients.put(k, v.dup()));
    return new Pass(out, back.getSecond().dup(), gradients);
  }

  /** Equal within 1e-4 of the reference's largest magnitude, element by element. */
  private static void assertClose(String what, INDArray actual, INDArray expected) {
    double scale = Math.max(expected.amaxNumber().doubleValue(), 1e-6);
    double diff = actual.sub(expected).amaxNumber().doubleValue();
    assertTrue(
        diff <= 1e-4 * scale, what + " differs by " + diff / scale + " of its largest value");
  }

  @Test
  void convolutionCacheChangesNoResult() {
    // Training's cache mode lets a convolution's backprop reuse its forward output.
    SkipwireModel model = Models.find("cifar-resnet20-b").orElseThrow();
    ComputationGraph cached = model.create();
    ComputationGraph uncached = model.create();
    uncached.getConfiguration().setCacheMode(CacheMode.NONE);
    uncached.setCacheMode(CacheMode.NONE);
    assertEquals(CacheMode.DEVICE, cached.getConfiguration().getCacheMode());
    Nd4j.getRandom().setSeed(17);
    INDArray x = Nd4j.rand(DataType.FLOAT, 4, 3, 32, 32);
    INDArray y = Nd4j.zeros(DataType.FLOAT, 4, 10);
    for (int i = 0; i < 4; i++) {
      y.putScalar(i, 3 * i, 1.0);
    }
    for (int step = 0; step < 2; step++) {
      cached.fit(new DataSet(x, y));
      uncached.fit(new DataSet(x, y));
    }
    assertTrue(
        cached.params().equalsWithEps(uncached.params(), 1e-6), "parameters after two steps");
  }

  @Test
  void batchNormFoldedCopyGivesTheSameInferenceOutputs() {
    SkipwireModel model = Models.find("cifar-resnet20-b").orElseThrow();
    ComputationGraph graph = model.create();
    Nd4j.getRandom().setSeed(19);
    INDArray x = Nd4j.rand(DataType.FLOAT, 8, 3, 32, 32);
    INDArray y = Nd4j.zeros(DataType.FLOAT, 8, 10);
    for (int i = 0; i < 8; i++) {
      y.putScalar(i, i, 1.0);
    }
    for (int step = 0; step < 3; step++) {
      graph.fit(new DataSet(x, y)); // running statistics away from 0 and 1
    }
    ComputationGraph folded = BatchNormFolding.forInference(graph);
    long batchNorms =
        folded.getConfiguration().getVertices().values().stream()
            .filter(
                v ->
                    v instanceof LayerVertex lv
                        && lv.getLayerConf().getLayer()
                            instanceof org.deeplearning4j.nn.conf.layers.BatchNormalization)
            .count();
    assertEquals(0, batchNorms, "every batch norm of a post-activation ResNet folds");
    INDArray expected = graph.outputSingle(false, x);
    INDArray actual = folded.outputSingle(false, x);
    double rel = maxRelative(actual, expected, 1e-6);
    assertTrue(rel < 1e-4, "folded outputs differ by " + rel);
  }

  /**
   * stem conv-BN, conv-BN-act, conv-BN, add, act, pool: the parts of the generated graphs, with
   * tanh for ReLU so that no finite difference straddles a kink. Every parametrised vertex is on
   * one chain: GradientCheckUtil names parameters in parameter-table order, which differs from the
   * flattened layout where a branch has parameters, and then excludes the wrong ones.
   */
  private static ComputationGraph tinyResidual(PoolingType pool) {
    ComputationGraphConfiguration conf =
        new NeuralNetConfiguration.Builder()
            .seed(3)
            .dataType(DataType.DOUBLE)
            .updater(new NoOp())
            .weightInit(WeightInit.XAVIER)
            .convolutionMode(ConvolutionMode.Truncate)
            .graphBuilder()
            .addInputs("in")
            .setInputTypes(InputType.convolutional(6, 6, 2))
            .addLayer("c0", conv(1, 3), "in")
            .addLayer("bn0", new BatchNormalization.Builder().eps(1e-5).build(), "c0")
            .addLayer(
                "a0", new ActivationLayer.Builder().activation(Activation.TANH).build(), "bn0")
            .addLayer("c1", conv(3, 3), "a0")
            .addLayer("bn1", new BatchNormalization.Builder().eps(1e-5).build(), "c1")
            .addLayer(
                "a1", new ActivationLayer.Builder().activation(Activation.TANH).build(), "bn1")
            .addLayer("c2", conv(3, 3), "a1")
            .addLayer("bn2", new BatchNormalization.Builder().eps(1e-5).build(), "c2")
            .addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "bn2", "a0")
            .addLayer(
                "a2", new ActivationLayer.Builder().activation(Activation.TANH).build(), "add")
            .addLayer(
                "pool",
                new SubsamplingLayer.Builder(pool).kernelSize(2, 2).stride(2, 2).build(),
                "a2")
            .addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "pool")
            .addLayer(
                "out",
                new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                    .nOut(3)
                    .activation(Activation.SOFTMAX)
                    .build(),
                "gap")
            .setOutputs("out")
            .build();
    ComputationGraph graph = new ComputationGraph(conf);
    graph.init();
    return graph;
  }

  private static ConvolutionLayer conv(int kernel, int nOut) {
    return new ConvolutionLayer.Builder(kernel, kernel)
        .padding(kernel / 2, kernel / 2)
        .nOut(nOut)
        .hasBias(false)
        .activation(Activation.IDENTITY)
        .build();
  }

  @ParameterizedTest(name = "{0} pooling")
  @EnumSource(
      value = PoolingType.class,
      names = {"MAX", "AVG"})
  void gradientChecksPassWithHelpersOn(PoolingType pool) {
    // The conv and batch-norm helpers decline double precision and hand back to DL4J's own code;
    // the pooling helper runs libnd4j's op. The float comparison above exercises all of them.
    ComputationGraph graph = withHelpers(true, () -> tinyResidual(pool));
    Nd4j.getRandom().setSeed(5);
    INDArray x = Nd4j.rand(DataType.DOUBLE, 3, 2, 6, 6);
    INDArray y = Nd4j.zeros(DataType.DOUBLE, 3, 3);
    for (int i = 0; i < 3; i++) {
      y.putScalar(i, i, 1.0);
    }
    DataType before = Nd4j.dataType();
    DataType beforeFloat = Nd4j.defaultFloatingPointType();
    Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    try {
      assertTrue(
          GradientCheckUtil.checkGradients(
              new GradientCheckUtil.GraphConfig()
                  .net(graph)
                  .inputs(new INDArray[] {x})
                  .labels(new INDArray[] {y})
                  .excludeParams(
                      Set.of(
                          "bn0_mean",
                          "bn0_log10stdev",
                          "bn1_mean",
                          "bn1_log10stdev",
                          "bn2_mean",
                          "bn2_log10stdev"))
                  .epsilon(1e-6)
                  .maxRelError(1e-3)
                  .minAbsoluteError(1e-8)
                  .exitOnFirstError(true)));
    } finally {
      Nd4j.setDefaultDataTypes(before, beforeFloat);
    }
    if (Backend.active().layerHelpers()) {
      assertNotNull(graph.getLayer("c1").getHelper(), "helpers were on");
      assertNotNull(graph.getLayer("pool").getHelper(), "helpers were on");
    }
  }
}
