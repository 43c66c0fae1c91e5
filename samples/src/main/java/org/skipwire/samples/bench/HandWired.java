package org.skipwire.samples.bench;

import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The benchmark's networks wired by hand with the DL4J builder, as a DL4J user would without
 * skipwire: the baseline for the generated-versus-hand ratio. Same layers, sizes and settings as
 * the declarations in {@code org.skipwire.samples.zoo}; the benchmark checks that the parameter
 * counts agree, and HandWiredTest that the graphs are the same up to vertex names. The network-wide
 * settings are skipwire's {@code Training} defaults written out, cache mode included: a DL4J user
 * can set them all. (DL4J's BatchNormalization ignores an activation set on it, so conv, BN and
 * ReLU are three layers here too.)
 */
public final class HandWired {
  private HandWired() {}

  /** The hand-wired twin of a zoo network, or null where there is none. */
  public static ComputationGraphConfiguration of(String model) {
    return switch (model) {
      case "cifar-resnet20-b" -> cifarResNet(3, true);
      case "cifar-resnet20" -> null; // option A needs skipwire's ZeroPadChannelsVertex
      case "densenet-bc-100-12" -> denseNetBC(16, 12);
      case "resnet50" -> resNet50();
      default -> null;
    };
  }

  private static GraphBuilder start(int channels, int height, int width) {
    return new NeuralNetConfiguration.Builder()
        .seed(42)
        .dataType(DataType.FLOAT)
        .updater(new Nesterovs(0.1, 0.9))
        .l2(1e-4)
        .weightInit(WeightInit.RELU)
        .convolutionMode(ConvolutionMode.Truncate)
        .trainingWorkspaceMode(WorkspaceMode.ENABLED)
        .inferenceWorkspaceMode(WorkspaceMode.ENABLED)
        .cacheMode(CacheMode.DEVICE)
        .graphBuilder()
        .addInputs("in")
        .setInputTypes(InputType.convolutional(height, width, channels));
  }

  private static void conv(
      GraphBuilder g, String name, String in, int nIn, int nOut, int k, int s) {
    g.addLayer(
        name,
        new ConvolutionLayer.Builder(k, k)
            .stride(s, s)
            .padding(k / 2, k / 2)
            .nIn(nIn)
            .nOut(nOut)
            .hasBias(false)
            .activation(Activation.IDENTITY)
            .build(),
        in);
  }

  private static void bn(GraphBuilder g, String name, String in, int n) {
    g.addLayer(name, new BatchNormalization.Builder().nIn(n).nOut(n).eps(1e-5).build(), in);
  }

  private static void relu(GraphBuilder g, String name, String in) {
    g.addLayer(name, new ActivationLayer.Builder().activation(Activation.RELU).build(), in);
  }

  /** conv, BN, optional ReLU; returns the last vertex's name. */
  private static String convBn(
      GraphBuilder g, String name, String in, int nIn, int nOut, int k, int s, boolean relu) {
    conv(g, name, in, nIn, nOut, k, s);
    bn(g, name + "_bn", name, nOut);
    if (!relu) {
      return name + "_bn";
    }
    relu(g, name + "_relu", name + "_bn");
    return name + "_relu";
  }

