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
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.VertexIndices;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;
import org.skipwire.runtime.impl.ZeroPadChannelsVertexImpl;

class ZeroPadChannelsVertexTest {

  @Test
  void forwardIsStridedInputThenZeroChannels() {
    // x[0, c, i, j] = 10c + 3i + j on a 2 x 3 x 3 input; stride 2 keeps rows/columns 0 and 2.
    INDArray x =
        Nd4j.create(
                new double[] {
                  0, 1, 2, 3, 4, 5, 6, 7, 8, //
                  10, 11, 12, 13, 14, 15, 16, 17, 18
                })
            .reshape(1, 2, 3, 3);
    INDArray expected =
        Nd4j.create(
                new double[] {
                  0, 2, 6, 8, //
                  10, 12, 16, 18, //
                  0, 0, 0, 0
                })
            .reshape(1, 3, 2, 2);

    INDArray y = padOnly(2, 1, 2, 3, 3).outputSingle(x);

    assertEquals(expected, y);
  }

  @ParameterizedTest(name = "stride {0}, pad {1}, {2}x{3}")
  @CsvSource({"1, 0, 3, 4", "1, 2, 3, 3", "2, 0, 5, 5", "2, 3, 4, 5", "3, 1, 7, 2"})
  void forwardMatchesLoopReference(int stride, int pad, int h, int w) {
    INDArray x = random(7, DataType.DOUBLE, 2, 3, h, w);

    INDArray y = padOnly(stride, pad, 3, h, w).outputSingle(x);

    assertEquals(reference(x, stride, pad), y);
  }

  @Test
  void backwardScattersEpsilonOfInputChannelsToSampledPositions() {
    ZeroPadChannelsVertexImpl vertex =
        new ZeroPadChannelsVertexImpl(null, "pad", 0, 2, 1, DataType.DOUBLE);
    vertex.setInputVertices(new VertexIndices[] {new VertexIndices(0, 0)});
    LayerWorkspaceMgr noWs = LayerWorkspaceMgr.noWorkspaces();
    vertex.setInput(0, Nd4j.zeros(DataType.DOUBLE, 1, 1, 3, 3), noWs);
    // Channel 1 is padding: its gradient must be dropped.
    vertex.setEpsilon(
        Nd4j.create(new double[] {1, 2, 3, 4, 100, 100, 100, 100}).reshape(1, 2, 2, 2));

    INDArray dx = vertex.doBackward(false, noWs).getSecond()[0];

    INDArray expected =
        Nd4j.create(
                new double[] {
                  1, 0, 2, //
                  0, 0, 0, //
                  3, 0, 4
                })
            .reshape(1, 1, 3, 3);
    assertEquals(expected, dx);
  }

  @Test
  void spatialMasksAreSubsampledAndPerExampleMasksKept() {
    ZeroPadChannelsVertexImpl vertex =
        new ZeroPadChannelsVertexImpl(null, "pad", 0, 2, 1, DataType.DOUBLE);
    INDArray perExample = Nd4j.create(new double[] {1, 0}).reshape(2, 1);
    INDArray spatial = Nd4j.create(new double[] {1, 2, 3, 4, 5, 6, 7, 8, 9}).reshape(1, 1, 3, 3);

    assertNull(vertex.feedForwardMaskArrays(null, MaskState.Active, 2));
    assertEquals(
        perExample,
        vertex.feedForwardMaskArrays(new INDArray[] {perExample}, MaskState.Active, 2).getFirst());
    assertEquals(
        Nd4j.create(new double[] {1, 3, 7, 9}).reshape(1, 1, 2, 2),
        vertex.feedForwardMaskArrays(new INDArray[] {spatial}, MaskState.Active, 1).getFirst());
  }

