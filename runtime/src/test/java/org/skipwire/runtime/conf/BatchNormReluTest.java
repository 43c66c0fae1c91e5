package org.skipwire.runtime.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.skipwire.runtime.conf.VertexTesting.assertGradientsMatchBesidesRunningStatistics;
import static org.skipwire.runtime.conf.VertexTesting.assertJsonRoundTrip;
import static org.skipwire.runtime.conf.VertexTesting.assertWorkspacesChangeNothing;
import static org.skipwire.runtime.conf.VertexTesting.oneHot;
import static org.skipwire.runtime.conf.VertexTesting.random;
import static org.skipwire.runtime.conf.VertexTesting.writeAndRestore;

import java.util.Map;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;
import org.skipwire.runtime.ActivationFusion;
import org.skipwire.runtime.BatchNormFolding;
import org.skipwire.runtime.impl.AddActivationVertexImpl;
import org.skipwire.runtime.impl.BatchNormReluLayer;

/**
 * {@link BatchNormRelu} and {@link ActivationFusion} on DL4J's own code (no helpers: the runtime's
 * tests run ND4J as shipped): the merged graph computes and trains as the original, in double,
 * channels-first and channels-last, and its gradients pass DL4J's finite-difference check.
 */
class BatchNormReluTest {
  private static final int BATCH = 4;
  private static final int CLASSES = 3;
  private static final int WIDTH = 4;

