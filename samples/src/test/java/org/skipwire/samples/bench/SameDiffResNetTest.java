package org.skipwire.samples.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.controlflow.compat.StopGradient;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.skipwire.runtime.Models;

/**
 * The SameDiff ResNet that the benchmark races against the generated graph is the same network and
 * trains: same trainable parameter count, loss falls on a fixed batch, inference gives
 * probabilities, and both of its batch-norm routes give training-mode batch norm's gradients.
 */
class SameDiffResNetTest {
  private static int threads;

  /**
   * One thread: on a busy machine libnd4j's OpenMP threads wait for each other at every op, and a
   * variant's 20 steps took 30-40 s instead of 4. What is tested does not depend on threads.
   */
  @BeforeAll
  static void oneThread() {
    threads = Nd4j.getEnvironment().maxThreads();
    Nd4j.getEnvironment().setMaxThreads(1);
  }

  @AfterAll
  static void restoreThreads() {
    Nd4j.getEnvironment().setMaxThreads(threads);
  }

  @Test
  void hasTheGeneratedGraphsParameters() {
    SameDiffResNet net = SameDiffResNet.cifarResNet20B(42);
    assertEquals(272_474, net.trainableParams());
    // DL4J's parameter vector also holds each batch norm's running mean and variance.
    long dl4j = Models.find("cifar-resnet20-b").orElseThrow().create().params().length();
    assertEquals(dl4j, net.trainableParams() + net.runningStatistics());
  }

  @Test
  void variantsParseAndPrint() {
    assertEquals(
        "train-nchw/infer-nhwc/yxio/fused/relubp/stop",
        SameDiffResNet.Options.parse("default").toString());
    assertEquals(
        "nhwc/oiyx/composed/threshold/nohelpers",
        SameDiffResNet.Options.parse("NHWC/oiyx/composed/threshold/nohelpers").toString());
    assertEquals(
        "train-nhwc/infer-nchw/yxio/fused/relubp/nostop",
        SameDiffResNet.Options.parse("infer-nchw/train-nhwc/nostop").toString());
    assertTrue(SameDiffResNet.Options.parse("composed/threshold").asShipped());
    assertFalse(SameDiffResNet.Options.parse("composed/threshold/oiyx").asShipped());
    assertThrows(IllegalArgumentException.class, () -> SameDiffResNet.Options.parse("nchw/ncdhw"));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"oiyx", "nchw/composed/threshold"})
  void lossFallsAndOutputsAreProbabilities(String options) {
    SameDiffResNet net = SameDiffResNet.cifarResNet(1, SameDiffResNet.Options.parse(options), 42);
    DataSet batch = batch(8, 3);
    INDArray before = net.output(batch.getFeatures());
    double first = net.loss(batch);
    for (int i = 0; i < 20; i++) {
      net.fit(batch);
    }
    double last = net.loss(batch);
    assertTrue(last < 0.5 * first, "loss " + first + " -> " + last);

    INDArray p = net.output(batch.getFeatures());
    assertEquals(8, p.rows());
    INDArray sums = p.sum(1);
    for (int i = 0; i < 8; i++) {
      assertEquals(1.0, sums.getDouble(i), 1e-5);
    }
    // Inference normalises with the running statistics, which training moved.
    assertTrue(p.sub(before).norm1Number().doubleValue() > 1e-3, "inference output unchanged");
  }

  /**
   * libnd4j's batchnorm_bp, fed the batch moments, gives the gradients of batch norm with batch
   * statistics: the same as batch norm composed from reductions and element-wise ops (to 3e-8
   * relative in double: batchnorm_bp works partly in float).
   */
  @Test
  void fusedBatchNormGradientIsTrainingModes() {
    Map<String, INDArray> composed = batchNormGradients("composed");
    for (String route : new String[] {"fused", "stop"}) {
      Map<String, INDArray> fused = batchNormGradients(route);
      for (String v : new String[] {"x", "gamma", "beta"}) {
        INDArray want = composed.get(v);
        double error = fused.get(v).sub(want).amaxNumber().doubleValue();
        assertTrue(
            error < 1e-6 * (1 + want.amaxNumber().doubleValue()),
            route + " " + v + ": " + fused.get(v) + " vs " + want);
      }
    }
  }

  /** Gradients of sum(w * batchNorm(x)) in double precision, for one batch-norm route. */
  private static Map<String, INDArray> batchNormGradients(String route) {
    SameDiff sd = SameDiff.create();
    Nd4j.getRandom().setSeed(1);
    SDVariable x = sd.var("x", Nd4j.rand(DataType.DOUBLE, 4, 3, 5, 5).muli(3).addi(1));
    SDVariable gamma = sd.var("gamma", Nd4j.rand(DataType.DOUBLE, 3).addi(0.5));
    SDVariable beta = sd.var("beta", Nd4j.rand(DataType.DOUBLE, 3));
    SDVariable w = sd.constant("w", Nd4j.rand(DataType.DOUBLE, 4, 3, 5, 5));
    SDVariable y;
    if (route.equals("composed")) {
      SDVariable mean = x.mean(true, 0, 2, 3);
      SDVariable var = sd.math().square(x.sub(mean)).mean(true, 0, 2, 3);
      y =
          x.sub(mean)
              .mul(sd.math().rsqrt(var.add(1e-5)))
              .mul(gamma.reshape(1, 3, 1, 1))
              .add(beta.reshape(1, 3, 1, 1));
    } else {
      SDVariable source = route.equals("stop") ? new StopGradient(sd, x).outputVariable() : x;
      SDVariable[] m = sd.math().moments(source, new int[] {0, 2, 3}, false);
      y =
          new SameDiffOps.TrainableBatchNorm(sd, x, m[0], m[1], gamma, beta, 1e-5, 1)
              .outputVariable();
    }
    y.mul(w).sum().markAsLoss();
    SameDiffOps.createGradFunction(sd);
    return sd.calculateGradients(Map.of(), "x", "gamma", "beta");
  }

  static DataSet batch(int n, long seed) {
    Nd4j.getRandom().setSeed(seed);
    INDArray x = Nd4j.rand(DataType.FLOAT, n, 3, 32, 32);
    INDArray y = Nd4j.zeros(DataType.FLOAT, n, 10);
    Random random = new Random(seed);
    for (int i = 0; i < n; i++) {
      y.putScalar(i, random.nextInt(10), 1.0);
    }
    return new DataSet(x, y);
  }
}