  @ParameterizedTest(name = "stride {0}, pad {1}, {2}x{3}")
  @CsvSource({"1, 0, 3, 4", "1, 2, 3, 3", "2, 3, 4, 5", "2, 16, 8, 8", "3, 1, 7, 2"})
  void channelsLastIsTheChannelsFirstComputationPermuted(int stride, int pad, int h, int w) {
    INDArray x = random(7, DataType.DOUBLE, 2, 3, h, w);
    INDArray epsilon =
        random(
            8, DataType.DOUBLE, 2, 3 + pad, (h + stride - 1) / stride, (w + stride - 1) / stride);

    INDArray[] first = forwardAndBackward(CNN2DFormat.NCHW, stride, pad, x, epsilon);
    INDArray[] last = forwardAndBackward(CNN2DFormat.NHWC, stride, pad, toNhwc(x), toNhwc(epsilon));

    assertEquals(reference(x, stride, pad), first[0]);
    assertEquals(first[0], toNchw(last[0]), "forward");
    assertEquals(first[1], toNchw(last[1]), "backward");
  }

  @Test
  void channelsLastSpatialMasksAreSubsampled() {
    ZeroPadChannelsVertexImpl vertex =
        new ZeroPadChannelsVertexImpl(null, "pad", 0, 2, 1, CNN2DFormat.NHWC, DataType.DOUBLE);
    INDArray spatial = Nd4j.create(new double[] {1, 2, 3, 4, 5, 6, 7, 8, 9}).reshape(1, 3, 3, 1);

    assertEquals(
        Nd4j.create(new double[] {1, 3, 7, 9}).reshape(1, 2, 2, 1),
        vertex.feedForwardMaskArrays(new INDArray[] {spatial}, MaskState.Active, 1).getFirst());
  }

  @ParameterizedTest(name = "stride {0}, pad {1}, {2}x{2}")
  @CsvSource({"1, 2, 4", "2, 0, 5", "2, 2, 5", "2, 1, 4"})
  void gradientsMatchFiniteDifferencesChannelsLast(int stride, int pad, int size) {
    ComputationGraph graph =
        convThenPad(stride, pad, size, new NoOp(), WorkspaceMode.ENABLED, CNN2DFormat.NHWC);

    assertGradientsMatch(
        graph, random(11, DataType.DOUBLE, 2, size, size, 2), oneHot(2, 3, DataType.DOUBLE));
  }

  @ParameterizedTest(name = "stride {0}, pad {1}, {2}x{2}")
  @CsvSource({"1, 0, 4", "1, 2, 4", "2, 0, 5", "2, 2, 5", "2, 1, 4"})
  void gradientsMatchFiniteDifferences(int stride, int pad, int size) {
    ComputationGraph graph = convThenPad(stride, pad, size);

    assertGradientsMatch(
        graph, random(11, DataType.DOUBLE, 2, 2, size, size), oneHot(2, 3, DataType.DOUBLE));
  }

  @Test
  void trainsTheSameWithAndWithoutWorkspaces() {
    assertWorkspacesChangeNothing(
        ws -> convThenPad(2, 2, 5, new Sgd(0.1), ws),
        random(13, DataType.DOUBLE, 2, 2, 5, 5),
        oneHot(2, 3, DataType.DOUBLE));
  }

  @Test
  void outputTypeHasCeilSpatialSizeAndExtraChannels() {
    InputType out =
        new ZeroPadChannelsVertex(2, 5).getOutputType(-1, InputType.convolutional(5, 4, 3));

    assertEquals(InputType.convolutional(3, 2, 8), out);
    assertEquals(
        InputType.convolutional(3, 2, 8, CNN2DFormat.NHWC),
        new ZeroPadChannelsVertex(2, 5, CNN2DFormat.NHWC)
            .getOutputType(-1, InputType.convolutional(5, 4, 3, CNN2DFormat.NHWC)));
  }

