package org.skipwire.runtime.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.VertexIndices;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;
import org.skipwire.runtime.impl.ChannelScaleVertexImpl;

class ChannelScaleVertexTest {

  private static final int CHANNELS = 3;
  private static final int SPATIAL = 3;
  private static final int CLASSES = 3;
  private static final int BATCH = 2;

  // --- forward and backward values --------------------------------------------------------------

  @Test
  void forwardEqualsAHandComputedBroadcast() {
    // x[n, c, i, j] = 100n + 10c + 2i + j on a 2 x 3 x 2 x 2 map; s[n, c] = (n + 1) * (c - 1).
    INDArray x = Nd4j.zeros(DataType.DOUBLE, 2, 3, 2, 2);
    INDArray s = Nd4j.zeros(DataType.DOUBLE, 2, 3);
    INDArray expected = Nd4j.zeros(DataType.DOUBLE, 2, 3, 2, 2);
    for (int n = 0; n < 2; n++) {
      for (int c = 0; c < 3; c++) {
        s.putScalar(n, c, (n + 1) * (c - 1));
        for (int i = 0; i < 2; i++) {
          for (int j = 0; j < 2; j++) {
            x.putScalar(new int[] {n, c, i, j}, 100 * n + 10 * c + 2 * i + j);
            expected.putScalar(
                new int[] {n, c, i, j}, (100 * n + 10 * c + 2 * i + j) * (n + 1) * (c - 1));
          }
        }
      }
    }

    INDArray y = scaleOnly(InputType.convolutional(2, 2, 3), 3).output(x, s)[0];

    assertEquals(expected, y);
  }

  @Test
  void scalesSequencesAndFlatInputPerChannel() {
    INDArray seq = random(1, DataType.DOUBLE, 2, 3, 4);
    INDArray flat = random(2, DataType.DOUBLE, 2, 3);
    INDArray s = random(3, DataType.DOUBLE, 2, 3);

    INDArray ySeq = scaleOnly(InputType.recurrent(3, 4), 3).output(seq, s)[0];
    INDArray yFlat = scaleOnly(InputType.feedForward(3), 3).output(flat, s)[0];

    for (int t = 0; t < 4; t++) {
      assertTrue(ySeq.slice(t, 2).equalsWithEps(seq.slice(t, 2).mul(s), 1e-15));
    }
    assertEquals(flat.mul(s), yFlat);
  }

  @Test
  void backwardGivesEpsilonTimesSAndPerChannelSums() {
    ChannelScaleVertexImpl vertex = new ChannelScaleVertexImpl(null, "scale", 0, DataType.DOUBLE);
    vertex.setInputVertices(new VertexIndices[] {new VertexIndices(0, 0), new VertexIndices(1, 0)});
    LayerWorkspaceMgr noWs = LayerWorkspaceMgr.noWorkspaces();
    INDArray x = random(4, DataType.DOUBLE, 2, 3, 2, 2);
    INDArray s = random(5, DataType.DOUBLE, 2, 3);
    INDArray e = random(6, DataType.DOUBLE, 2, 3, 2, 2);
    vertex.setInput(0, x, noWs);
    vertex.setInput(1, s, noWs);
    vertex.setEpsilon(e);

    INDArray[] grads = vertex.doBackward(false, noWs).getSecond();

    for (int n = 0; n < 2; n++) {
      for (int c = 0; c < 3; c++) {
        double sum = 0;
        for (int i = 0; i < 2; i++) {
          for (int j = 0; j < 2; j++) {
            int[] at = {n, c, i, j};
            assertEquals(e.getDouble(at) * s.getDouble(n, c), grads[0].getDouble(at), 1e-15);
            sum += e.getDouble(at) * x.getDouble(at);
          }
        }
        assertEquals(sum, grads[1].getDouble(n, c), 1e-14);
      }
    }
  }

