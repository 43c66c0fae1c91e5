package org.skipwire.runtime.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * DL4J's depthwise kernels are {@code [kH, kW, in, multiplier]}, PyTorch's {@code [in * multiplier,
 * 1, kH, kW]}: a kernel loaded in PyTorch's layout must give PyTorch's cross-correlation, computed
 * here by hand, with a multiplier above one (the fixtures and MobileNetV2 have one) and a kernel
 * that is not square, so no two axes can be confused.
 */
class ParamSlotTest {
  private static final int C = 2;
  private static final int M = 2;
  private static final int KH = 3;
  private static final int KW = 2;
  private static final int H = 5;
  private static final int W = 4;

  @Test
  void aDepthwiseKernelInPyTorchsLayoutGivesPyTorchsOutput() {
    ComputationGraph g =
        new ComputationGraph(
            new NeuralNetConfiguration.Builder()
                .dataType(DataType.DOUBLE)
                .graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.convolutional(H, W, C))
                .addLayer(
                    "dw",
                    new DepthwiseConvolution2D.Builder(KH, KW)
                        .depthMultiplier(M)
                        .convolutionMode(ConvolutionMode.Truncate)
                        .activation(Activation.IDENTITY)
                        .build(),
                    "in")
                .setOutputs("dw")
                .build());
    g.init();
    List<ParamSlot> slots = ParamSlot.of(g, NamingConvention.SKIPWIRE);
    ParamSlot kernel =
        slots.stream().filter(s -> s.key().equals("dw.weight")).findFirst().orElseThrow();
    ParamSlot bias =
        slots.stream().filter(s -> s.key().equals("dw.bias")).findFirst().orElseThrow();
    assertEquals(List.of((long) C * M, 1L, (long) KH, (long) KW), kernel.shape());
    assertEquals(ParamSlot.Layout.DEPTHWISE, kernel.layout());

    Random random = new Random(5);
    float[] w = new float[C * M * KH * KW];
    float[] b = new float[C * M];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) random.nextGaussian();
    }
    for (int i = 0; i < b.length; i++) {
      b[i] = (float) random.nextGaussian();
    }
    kernel.copyIn(w);
    bias.copyIn(b);
    assertArrayEquals(w, kernel.copyOut());

    double[] x = new double[C * H * W];
    for (int i = 0; i < x.length; i++) {
      x[i] = random.nextGaussian();
    }
    INDArray out = g.outputSingle(Nd4j.create(x, new long[] {1, C, H, W}, 'c'));
    int oh = H - KH + 1;
    int ow = W - KW + 1;
    assertArrayEquals(new long[] {1, C * M, oh, ow}, out.shape());
    for (int o = 0; o < C * M; o++) {
      int c = o / M; // PyTorch's groups = C: output channel o reads input channel o / M
      for (int y = 0; y < oh; y++) {
        for (int xx = 0; xx < ow; xx++) {
          double sum = b[o];
          for (int i = 0; i < KH; i++) {
            for (int j = 0; j < KW; j++) {
              sum += x[(c * H + y + i) * W + xx + j] * w[(o * KH + i) * KW + j];
            }
          }
          assertEquals(
              sum, out.getDouble(0, o, y, xx), 1e-5, "channel " + o + " at " + y + "," + xx);
        }
      }
    }
  }
}