  @Test
  void rejectsAFeatureMapInTheOtherFormat() {
    InvalidInputTypeException e =
        assertThrows(
            InvalidInputTypeException.class,
            () ->
                new ZeroPadChannelsVertex(2, 1, CNN2DFormat.NHWC)
                    .getOutputType(-1, InputType.convolutional(5, 4, 3)));
    assertTrue(
        e.getMessage().startsWith("ZeroPadChannelsVertex needs convolutional NHWC"),
        e.getMessage());
    assertThrows(
        InvalidInputTypeException.class,
        () ->
            new ZeroPadChannelsVertex(2, 1)
                .getOutputType(-1, InputType.convolutional(5, 4, 3, CNN2DFormat.NHWC)));
    assertThrows(IllegalArgumentException.class, () -> new ZeroPadChannelsVertex(2, 1, null));
  }

  @Test
  void rejectsFlatInputAndBadArguments() {
    ZeroPadChannelsVertex pad = new ZeroPadChannelsVertex(2, 1);
    assertThrows(
        InvalidInputTypeException.class, () -> pad.getOutputType(-1, InputType.feedForward(8)));
    assertThrows(IllegalArgumentException.class, () -> new ZeroPadChannelsVertex(0, 1));
    assertThrows(IllegalArgumentException.class, () -> new ZeroPadChannelsVertex(1, -1));
  }

  @Test
  void hasNoParametersAndAMemoryReport() {
    ZeroPadChannelsVertex pad = new ZeroPadChannelsVertex(2, 4);
    assertEquals(0, pad.numParams(true));
    assertNotNull(pad.getMemoryReport(InputType.convolutional(4, 4, 2)));
    assertNotNull(convThenPad(2, 4, 4).getConfiguration().getMemoryReport(inputType(2, 4, 4)));
  }

  @Test
  void survivesJsonRoundTrip() {
    ComputationGraphConfiguration conf = convThenPad(2, 3, 5).getConfiguration();

    ComputationGraphConfiguration back = assertJsonRoundTrip(conf);

    assertEquals(new ZeroPadChannelsVertex(2, 3), back.getVertices().get("pad"));
    // Channels-first, the default, is left out: configurations read and write as before.
    assertFalse(conf.toJson().contains("dataFormat"));
  }

  @Test
  void survivesJsonRoundTripChannelsLast() {
    ComputationGraphConfiguration conf =
        convThenPad(2, 3, 5, new NoOp(), WorkspaceMode.ENABLED, CNN2DFormat.NHWC)
            .getConfiguration();

    ComputationGraphConfiguration back = assertJsonRoundTrip(conf);

    assertEquals(new ZeroPadChannelsVertex(2, 3, CNN2DFormat.NHWC), back.getVertices().get("pad"));
  }

  @Test
  void survivesModelSerializerRoundTrip() {
    ComputationGraph graph = convThenPad(2, 3, 5);
    INDArray x = random(3, DataType.DOUBLE, 2, 2, 5, 5);

    ComputationGraph restored = writeAndRestore(graph);

    assertEquals(graph.getConfiguration(), restored.getConfiguration());
    assertEquals(graph.outputSingle(x), restored.outputSingle(x));
  }

  @Test
  void equalityFollowsStrideAndPadding() {
    assertEquals(new ZeroPadChannelsVertex(2, 3), new ZeroPadChannelsVertex(2, 3).clone());
    assertEquals(
        new ZeroPadChannelsVertex(2, 3).hashCode(), new ZeroPadChannelsVertex(2, 3).hashCode());
    assertNotEquals(new ZeroPadChannelsVertex(2, 3), new ZeroPadChannelsVertex(1, 3));
    assertNotEquals(new ZeroPadChannelsVertex(2, 3), new ZeroPadChannelsVertex(2, 2));
    assertNotEquals(
        new ZeroPadChannelsVertex(2, 3), new ZeroPadChannelsVertex(2, 3, CNN2DFormat.NHWC));
    assertEquals(
        new ZeroPadChannelsVertex(2, 3, CNN2DFormat.NHWC),
        new ZeroPadChannelsVertex(2, 3, CNN2DFormat.NHWC).clone());
  }