  private static ComputationGraphConfiguration finish(
      GraphBuilder g, String in, int nIn, int classes) {
    g.addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), in);
    g.addLayer(
        "out",
        new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
            .nIn(nIn)
            .nOut(classes)
            .activation(Activation.SOFTMAX)
            .build(),
        "gap");
    return g.setOutputs("out").build();
  }

  /** He et al. 2015's CIFAR ResNet with n blocks per stage; option B (projection) shortcuts. */
  static ComputationGraphConfiguration cifarResNet(int n, boolean projection) {
    GraphBuilder g = start(3, 32, 32);
    String x = convBn(g, "stem", "in", 3, 16, 3, 1, true);
    int in = 16;
    int[] widths = {16, 32, 64};
    for (int stage = 0; stage < 3; stage++) {
      int w = widths[stage];
      for (int b = 0; b < n; b++) {
        int stride = stage > 0 && b == 0 ? 2 : 1;
        String p = "s" + stage + "b" + b;
        String y = convBn(g, p + "c1", x, in, w, 3, stride, true);
        y = convBn(g, p + "c2", y, w, w, 3, 1, false);
        String shortcut = x;
        if (stride != 1 || in != w) {
          shortcut = convBn(g, p + "sc", x, in, w, 1, stride, false);
        }
        g.addVertex(p + "add", new ElementWiseVertex(ElementWiseVertex.Op.Add), y, shortcut);
        relu(g, p + "relu", p + "add");
        x = p + "relu";
        in = w;
      }
    }
    return finish(g, x, 64, 10);
  }

  /** DenseNet-BC for CIFAR: three blocks of BN-ReLU-1x1 conv (4k), BN-ReLU-3x3 conv (k) units. */
  static ComputationGraphConfiguration denseNetBC(int units, int k) {
    GraphBuilder g = start(3, 32, 32);
    conv(g, "stem", "in", 3, 2 * k, 3, 1);
    String x = "stem";
    int c = 2 * k;
    for (int block = 0; block < 3; block++) {
      for (int u = 0; u < units; u++) {
        String p = "d" + block + "u" + u;
        bn(g, p + "bn1", x, c);
        relu(g, p + "relu1", p + "bn1");
        conv(g, p + "c1", p + "relu1", c, 4 * k, 1, 1);
        bn(g, p + "bn2", p + "c1", 4 * k);
        relu(g, p + "relu2", p + "bn2");
        conv(g, p + "c2", p + "relu2", 4 * k, k, 3, 1);
        g.addVertex(p + "cat", new MergeVertex(), x, p + "c2");
        x = p + "cat";
        c += k;
      }
      if (block < 2) {
        String p = "t" + block;
        bn(g, p + "bn", x, c);
        relu(g, p + "relu", p + "bn");
        conv(g, p + "c", p + "relu", c, c / 2, 1, 1);
        g.addLayer(
            p + "pool",
            new SubsamplingLayer.Builder(PoolingType.AVG).kernelSize(2, 2).stride(2, 2).build(),
            p + "c");
        x = p + "pool";
        c /= 2;
      }
    }
    bn(g, "bn", x, c);
    relu(g, "relu", "bn");
    return finish(g, "relu", c, 10);
  }

  /** ResNet-50 with torchvision's layout (stride on the 3x3 convolution). */
  static ComputationGraphConfiguration resNet50() {
    GraphBuilder g = start(3, 224, 224);
    String x = convBn(g, "stem", "in", 3, 64, 7, 2, true);
    g.addLayer(
        "pool",
        new SubsamplingLayer.Builder(PoolingType.MAX)
            .kernelSize(3, 3)
            .stride(2, 2)
            .padding(1, 1)
            .build(),
        x);
    x = "pool";
    int in = 64;
    int[] blocks = {3, 4, 6, 3};
    int[] widths = {64, 128, 256, 512};
    for (int stage = 0; stage < 4; stage++) {
      int w = widths[stage];
      for (int b = 0; b < blocks[stage]; b++) {
        int stride = stage > 0 && b == 0 ? 2 : 1;
        String p = "s" + stage + "b" + b;
        String y = convBn(g, p + "c1", x, in, w, 1, 1, true);
        y = convBn(g, p + "c2", y, w, w, 3, stride, true);
        y = convBn(g, p + "c3", y, w, 4 * w, 1, 1, false);
        String shortcut = x;
        if (stride != 1 || in != 4 * w) {
          shortcut = convBn(g, p + "sc", x, in, 4 * w, 1, stride, false);
        }
        g.addVertex(p + "add", new ElementWiseVertex(ElementWiseVertex.Op.Add), y, shortcut);
        relu(g, p + "relu", p + "add");
        x = p + "relu";
        in = 4 * w;
      }
    }
    return finish(g, x, 2048, 1000);
  }
}