  @Test
  void channelsLastIsTheChannelsFirstComputationPermuted() {
    INDArray x = random(4, DataType.DOUBLE, 2, 3, 4, 5);
    INDArray s = random(5, DataType.DOUBLE, 2, 3);
    INDArray e = random(6, DataType.DOUBLE, 2, 3, 4, 5);

    INDArray[] first = forwardAndBackward(CNN2DFormat.NCHW, x, s, e);
    INDArray[] last = forwardAndBackward(CNN2DFormat.NHWC, toNhwc(x), s, toNhwc(e));

    assertEquals(first[0], toNchw(last[0]), "y");
    assertEquals(first[1], toNchw(last[1]), "dL/dx");
    assertTrue(first[2].equalsWithEps(last[2], 1e-14), "dL/ds");
  }

  @Test
  void channelsLastLeavesSequencesAndFlatInputChannelsFirst() {
    INDArray seq = random(1, DataType.DOUBLE, 2, 3, 4);
    INDArray flat = random(2, DataType.DOUBLE, 2, 3);
    INDArray s = random(3, DataType.DOUBLE, 2, 3);

    assertEquals(
        forwardAndBackward(CNN2DFormat.NCHW, seq, s, seq)[0],
        forwardAndBackward(CNN2DFormat.NHWC, seq, s, seq)[0]);
    assertEquals(flat.mul(s), forwardAndBackward(CNN2DFormat.NHWC, flat, s, flat)[0]);
  }

  // --- gradients --------------------------------------------------------------------------------

  @Test
  void gradientsMatchFiniteDifferencesInASqueezeExcitationBlock() {
    ComputationGraph graph = squeezeExcitation(new NoOp(), WorkspaceMode.ENABLED);

    assertGradientsMatch(graph, input(9), oneHot(BATCH, CLASSES, DataType.DOUBLE));
  }

  @Test
  void gradientsMatchFiniteDifferencesInAChannelsLastSqueezeExcitationBlock() {
    ComputationGraph graph = squeezeExcitation(new NoOp(), WorkspaceMode.ENABLED, CNN2DFormat.NHWC);

    assertGradientsMatch(graph, toNhwc(input(9)), oneHot(BATCH, CLASSES, DataType.DOUBLE));
  }

  @Test
  void trainsTheSameWithAndWithoutWorkspaces() {
    assertWorkspacesChangeNothing(
        ws -> squeezeExcitation(new Sgd(0.1), ws),
        input(13),
        oneHot(BATCH, CLASSES, DataType.DOUBLE));
  }

  // --- configuration ----------------------------------------------------------------------------

  @Test
  void outputTypeIsTheTypeOfX() {
    ChannelScaleVertex v = new ChannelScaleVertex();
    InputType map = InputType.convolutional(5, 4, 3);
    InputType seq = InputType.recurrent(3, 7);

    assertEquals(map, v.getOutputType(-1, map, InputType.feedForward(3)));
    assertEquals(seq, v.getOutputType(-1, seq, InputType.feedForward(3)));
    InputType last = InputType.convolutional(5, 4, 3, CNN2DFormat.NHWC);
    assertEquals(
        last,
        new ChannelScaleVertex(CNN2DFormat.NHWC).getOutputType(-1, last, InputType.feedForward(3)));
  }

