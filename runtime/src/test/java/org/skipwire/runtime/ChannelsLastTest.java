package org.skipwire.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.skipwire.runtime.conf.AddActivationVertex;
import org.skipwire.runtime.conf.ChannelScaleVertex;
import org.skipwire.runtime.conf.ChannelsLastPreProcessor;
import org.skipwire.runtime.conf.GatedSkipVertex;
import org.skipwire.runtime.conf.GroupNormalization;
import org.skipwire.runtime.conf.ScaleVertex;
import org.skipwire.runtime.conf.ZeroPadChannelsVertex;

/**
 * The channels-last copy computes what the channels-first network computes, with DL4J's own layer
 * code in both (no oneDNN on this module's class path): outputs, every vertex's activations, and
 * the parameters after training steps; and it refuses what it cannot convert, saying why.
 */
class ChannelsLastTest {
  private static final InputType IMAGE = InputType.convolutional(8, 8, 3);

  private static GraphBuilder start(DataType type) {
    return new NeuralNetConfiguration.Builder()
        .seed(5)
        .dataType(type)
        .updater(type == DataType.DOUBLE ? new NoOp() : new Nesterovs(0.05, 0.9))
        .convolutionMode(ConvolutionMode.Same)
        .graphBuilder()
        .addInputs("in")
        .setInputTypes(IMAGE);
  }

  private static ConvolutionLayer conv(int k, int out, int stride, boolean bias) {
    return new ConvolutionLayer.Builder(k, k)
        .stride(stride, stride)
        .nOut(out)
        .hasBias(bias)
        .activation(Activation.IDENTITY)
        .build();
  }

  private static ActivationLayer relu() {
    return new ActivationLayer(Activation.RELU);
  }

