package org.skipwire.runtime.bench;

import java.util.Arrays;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.skipwire.runtime.conf.GroupedConvolutionLayer;

/**
 * A depthwise 3x3 convolution (one group per channel, MobileNet's) as DL4J's {@code
 * DepthwiseConvolution2D} against {@link GroupedConvolutionLayer} with as many groups: the largest
 * difference of their outputs on the same weights, then the median forward+backward time of each,
 * in milliseconds, after warm-up, the two taking turns. Why the generator writes the first.
 *
 * <p>Arguments (all optional): channels, size, batch, repetitions; defaults 96 56 8 10. A main, not
 * a test; from the repository root:
 *
 * <pre>
 * mvn -B -q -pl runtime -am test-compile dependency:build-classpath \
 *     -Dmdep.outputFile=target/bench.cp -Dmdep.includeScope=test
 * java -cp runtime/target/test-classes:runtime/target/classes:$(cat runtime/target/bench.cp) \
 *     org.skipwire.runtime.bench.DepthwiseConvolutionBenchmark
 * </pre>
 */
public final class DepthwiseConvolutionBenchmark {
  private DepthwiseConvolutionBenchmark() {}

  public static void main(String[] args) {
    int c = args.length > 0 ? Integer.parseInt(args[0]) : 96;
    int size = args.length > 1 ? Integer.parseInt(args[1]) : 56;
    int batch = args.length > 2 ? Integer.parseInt(args[2]) : 8;
    int reps = args.length > 3 ? Integer.parseInt(args[3]) : 10;
    MultiLayerNetwork depthwise =
        net(
            new DepthwiseConvolution2D.Builder(3, 3)
                .stride(1, 1)
                .padding(1, 1)
                .nIn(c)
                .depthMultiplier(1)
                .hasBias(false)
                .activation(Activation.IDENTITY)
                .build(),
            c,
            size);
    MultiLayerNetwork grouped =
        net(
            new GroupedConvolutionLayer.Builder(3, 3)
                .stride(1, 1)
                .padding(1, 1)
                .nIn(c)
                .nOut(c)
                .groups(c)
                .hasBias(false)
                .activation(Activation.IDENTITY)
                .build(),
            c,
            size);
    // DepthwiseConvolution2D keeps [kH, kW, nIn, multiplier]; ours [nOut, nIn / groups, kH, kW].
    grouped.getParam("0_W").assign(depthwise.getParam("0_W").permute(2, 3, 0, 1).dup());
    INDArray x = Nd4j.rand(DataType.FLOAT, batch, c, size, size);
    INDArray eps = Nd4j.rand(DataType.FLOAT, batch, c, size, size);
    System.out.println(
        "max |depthwise - grouped| = " + depthwise.output(x).sub(grouped.output(x)).amaxNumber());
    double[][] ms = new double[2][reps];
    MultiLayerNetwork[] nets = {depthwise, grouped};
    for (int r = -2; r < reps; r++) {
      for (int n = 0; n < 2; n++) {
        long t0 = System.nanoTime();
        nets[n].setInput(x);
        nets[n].feedForward(true, false);
        nets[n].backpropGradient(eps, LayerWorkspaceMgr.noWorkspaces());
        if (r >= 0) {
          ms[n][r] = (System.nanoTime() - t0) / 1e6;
        }
      }
    }
    for (int n = 0; n < 2; n++) {
      Arrays.sort(ms[n]);
      System.out.printf(
          "%-22s forward+backward median %.1f ms%n",
          n == 0 ? "DepthwiseConvolution2D" : "GroupedConvolutionLayer", ms[n][reps / 2]);
    }
  }

  private static MultiLayerNetwork net(Layer layer, int channels, int size) {
    MultiLayerNetwork net =
        new MultiLayerNetwork(
            new NeuralNetConfiguration.Builder()
                .dataType(DataType.FLOAT)
                .seed(1)
                .convolutionMode(ConvolutionMode.Truncate)
                .list()
                .layer(layer)
                .setInputType(InputType.convolutional(size, size, channels))
                .build());
    net.init();
    return net;
  }
}