  @Test
  void aChannelsLastVertexRejectsChannelsFirstMaps() {
    InvalidInputTypeException e =
        assertThrows(
            InvalidInputTypeException.class,
            () ->
                new ChannelScaleVertex(CNN2DFormat.NHWC)
                    .getOutputType(-1, InputType.convolutional(5, 4, 3), InputType.feedForward(3)));
    assertTrue(e.getMessage().startsWith("ChannelScaleVertex needs x as NHWC"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new ChannelScaleVertex(null));
  }

  @Test
  void rejectsMismatchedChannelsAndChannelsLastFormats() {
    ChannelScaleVertex v = new ChannelScaleVertex();
    InputType s3 = InputType.feedForward(3);

    assertThrows(
        InvalidInputTypeException.class,
        () -> v.getOutputType(-1, InputType.convolutional(5, 4, 3), InputType.feedForward(4)));
    assertThrows(
        InvalidInputTypeException.class,
        () -> v.getOutputType(-1, InputType.convolutional(5, 4, 3, CNN2DFormat.NHWC), s3));
    assertThrows(
        InvalidInputTypeException.class,
        () -> v.getOutputType(-1, InputType.recurrent(3, 7, RNNFormat.NWC), s3));
    assertThrows(
        InvalidInputTypeException.class,
        () -> v.getOutputType(-1, InputType.convolutional(5, 4, 3), InputType.recurrent(3, 7)));
    assertThrows(InvalidInputTypeException.class, () -> v.getOutputType(-1, s3));
  }

  @Test
  void rejectsArraysOfTheWrongShape() {
    ComputationGraph graph = scaleOnly(InputType.convolutional(2, 2, 3), 3);

    assertThrows(
        IllegalStateException.class,
        () ->
            graph.output(
                Nd4j.zeros(DataType.DOUBLE, 2, 3, 2, 2), Nd4j.zeros(DataType.DOUBLE, 2, 4)));
  }

  @Test
  void passesTheMaskOfXThrough() {
    ChannelScaleVertexImpl vertex = new ChannelScaleVertexImpl(null, "scale", 0, DataType.DOUBLE);
    INDArray mask = Nd4j.create(new double[] {1, 1, 0, 1, 0, 0}).reshape(2, 3);

    assertNull(vertex.feedForwardMaskArrays(null, MaskState.Active, 2));
    assertEquals(
        mask,
        vertex.feedForwardMaskArrays(new INDArray[] {mask, null}, MaskState.Active, 2).getFirst());
  }

  @Test
  void hasNoParametersAndAMemoryReport() {
    assertEquals(0, new ChannelScaleVertex().numParams(true));
    assertNotNull(
        squeezeExcitation(new NoOp(), WorkspaceMode.ENABLED)
            .getConfiguration()
            .getMemoryReport(InputType.convolutional(SPATIAL, SPATIAL, 2)));
  }

  @Test
  void allInstancesAreEqual() {
    assertEquals(new ChannelScaleVertex(), new ChannelScaleVertex().clone());
    assertEquals(new ChannelScaleVertex().hashCode(), new ChannelScaleVertex().hashCode());
    assertNotEquals(new ChannelScaleVertex(), new DropPathVertex(1));
    assertNotEquals(new ChannelScaleVertex(), new ChannelScaleVertex(CNN2DFormat.NHWC));
    assertEquals(
        new ChannelScaleVertex(CNN2DFormat.NHWC), new ChannelScaleVertex(CNN2DFormat.NHWC).clone());
  }

  @Test
  void survivesJsonRoundTrip() {
    ComputationGraphConfiguration conf =
        squeezeExcitation(new NoOp(), WorkspaceMode.ENABLED).getConfiguration();

    ComputationGraphConfiguration back = assertJsonRoundTrip(conf);

    assertEquals(new ChannelScaleVertex(), back.getVertices().get("scale"));
    // Channels-first, the default, is left out: configurations read and write as before.
    assertFalse(conf.toJson().contains("dataFormat"));
  }

  @Test
  void survivesJsonRoundTripChannelsLast() {
    ComputationGraphConfiguration conf =
        squeezeExcitation(new NoOp(), WorkspaceMode.ENABLED, CNN2DFormat.NHWC).getConfiguration();

    ComputationGraphConfiguration back = assertJsonRoundTrip(conf);

    assertEquals(new ChannelScaleVertex(CNN2DFormat.NHWC), back.getVertices().get("scale"));
  }

  @Test
  void survivesModelSerializerRoundTrip() {
    ComputationGraph graph = squeezeExcitation(new NoOp(), WorkspaceMode.ENABLED);
    INDArray x = input(3);

    ComputationGraph restored = writeAndRestore(graph);

    assertEquals(graph.getConfiguration(), restored.getConfiguration());
    assertEquals(graph.outputSingle(x), restored.outputSingle(x));
  }

  // --- graphs -----------------------------------------------------------------------------------

  private static INDArray input(long seed) {
    return random(seed, DataType.DOUBLE, BATCH, 2, SPATIAL, SPATIAL);
  }

  /** y, dL/dx and dL/ds of the vertex for x, s and epsilon e, without workspaces. */
  private static INDArray[] forwardAndBackward(
      CNN2DFormat format, INDArray x, INDArray s, INDArray e) {
    ChannelScaleVertexImpl vertex =
        new ChannelScaleVertexImpl(null, "scale", 0, format, DataType.DOUBLE);
    vertex.setInputVertices(new VertexIndices[] {new VertexIndices(0, 0), new VertexIndices(1, 0)});
    LayerWorkspaceMgr noWs = LayerWorkspaceMgr.noWorkspaces();
    vertex.setInput(0, x, noWs);
    vertex.setInput(1, s, noWs);
    INDArray y = vertex.doForward(false, noWs);
    vertex.setEpsilon(e);
    INDArray[] grads = vertex.doBackward(false, noWs).getSecond();
    return new INDArray[] {y, grads[0], grads[1]};
  }

  private static INDArray toNhwc(INDArray nchw) {
    return nchw.permute(0, 2, 3, 1).dup();
  }

  private static INDArray toNchw(INDArray nhwc) {
    return nhwc.permute(0, 3, 1, 2).dup();
  }

  /** x and s are the graph's inputs, y its output: for forward values. */
  private static ComputationGraph scaleOnly(InputType x, int channels) {
    ComputationGraph graph =
        new ComputationGraph(
            new NeuralNetConfiguration.Builder()
                .dataType(DataType.DOUBLE)
                .graphBuilder()
                .addInputs("x", "s")
                .setInputTypes(x, InputType.feedForward(channels))
                .addVertex("scale", new ChannelScaleVertex(), "x", "s")
                .setOutputs("scale")
                .build());
    graph.init();
    return graph;
  }

  /**
   * in -> x = conv(tanh); s = sigmoid(dense(tanh(dense(avgpool(x))))); scale(x, s) -> softmax over
   * the flattened map: squeeze-and-excitation, with gradients reaching x both ways.
   */
  private static ComputationGraph squeezeExcitation(IUpdater updater, WorkspaceMode workspaces) {
    return squeezeExcitation(updater, workspaces, CNN2DFormat.NCHW);
  }

  /** As above, every feature map (and the input) in {@code format}. */
  private static ComputationGraph squeezeExcitation(
      IUpdater updater, WorkspaceMode workspaces, CNN2DFormat format) {
    int[] spatial = format == CNN2DFormat.NHWC ? new int[] {1, 2} : new int[] {2, 3};
    ComputationGraph graph =
        new ComputationGraph(
            new NeuralNetConfiguration.Builder()
                .seed(42)
                .dataType(DataType.DOUBLE)
                .updater(updater)
                .trainingWorkspaceMode(workspaces)
                .inferenceWorkspaceMode(workspaces)
                .weightInit(WeightInit.XAVIER)
                .convolutionMode(ConvolutionMode.Same)
                .graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.convolutional(SPATIAL, SPATIAL, 2, format))
                .addLayer(
                    "x",
                    new ConvolutionLayer.Builder(3, 3)
                        .nOut(CHANNELS)
                        .dataFormat(format)
                        .activation(Activation.TANH)
                        .build(),
                    "in")
                .addLayer(
                    "squeeze",
                    new GlobalPoolingLayer.Builder(PoolingType.AVG)
                        .poolingDimensions(spatial)
                        .build(),
                    "x")
                .addLayer(
                    "reduce",
                    new DenseLayer.Builder().nOut(2).activation(Activation.TANH).build(),
                    "squeeze")
                .addLayer(
                    "excite",
                    new DenseLayer.Builder().nOut(CHANNELS).activation(Activation.SIGMOID).build(),
                    "reduce")
                .addVertex("scale", new ChannelScaleVertex(format), "x", "excite")
                .addLayer(
                    "out",
                    new OutputLayer.Builder(LossFunction.MCXENT)
                        .nOut(CLASSES)
                        .activation(Activation.SOFTMAX)
                        .build(),
                    "scale")
                .setOutputs("out")
                .build());
    graph.init();
    return graph;
  }
}