  /**
   * Everything the conversion takes: a stem with bias, conv-BN-ReLU, a residual sum, a
   * concatenation of two branches, max pooling, skipwire's fused sum, global pooling, a dense layer
   * and the output.
   */
  private static ComputationGraphConfiguration everything(DataType type) {
    return start(type)
        .addLayer("stem", conv(3, 4, 1, true), "in")
        .addLayer("c1", conv(3, 4, 1, false), "stem")
        .addLayer("bn1", new BatchNormalization.Builder().build(), "c1")
        .addLayer("r1", relu(), "bn1")
        .addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "r1", "stem")
        .addLayer("b1", conv(1, 2, 1, false), "add")
        .addLayer("b2", conv(3, 3, 1, true), "add")
        .addVertex("cat", new MergeVertex(), "b1", "b2", "add")
        .addLayer("bn2", new BatchNormalization.Builder().build(), "cat")
        .addLayer(
            "pool",
            new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build(),
            "bn2")
        .addLayer("c2", conv(3, 9, 1, false), "pool")
        .addVertex(
            "sum", new AddActivationVertex(Activation.RELU.getActivationFunction()), "c2", "pool")
        .addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "sum")
        .addLayer("fc", new DenseLayer.Builder().nOut(5).activation(Activation.TANH).build(), "gap")
        .addLayer("out", softmaxOutput(), "fc")
        .setOutputs("out")
        .build();
  }

  /**
   * skipwire's vertices that the conversion takes: an option-A shortcut (subsample, zero channels)
   * beside a ReZero-scaled strided branch, squeeze-excitation's channel scale, and a gated skip.
   */
  private static ComputationGraphConfiguration shortcuts(DataType type) {
    return start(type)
        .addLayer("stem", conv(3, 4, 1, true), "in")
        .addLayer("bn0", new BatchNormalization.Builder().build(), "stem")
        .addLayer("r0", relu(), "bn0")
        .addLayer("c1", conv(3, 8, 2, false), "r0")
        .addLayer("bn1", new BatchNormalization.Builder().build(), "c1")
        // Not ReZero's 0, so the branch's parameters get a gradient from the first step.
        .addVertex("rezero", new ScaleVertex(0.5), "bn1")
        .addVertex("shortcut", new ZeroPadChannelsVertex(2, 4), "r0")
        .addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "rezero", "shortcut")
        .addLayer("r1", relu(), "add")
        .addLayer("squeeze", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "r1")
        .addLayer(
            "reduce",
            new DenseLayer.Builder().nOut(3).activation(Activation.TANH).build(),
            "squeeze")
        .addLayer(
            "excite",
            new DenseLayer.Builder().nOut(8).activation(Activation.SIGMOID).build(),
            "reduce")
        .addVertex("scale", new ChannelScaleVertex(), "r1", "excite")
        .addVertex("gate", new GatedSkipVertex(0.3), "r1", "scale")
        .addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "gate")
        .addLayer("out", softmaxOutput(), "gap")
        .setOutputs("out")
        .build();
  }

  /** The three-class softmax output every test network ends in. */
  private static OutputLayer softmaxOutput() {
    return new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
        .nOut(3)
        .activation(Activation.SOFTMAX)
        .build();
  }

  private static ComputationGraph graph(ComputationGraphConfiguration conf) {
    ComputationGraph g = new ComputationGraph(conf);
    g.init();
    return g;
  }

  private static DataSet batch(DataType type) {
    Nd4j.getRandom().setSeed(17);
    INDArray x = Nd4j.randn(type, 5, 3, 8, 8);
    INDArray y = Nd4j.zeros(type, 5, 3);
    for (int i = 0; i < 5; i++) {
      y.putScalar(i, i % 3, 1.0);
    }
    return new DataSet(x, y);
  }

  /** A channels-last activation back in channels-first order, for comparison. */
  private static INDArray channelsFirst(INDArray a) {
    return a.rank() == 4 ? a.permute(0, 3, 1, 2) : a;
  }

  private static void assertClose(String what, INDArray expected, INDArray actual, double tol) {
    assertEquals(
        Arrays.toString(expected.shape()), Arrays.toString(actual.shape()), what + ": shape");
    double scale = Math.max(1e-3, expected.amaxNumber().doubleValue());
    double diff = expected.sub(actual).amaxNumber().doubleValue();
    assertTrue(diff <= tol * scale, what + ": largest difference " + diff + ", scale " + scale);
  }

  @Test
  void theCopyIsChannelsLastInsideAndTakesChannelsFirstInput() {
    ComputationGraphConfiguration conf = everything(DataType.FLOAT);
    String before = conf.toJson();
    ComputationGraphConfiguration copy = ChannelsLast.convert(conf, IMAGE);
    assertEquals(before, conf.toJson(), "the original is left untouched");
    assertFalse(ChannelsLast.isChannelsLast(conf));
    assertTrue(ChannelsLast.isChannelsLast(copy));
    assertEquals(copy.toJson(), ChannelsLast.tryConvert(conf, IMAGE).orElseThrow().toJson());
    LayerVertex stem = (LayerVertex) copy.getVertices().get("stem");
    assertInstanceOf(ChannelsLastPreProcessor.class, stem.getPreProcessor());
    for (String c : new String[] {"stem", "c1", "b1", "b2", "c2"}) {
      ConvolutionLayer layer =
          (ConvolutionLayer) ((LayerVertex) copy.getVertices().get(c)).getLayerConf().getLayer();
      assertEquals(CNN2DFormat.NHWC, layer.getCnn2dDataFormat(), c);
    }
    assertEquals(3, ((MergeVertex) copy.getVertices().get("cat")).getMergeAxis());
    assertEquals(3, ((MergeVertex) copy.clone().getVertices().get("cat")).getMergeAxis());
    // DL4J's own type inference agrees: channels-last inside, a vector after global pooling.
    Map<String, InputType> types = copy.clone().getLayerActivationTypes(true, false, IMAGE);
    assertEquals(
        CNN2DFormat.NHWC, ((InputType.InputTypeConvolutional) types.get("cat")).getFormat());
    assertEquals(InputType.feedForward(9), types.get("gap"));
    // It survives DL4J's JSON, as a checkpoint saves it.
    assertEquals(copy, ComputationGraphConfiguration.fromJson(copy.toJson()));
    assertEquals(
        Set.of("it already is channels-last"),
        Set.of(ChannelsLast.unsupported(copy, IMAGE).orElseThrow()));
  }

  @Test
  void sameParametersSameOutputsEveryVertexAndTheSameTraining() {
    assertSameComputation(ChannelsLastTest::everything);
  }

  @Test
  void skipwiresShortcutScaleAndGateVerticesConvertToo() {
    ComputationGraphConfiguration conf = shortcuts(DataType.FLOAT);
    assertEquals(Optional.empty(), ChannelsLast.unsupported(conf, IMAGE));
    ComputationGraphConfiguration copy = ChannelsLast.convert(conf, IMAGE);
    assertEquals(
        CNN2DFormat.NCHW,
        ((ZeroPadChannelsVertex) conf.getVertices().get("shortcut")).getDataFormat(),
        "the original is left untouched");
    assertEquals(
        new ZeroPadChannelsVertex(2, 4, CNN2DFormat.NHWC), copy.getVertices().get("shortcut"));
    assertEquals(new ChannelScaleVertex(CNN2DFormat.NHWC), copy.getVertices().get("scale"));
    Map<String, InputType> types = copy.clone().getLayerActivationTypes(true, false, IMAGE);
    assertEquals(InputType.convolutional(4, 4, 8, CNN2DFormat.NHWC), types.get("shortcut"));
    assertEquals(InputType.convolutional(4, 4, 8, CNN2DFormat.NHWC), types.get("gate"));
    String json = copy.toJson();
    assertTrue(json.contains("\"dataFormat\" : \"NHWC\""), "the layout is saved");
    assertEquals(copy, ComputationGraphConfiguration.fromJson(json));
    assertEquals(json, ComputationGraphConfiguration.fromJson(json).toJson());
    assertSameComputation(ChannelsLastTest::shortcuts);
  }

  @Test
  void skipwiresVerticesPassGradientChecksChannelsLastInDouble() {
    assertGradientsMatchChannelsLast(shortcuts(DataType.DOUBLE), "bn0", "bn1");
  }

  /**
   * The channels-first network {@code conf} builds and its channels-last copy, given the same
   * parameters: the same outputs, the same activations at every vertex, the same parameters after
   * three training steps.
   */
  private static void assertSameComputation(
      Function<DataType, ComputationGraphConfiguration> conf) {
    ComputationGraph first = graph(conf.apply(DataType.FLOAT));
    ComputationGraph last = graph(ChannelsLast.convert(conf.apply(DataType.FLOAT), IMAGE));
    assertEquals(first.numParams(), last.numParams());
    last.setParams(first.params().dup());
    DataSet batch = batch(DataType.FLOAT);
    INDArray x = batch.getFeatures();
    assertClose("output", first.outputSingle(false, x), last.outputSingle(false, x), 1e-5);
    Map<String, INDArray> a = first.feedForward(x, false);
    Map<String, INDArray> b = last.feedForward(x, false);
    assertEquals(a.keySet(), b.keySet());
    for (String v : a.keySet()) {
      if (!v.equals("in")) {
        assertClose(v, a.get(v), channelsFirst(b.get(v)), 1e-5);
      }
    }
    for (int step = 0; step < 3; step++) {
      first.fit(batch);
      last.fit(batch);
    }
    assertClose("parameters after three steps", first.params(), last.params(), 1e-4);
    assertEquals(first.score(batch), last.score(batch), 1e-4 * first.score(batch));
  }

  @Test
  void passesGradientChecksInDouble() {
    assertGradientsMatchChannelsLast(everything(DataType.DOUBLE), "bn1", "bn2");
  }

  /** DL4J's finite-difference check on the channels-last copy of {@code conf}. */
  private static void assertGradientsMatchChannelsLast(
      ComputationGraphConfiguration conf, String... batchNorms) {
    ComputationGraph graph = graph(ChannelsLast.convert(conf, IMAGE));
    DataSet batch = batch(DataType.DOUBLE);
    DataType before = Nd4j.dataType();
    DataType beforeFloat = Nd4j.defaultFloatingPointType();
    Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    try {
      boolean ok =
          GradientCheckUtil.checkGradients(
              new GradientCheckUtil.GraphConfig()
                  .net(graph)
                  .inputs(new INDArray[] {batch.getFeatures()})
                  .labels(new INDArray[] {batch.getLabels()})
                  .epsilon(1e-6)
                  .maxRelError(1e-3)
                  .minAbsoluteError(1e-8)
                  // Running statistics: moved by the layer, not by their "gradient".
                  .excludeParams(
                      Stream.of(batchNorms)
                          .flatMap(bn -> Stream.of(bn + "_mean", bn + "_var", bn + "_log10stdev"))
                          .collect(Collectors.toSet()))
                  .exitOnFirstError(true));
      assertTrue(ok, "GradientCheckUtil found analytic and numeric gradients that differ");
    } finally {
      Nd4j.setDefaultDataTypes(before, beforeFloat);
    }
  }

  @Test
  void batchNormFoldsInTheChannelsLastCopyToo() {
    ComputationGraph trained = graph(ChannelsLast.convert(everything(DataType.FLOAT), IMAGE));
    DataSet batch = batch(DataType.FLOAT);
    for (int step = 0; step < 2; step++) {
      trained.fit(batch);
    }
    assertEquals(Map.of("bn1", "c1"), BatchNormFolding.foldable(trained.getConfiguration()));
    ComputationGraph folded = BatchNormFolding.forInference(trained);
    INDArray x = batch.getFeatures();
    assertClose(
        "folded output", trained.outputSingle(false, x), folded.outputSingle(false, x), 1e-4);
  }

  @Test
  void aFlattenIntoADenseLayerStaysChannelsFirst() {
    ComputationGraphConfiguration conf =
        start(DataType.FLOAT)
            .addLayer("c", conv(3, 4, 2, false), "in")
            .addLayer("fc", new DenseLayer.Builder().nOut(5).build(), "c")
            .addLayer("out", softmaxOutput(), "fc")
            .setOutputs("out")
            .build();
    String why = ChannelsLast.unsupported(conf, IMAGE).orElseThrow();
    assertTrue(
        why.startsWith("fc reads its feature map through CnnToFeedForwardPreProcessor"), why);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ChannelsLast.convert(conf, IMAGE));
    assertEquals("no channels-last copy of this network: " + why, e.getMessage());
    assertEquals(Optional.empty(), ChannelsLast.tryConvert(conf, IMAGE));
  }

  @Test
  void channelsFirstOnlyVerticesAndImageOutputsStayChannelsFirst() {
    ComputationGraphConfiguration groupNorm =
        start(DataType.FLOAT)
            .addLayer("c", conv(3, 4, 1, false), "in")
            .addLayer("gn", new GroupNormalization.Builder().groups(2).build(), "c")
            .addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "gn")
            .addLayer("out", softmaxOutput(), "gap")
            .setOutputs("out")
            .build();
    assertEquals(
        "gn (GroupNormalization) has no channels-last form here",
        ChannelsLast.unsupported(groupNorm, IMAGE).orElseThrow());
    ComputationGraphConfiguration perPixel =
        start(DataType.FLOAT)
            .addLayer("c", conv(3, 2, 1, false), "in")
            .addLayer(
                "out",
                new CnnLossLayer.Builder(LossFunctions.LossFunction.MCXENT)
                    .activation(Activation.SOFTMAX)
                    .build(),
                "c")
            .setOutputs("out")
            .build();
    String why = ChannelsLast.unsupported(perPixel, IMAGE).orElseThrow();
    assertTrue(why.startsWith("output out is InputTypeConvolutional"), why);
    assertTrue(why.endsWith("which would come out transposed"), why);
    assertEquals(
        "the network input in is not a channels-first image: " + InputType.feedForward(192),
        ChannelsLast.unsupported(everything(DataType.FLOAT), InputType.feedForward(192))
            .orElseThrow());
  }
}
