package org.skipwire.runtime.conf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.skipwire.runtime.conf.VertexTesting.assertJsonRoundTrip;
import static org.skipwire.runtime.conf.VertexTesting.oneHot;
import static org.skipwire.runtime.conf.VertexTesting.random;

import java.util.Set;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * {@link SequenceBatchNormalization} and {@link SequenceAvgPooling}: batch norm of {@code [N, C,
 * T]} per channel over examples and steps (PyTorch's {@code BatchNorm1d}), and average pooling of a
 * sequence that DL4J knows to be flat, so a dropout after it trains.
 */
class SequenceBatchNormalizationTest {

  private static final int N = 3;
  private static final int C = 2;
  private static final int T = 5;
  private static final double EPS = 1e-5;

  private static ComputationGraph graph(
      boolean dropout, org.nd4j.linalg.learning.config.IUpdater u) {
    ComputationGraphConfiguration.GraphBuilder g =
        new NeuralNetConfiguration.Builder()
            .dataType(DataType.DOUBLE)
            .updater(u)
            .seed(7)
            .graphBuilder()
            .addInputs("in")
            .setInputTypes(InputType.recurrent(C, T))
            .addLayer(
                "bn",
                new SequenceBatchNormalization.Builder().nIn(C).nOut(C).eps(EPS).build(),
                "in")
            .addLayer("pool", new SequenceAvgPooling(), "bn");
    String last = "pool";
    if (dropout) {
      g.addLayer("drop", new DropoutLayer.Builder(0.5).build(), "pool");
      last = "drop";
    }
    g.addLayer(
            "out",
            new OutputLayer.Builder(LossFunction.MCXENT)
                .nIn(C)
                .nOut(3)
                .activation(Activation.SOFTMAX)
                .build(),
            last)
        .setOutputs("out");
    ComputationGraph graph = new ComputationGraph(g.build());
    graph.init();
    return graph;
  }

  @Test
  void normalisesPerChannelOverExamplesAndSteps() {
    ComputationGraph graph = graph(false, new NoOp());
    INDArray gamma = Nd4j.create(new double[] {1.5, -0.5}).reshape(1, C);
    INDArray beta = Nd4j.create(new double[] {0.25, 2.0}).reshape(1, C);
    graph.getLayer("bn").setParam(BatchNormalizationParamInitializer.GAMMA, gamma);
    graph.getLayer("bn").setParam(BatchNormalizationParamInitializer.BETA, beta);
    INDArray x = random(3, DataType.DOUBLE, N, C, T).muli(6).subi(2);

    INDArray y = graph.feedForward(new INDArray[] {x}, true).get("bn");

    assertArrayEquals(new long[] {N, C, T}, y.shape());
    for (int c = 0; c < C; c++) {
      double mean = 0;
      for (int n = 0; n < N; n++) {
        for (int t = 0; t < T; t++) {
          mean += x.getDouble(n, c, t);
        }
      }
      mean /= N * T;
      double var = 0;
      for (int n = 0; n < N; n++) {
        for (int t = 0; t < T; t++) {
          var += Math.pow(x.getDouble(n, c, t) - mean, 2);
        }
      }
      var /= N * T; // biased in training, as PyTorch's BatchNorm1d normalises
      for (int n = 0; n < N; n++) {
        for (int t = 0; t < T; t++) {
          double expected =
              gamma.getDouble(c) * (x.getDouble(n, c, t) - mean) / Math.sqrt(var + EPS)
                  + beta.getDouble(c);
          assertEquals(expected, y.getDouble(n, c, t), 1e-9, "n " + n + " c " + c + " t " + t);
        }
      }
    }
  }

  /**
   * The same numbers as PyTorch 1.13: {@code torch.nn.BatchNorm1d(2)} in training mode on {@code
   * torch.arange(12.).reshape(2, 2, 3) ** 1.5} (weight 1, bias 0), printed with {@code
   * /usr/bin/python3}.
   */
  @Test
  void equalsPyTorchBatchNorm1d() {
    ComputationGraphConfiguration.GraphBuilder g =
        new NeuralNetConfiguration.Builder()
            .dataType(DataType.DOUBLE)
            .graphBuilder()
            .addInputs("in")
            .setInputTypes(InputType.recurrent(2, 3))
            .addLayer("bn", new SequenceBatchNormalization.Builder().nIn(2).nOut(2).build(), "in")
            .setOutputs("bn");
    ComputationGraph graph = new ComputationGraph(g.build());
    graph.init();
    INDArray x = Nd4j.arange(12).castTo(DataType.DOUBLE).reshape(2, 2, 3);
    x = org.nd4j.linalg.ops.transforms.Transforms.pow(x, 1.5);

    INDArray y = graph.feedForward(new INDArray[] {x}, true).get("bn");

    double[] torch = PYTORCH_BATCHNORM1D;
    assertTrue(Nd4j.create(torch, new long[] {2, 2, 3}).equalsWithEps(y, 1e-9), () -> "got " + y);
  }

  /** Printed by PyTorch 1.13 (see {@link #equalsPyTorchBatchNorm1d}). */
  private static final double[] PYTORCH_BATCHNORM1D = {
    -1.1044640223426145, -0.9934124664146295, -0.7903627893106333,
    -1.2039114344997595, -0.9745534947094717, -0.7143980531880108,
    0.527653860651655, 0.9522395755029874, 1.408345841913235,
    0.579668243771111, 0.9578166588488134, 1.3553780797773172
  };

  @Test
  void gradientsMatchFiniteDifferences() {
    ComputationGraph graph = graph(false, new NoOp());
    graph
        .getLayer("bn")
        .setParam(
            BatchNormalizationParamInitializer.GAMMA,
            Nd4j.create(new double[] {1.3, 0.7}).reshape(1, C));
    graph
        .getLayer("bn")
        .setParam(
            BatchNormalizationParamInitializer.BETA,
            Nd4j.create(new double[] {0.1, -0.2}).reshape(1, C));

    // The running mean and variance are not gradient-checkable: their "gradient" is DL4J's running
    // average update, and the training-mode forward pass does not read them (as in DL4J's own
    // BNGradientCheckTest).
    DataType before = Nd4j.dataType();
    DataType beforeFloat = Nd4j.defaultFloatingPointType();
    Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    try {
      assertTrue(
          GradientCheckUtil.checkGradients(
              new GradientCheckUtil.GraphConfig()
                  .net(graph)
                  .inputs(new INDArray[] {random(5, DataType.DOUBLE, N, C, T).muli(3)})
                  .labels(new INDArray[] {oneHot(N, 3, DataType.DOUBLE)})
                  .excludeParams(Set.of("bn_mean", "bn_log10stdev"))
                  .epsilon(1e-6)
                  .maxRelError(1e-3)
                  .minAbsoluteError(1e-8)
                  .exitOnFirstError(true)));
    } finally {
      Nd4j.setDefaultDataTypes(before, beforeFloat);
    }
  }

  @Test
  void aDropoutAfterSequencePoolingTrains() {
    ComputationGraph graph = graph(true, new Sgd(0.1));
    INDArray x = random(9, DataType.DOUBLE, N, C, T);
    MultiDataSet data = new MultiDataSet(x, oneHot(N, 3, DataType.DOUBLE));

    for (int i = 0; i < 3; i++) {
      graph.fit(data);
    }

    assertTrue(Double.isFinite(graph.score()));
    assertArrayEquals(new long[] {N, 3}, graph.outputSingle(x).shape());
    assertEquals(
        InputType.feedForward(C),
        new SequenceAvgPooling().getOutputType(0, InputType.recurrent(C, T)));
  }

  @Test
  void survivesJsonRoundTrip() {
    ComputationGraphConfiguration back =
        assertJsonRoundTrip(graph(true, new NoOp()).getConfiguration());

    Object bn = ((LayerVertex) back.getVertices().get("bn")).getLayerConf().getLayer();
    assertTrue(bn instanceof SequenceBatchNormalization, "" + bn);
    assertEquals(EPS, ((SequenceBatchNormalization) bn).getEps());
    assertTrue(
        ((LayerVertex) back.getVertices().get("pool")).getLayerConf().getLayer()
            instanceof SequenceAvgPooling);
  }
}