  /**
   * conv-BN-ReLU (a0 merges), conv-BN plus the skip and a ReLU after the sum (a1 merges), then a
   * batch norm that two ReLUs read (neither merges), pooled and classified.
   */
  private static ComputationGraph residual(CNN2DFormat format, IUpdater updater, WorkspaceMode ws) {
    ComputationGraphConfiguration conf =
        start(format, updater, ws)
            .addLayer("c0", conv(1, format), "in")
            .addLayer("bn0", bn(format), "c0")
            .addLayer("a0", new ActivationLayer(Activation.RELU), "bn0")
            .addLayer("c1", conv(1, format), "a0")
            .addLayer("bn1", bn(format), "c1")
            .addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "bn1", "a0")
            .addLayer("a1", new ActivationLayer(Activation.RELU), "add")
            .addLayer("c2", conv(2, format), "a1")
            .addLayer("bn2", bn(format), "c2")
            .addLayer("a2", new ActivationLayer(Activation.RELU), "bn2")
            .addLayer("a2b", new ActivationLayer(Activation.RELU), "bn2")
            .addVertex("add2", new ElementWiseVertex(ElementWiseVertex.Op.Add), "a2", "a2b")
            .addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "add2")
            .addLayer("out", output(), "gap")
            .setOutputs("out")
            .build();
    ComputationGraph graph = new ComputationGraph(conf);
    graph.init();
    return graph;
  }

  private static GraphBuilder start(CNN2DFormat format, IUpdater updater, WorkspaceMode ws) {
    return new NeuralNetConfiguration.Builder()
        .seed(21)
        .dataType(DataType.DOUBLE)
        .updater(updater)
        .weightInit(WeightInit.XAVIER)
        .trainingWorkspaceMode(ws)
        .inferenceWorkspaceMode(ws)
        .convolutionMode(ConvolutionMode.Same)
        .graphBuilder()
        .addInputs("in")
        .setInputTypes(InputType.convolutional(6, 6, 3, format));
  }

  private static ConvolutionLayer conv(int stride, CNN2DFormat format) {
    return new ConvolutionLayer.Builder(3, 3)
        .stride(stride, stride)
        .nOut(WIDTH)
        .dataFormat(format)
        .activation(Activation.IDENTITY)
        .build();
  }

  private static BatchNormalization bn(CNN2DFormat format) {
    return new BatchNormalization.Builder().dataFormat(format).build();
  }

  private static OutputLayer output() {
    return new OutputLayer.Builder(LossFunction.MCXENT)
        .nOut(CLASSES)
        .activation(Activation.SOFTMAX)
        .build();
  }

  private static ComputationGraph fused(ComputationGraph graph) {
    ComputationGraph fused = new ComputationGraph(ActivationFusion.fuse(graph.getConfiguration()));
    fused.init();
    return fused;
  }

  /** The same parameters, copied by vertex name. */
  private static void copyParams(ComputationGraph from, ComputationGraph to) {
    for (org.deeplearning4j.nn.graph.vertex.GraphVertex v : to.getVertices()) {
      Map<String, INDArray> params = v.paramTable(false);
      if (params != null) {
        params.forEach(
            (k, p) -> p.assign(from.getVertex(v.getVertexName()).paramTable(false).get(k)));
      }
    }
  }

  private static INDArray input(CNN2DFormat format) {
    long[] shape =
        format == CNN2DFormat.NCHW ? new long[] {BATCH, 3, 6, 6} : new long[] {BATCH, 6, 6, 3};
    return random(7, DataType.DOUBLE, shape).subi(0.5).muli(4);
  }

  private static MultiDataSet data(CNN2DFormat format) {
    return new MultiDataSet(input(format), oneHot(BATCH, CLASSES, DataType.DOUBLE));
  }

  @Test
  void mergesTheReluThatAloneReadsABatchNormOrASum() {
    ComputationGraphConfiguration conf =
        residual(CNN2DFormat.NCHW, new NoOp(), WorkspaceMode.ENABLED).getConfiguration();
    String before = conf.toJson();
    ComputationGraphConfiguration fused = ActivationFusion.fuse(conf);
    assertEquals(before, conf.toJson(), "the original is left untouched");
    assertFalse(fused.getVertices().containsKey("a0"));
    assertFalse(fused.getVertices().containsKey("a1"));
    assertInstanceOf(BatchNormRelu.class, layer(fused, "bn0"));
    assertEquals(
        new AddActivationVertex(new ActivationReLU()).merging("a1"),
        fused.getVertices().get("add"));
    assertEquals("a0", ((BatchNormRelu) layer(fused, "bn0")).getMerged());
    assertEquals(Map.of("a0", "bn0", "a1", "add"), ActivationFusion.merged(fused));
    assertEquals("bn0", ActivationFusion.vertexOf(fused, "a0"));
    assertEquals("c1", ActivationFusion.vertexOf(fused, "c1"));
    assertEquals(null, ActivationFusion.vertexOf(fused, "nowhere"));
    assertEquals(java.util.List.of("bn0"), fused.getVertexInputs().get("c1"), "a0's reader");
    assertEquals(java.util.List.of("bn1", "bn0"), fused.getVertexInputs().get("add"));
    assertEquals(java.util.List.of("add"), fused.getVertexInputs().get("c2"), "a1's reader");
    for (String kept : new String[] {"a2", "a2b"}) {
      assertInstanceOf(ActivationLayer.class, layer(fused, kept), kept + " shares bn2");
    }
    assertEquals(BatchNormalization.class, layer(fused, "bn1").getClass(), "bn1 feeds a sum");
    assertEquals(BatchNormalization.class, layer(fused, "bn2").getClass(), "bn2 has two readers");
    assertSame(fused, ActivationFusion.fuse(fused), "nothing left to merge: the same object");
  }

  private static org.deeplearning4j.nn.conf.layers.Layer layer(
      ComputationGraphConfiguration conf, String name) {
    return ((LayerVertex) conf.getVertices().get(name)).getLayerConf().getLayer();
  }

  @Test
  void leavesTheReluLayersItCannotMerge() {
    ComputationGraphConfiguration conf =
        start(CNN2DFormat.NCHW, new NoOp(), WorkspaceMode.ENABLED)
            .addLayer("c0", conv(1, CNN2DFormat.NCHW), "in")
            .addLayer("locked", new BatchNormalization.Builder().lockGammaBeta(true).build(), "c0")
            .addLayer("a0", new ActivationLayer(Activation.RELU), "locked")
            .addLayer("bn1", bn(CNN2DFormat.NCHW), "a0")
            .addLayer("leaky", new ActivationLayer(Activation.LEAKYRELU), "bn1")
            .addLayer("bn2", bn(CNN2DFormat.NCHW), "leaky")
            .addLayer(
                "dropped",
                new ActivationLayer.Builder().activation(Activation.RELU).dropOut(0.5).build(),
                "bn2")
            .addVertex(
                "diff", new ElementWiseVertex(ElementWiseVertex.Op.Subtract), "dropped", "c0")
            .addLayer("a3", new ActivationLayer(Activation.RELU), "diff")
            .addVertex("sum", new ElementWiseVertex(ElementWiseVertex.Op.Add), "a3", "c0")
            .addLayer("a4", new ActivationLayer(Activation.RELU), "sum")
            .addVertex("again", new ElementWiseVertex(ElementWiseVertex.Op.Add), "a4", "sum")
            .addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "again")
            .addLayer("out", output(), "gap")
            .setOutputs("out")
            .build();
    // Locked gamma and beta, a leaky ReLU, a ReLU with dropout, a ReLU after a difference, a sum
    // that another vertex reads too.
    assertSame(conf, ActivationFusion.fuse(conf));
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(CNN2DFormat.class)
  void computesAndTrainsAsTheOriginal(CNN2DFormat format) {
    ComputationGraph dl4j = residual(format, new Nesterovs(0.05, 0.9), WorkspaceMode.ENABLED);
    ComputationGraph fused = fused(dl4j);
    copyParams(dl4j, fused);
    assertInstanceOf(BatchNormReluLayer.class, fused.getLayer("bn0"));
    assertInstanceOf(AddActivationVertexImpl.class, fused.getVertex("add"));
    MultiDataSet data = data(format);
    INDArray x = data.getFeatures(0);
    Map<String, INDArray> a = dl4j.feedForward(x, false);
    Map<String, INDArray> b =
        ActivationFusion.byDeclaredName(fused.getConfiguration(), fused.feedForward(x, false));
    assertEquals(a.keySet(), b.keySet(), "every declared vertex's value, by its name");
    for (String v : a.keySet()) {
      // A merged batch norm's and sum's own entries are their ReLUs' outputs.
      INDArray expected = v.equals("bn0") ? a.get("a0") : v.equals("add") ? a.get("a1") : a.get(v);
      assertTrue(expected.equalsWithEps(b.get(v), 1e-12), v);
    }
    for (int step = 0; step < 3; step++) {
      dl4j.fit(data);
      fused.fit(data);
    }
    for (String v : new String[] {"c0", "bn0", "c1", "bn1", "c2", "bn2", "out"}) {
      assertTrue(
          dl4j.getVertex(v).params().equalsWithEps(fused.getVertex(v).params(), 1e-12),
          v + " after three Nesterov steps");
    }
    assertEquals(
        dl4j.score(new org.nd4j.linalg.dataset.DataSet(x, data.getLabels(0))),
        fused.score(new org.nd4j.linalg.dataset.DataSet(x, data.getLabels(0))),
        1e-12);
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(CNN2DFormat.class)
  void passesGradientChecksInDouble(CNN2DFormat format) {
    ComputationGraph fused = fused(residual(format, new NoOp(), WorkspaceMode.ENABLED));
    assertGradientsMatchBesidesRunningStatistics(
        fused, input(format), oneHot(BATCH, CLASSES, DataType.DOUBLE));
  }

  @Test
  void workspacesChangeNothing() {
    assertWorkspacesChangeNothing(
        mode -> fused(residual(CNN2DFormat.NHWC, new Nesterovs(0.05, 0.9), mode)),
        input(CNN2DFormat.NHWC),
        oneHot(BATCH, CLASSES, DataType.DOUBLE));
  }

  @Test
  void survivesJsonAndModelSerializer() {
    ComputationGraph fused =
        fused(residual(CNN2DFormat.NHWC, new Nesterovs(0.05, 0.9), WorkspaceMode.ENABLED));
    ComputationGraphConfiguration back = assertJsonRoundTrip(fused.getConfiguration());
    BatchNormRelu bn0 = (BatchNormRelu) layer(back, "bn0");
    assertEquals(CNN2DFormat.NHWC, bn0.getCnn2DFormat());
    assertEquals(WIDTH, bn0.getNOut());
    assertEquals("bn0", bn0.getLayerName());
    assertInstanceOf(ActivationReLU.class, bn0.getActivationFn());
    fused.fit(data(CNN2DFormat.NHWC));
    ComputationGraph restored = writeAndRestore(fused);
    INDArray x = input(CNN2DFormat.NHWC);
    assertEquals(fused.outputSingle(x), restored.outputSingle(x));
    assertInstanceOf(BatchNormReluLayer.class, restored.getLayer("bn0"));
  }

  @Test
  void isNoPlainBatchNormAndKeepsEverySetting() {
    BatchNormalization plain =
        new BatchNormalization.Builder()
            .eps(1e-3)
            .decay(0.8)
            .nOut(5)
            .dataFormat(CNN2DFormat.NHWC)
            .updater(new Nesterovs(0.1))
            .name("norm")
            .build();
    BatchNormRelu fused = BatchNormRelu.of(plain, "relu");
    assertEquals(1e-3, fused.getEps());
    assertEquals(0.8, fused.getDecay());
    assertEquals(5, fused.getNOut());
    assertEquals(CNN2DFormat.NHWC, fused.getCnn2DFormat());
    assertEquals(new Nesterovs(0.1), fused.getIUpdater());
    assertEquals("norm", fused.getLayerName());
    assertNotEquals(plain, fused);
    assertNotEquals(fused, plain);
    assertEquals(fused, BatchNormRelu.of(plain, "relu"));
    assertEquals("relu", fused.getMerged());
    assertNotEquals(fused, BatchNormRelu.of(plain, "other"));
    assertEquals(fused, fused.clone());
    assertInstanceOf(ActivationReLU.class, fused.getActivationFn());
  }

  @Test
  void foldsIntoTheConvolutionBeforeItWithItsRelu() {
    ComputationGraph fused =
        fused(residual(CNN2DFormat.NCHW, new Nesterovs(0.05, 0.9), WorkspaceMode.ENABLED));
    for (int step = 0; step < 2; step++) {
      fused.fit(data(CNN2DFormat.NCHW)); // running statistics away from 0 and 1
    }
    ComputationGraph folded = BatchNormFolding.forInference(fused);
    ComputationGraphConfiguration conf = folded.getConfiguration();
    assertFalse(conf.getVertices().containsKey("bn0"));
    assertInstanceOf(
        ActivationReLU.class, ((ConvolutionLayer) layer(conf, "c0")).getActivationFn(), "c0");
    INDArray x = input(CNN2DFormat.NCHW);
    assertTrue(fused.outputSingle(false, x).equalsWithEps(folded.outputSingle(false, x), 1e-10));
  }
}