  /** y[:, :C] = x[:, :, ::s, ::s], y[:, C:] = 0, by plain loops. */
  private static INDArray reference(INDArray x, int s, int pad) {
    long n = x.size(0);
    long c = x.size(1);
    long h = x.size(2);
    long w = x.size(3);
    INDArray y = Nd4j.zeros(x.dataType(), n, c + pad, (h + s - 1) / s, (w + s - 1) / s);
    for (long e = 0; e < n; e++) {
      for (long k = 0; k < c; k++) {
        for (long i = 0; i < h; i += s) {
          for (long j = 0; j < w; j += s) {
            y.putScalar(new long[] {e, k, i / s, j / s}, x.getDouble(e, k, i, j));
          }
        }
      }
    }
    return y;
  }

  /** The vertex's output for x, then its gradient to x for epsilon, without workspaces. */
  private static INDArray[] forwardAndBackward(
      CNN2DFormat format, int stride, int pad, INDArray x, INDArray epsilon) {
    ZeroPadChannelsVertexImpl vertex =
        new ZeroPadChannelsVertexImpl(null, "pad", 0, stride, pad, format, DataType.DOUBLE);
    vertex.setInputVertices(new VertexIndices[] {new VertexIndices(0, 0)});
    LayerWorkspaceMgr noWs = LayerWorkspaceMgr.noWorkspaces();
    vertex.setInput(0, x, noWs);
    INDArray y = vertex.doForward(false, noWs);
    vertex.setEpsilon(epsilon);
    return new INDArray[] {y, vertex.doBackward(false, noWs).getSecond()[0]};
  }

  private static INDArray toNhwc(INDArray nchw) {
    return nchw.permute(0, 2, 3, 1).dup();
  }

  private static INDArray toNchw(INDArray nhwc) {
    return nhwc.permute(0, 3, 1, 2).dup();
  }

  private static InputType inputType(long channels, long h, long w) {
    return InputType.convolutional(h, w, channels);
  }

  /** The vertex alone, as the graph's output: for forward values. */
  private static ComputationGraph padOnly(int stride, int pad, int c, int h, int w) {
    ComputationGraphConfiguration conf =
        new NeuralNetConfiguration.Builder()
            .dataType(DataType.DOUBLE)
            .graphBuilder()
            .addInputs("in")
            .setInputTypes(inputType(c, h, w))
            .addVertex("pad", new ZeroPadChannelsVertex(stride, pad), "in")
            .setOutputs("pad")
            .build();
    ComputationGraph graph = new ComputationGraph(conf);
    graph.init();
    return graph;
  }

  /**
   * conv 3x3 (2 -> 2 channels, so gradients reach parameters through the vertex) -> zero pad ->
   * softmax over 3 classes on the flattened map, which keeps every position's gradient distinct.
   */
  private static ComputationGraph convThenPad(int stride, int pad, int size) {
    return convThenPad(stride, pad, size, new NoOp(), WorkspaceMode.ENABLED);
  }

  private static ComputationGraph convThenPad(
      int stride, int pad, int size, IUpdater updater, WorkspaceMode workspaces) {
    return convThenPad(stride, pad, size, updater, workspaces, CNN2DFormat.NCHW);
  }

  /** As above, every feature map (and the input) in {@code format}. */
  private static ComputationGraph convThenPad(
      int stride,
      int pad,
      int size,
      IUpdater updater,
      WorkspaceMode workspaces,
      CNN2DFormat format) {
    ComputationGraphConfiguration conf =
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
            .setInputTypes(InputType.convolutional(size, size, 2, format))
            .addLayer(
                "conv",
                new ConvolutionLayer.Builder(3, 3)
                    .nOut(2)
                    .dataFormat(format)
                    .activation(Activation.TANH)
                    .build(),
                "in")
            .addVertex("pad", new ZeroPadChannelsVertex(stride, pad, format), "conv")
            .addLayer(
                "out",
                new OutputLayer.Builder(LossFunction.MCXENT)
                    .nOut(3)
                    .activation(Activation.SOFTMAX)
                    .build(),
                "pad")
            .setOutputs("out")
            .build();
    ComputationGraph graph = new ComputationGraph(conf);
    graph.init();
    return graph;
  }
}
