package org.skipwire.samples.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.skipwire.runtime.ActivationFusion;
import org.skipwire.runtime.Models;
import org.skipwire.runtime.SkipwireModel;
import org.skipwire.runtime.VertexInfo;

/** Every sample network: its counts against the references, its shapes against DL4J's. */
class ZooTest {

  /**
   * Trainable parameters of the reference implementations: torchvision's resnet18..152 (its
   * documented counts), and He et al. 2015's CIFAR architecture (6n+2 layers), computed below from
   * the paper, not from our declarations.
   */
  static final Map<String, Long> REFERENCE =
      Map.ofEntries(
          Map.entry("resnet18", 11_689_512L),
          Map.entry("resnet34", 21_797_672L),
          Map.entry("resnet50", 25_557_032L),
          Map.entry("resnet101", 44_549_160L),
          Map.entry("resnet152", 60_192_808L),
          Map.entry("cifar-resnet20", cifar(20, false)),
          Map.entry("cifar-resnet32", cifar(32, false)),
          Map.entry("cifar-resnet44", cifar(44, false)),
          Map.entry("cifar-resnet56", cifar(56, false)),
          Map.entry("cifar-resnet110", cifar(110, false)),
          Map.entry("cifar-resnet1202", cifar(1202, false)),
          Map.entry("cifar-resnet20-b", cifar(20, true)),
          Map.entry("cifar-resnet32-b", cifar(32, true)),
          Map.entry("cifar-resnet44-b", cifar(44, true)),
          Map.entry("cifar-resnet56-b", cifar(56, true)),
          Map.entry("cifar-resnet110-b", cifar(110, true)),
          Map.entry("cifar-resnet20-gn", GroupNormZooTest.cifarGroupNorm(20)),
          Map.entry("cifar-resnet56-gn", GroupNormZooTest.cifarGroupNorm(56)),
          Map.entry("densenet121", 7_978_856L),
          Map.entry("densenet169", 14_149_480L),
          Map.entry("densenet201", 20_013_928L),
          // torchvision's DenseNet(32, (6, 12, 64, 48), 64), counted with PyTorch.
          Map.entry("densenet264", 33_337_704L),
          Map.entry("densenet-bc-100-12", densenetBC(100, 12)),
          // torchvision's mobilenet_v2, counted with PyTorch.
          Map.entry("mobilenet-v2", 3_504_872L),
          Map.entry("highway-mlp", highwayMlp()),
          Map.entry("highway-conv", highwayConv()),
          Map.entry("unet", unet(1, 2, 16, 32, 64, 128)),
          Map.entry("transformer-encoder", transformer(28, 28, 128, 4, 4, 10)),
          Map.entry("tcn-forecaster", tcnChange(1, 32, 5, 3)),
          Map.entry("fashion-resnet", cifarLayout(1, 1, true)),
          Map.entry("fashion-plain", cifarLayout(1, 1, false)),
          Map.entry("wrn-28-10", 36_479_194L),
          Map.entry("wrn-16-8", wideResNet(16, 8)),
          Map.entry("wide-resnet50-2", 68_883_240L),
          Map.entry("se-resnet50", 28_088_024L),
          Map.entry("resnext50-32x4d", 25_028_904L),
          Map.entry("stochastic-depth-resnet110", cifar(110, false)),
          Map.entry("rezero-resnet20", cifar(20, false) + 9),
          Map.entry("shake-shake-26-2x32d", shakeShake(26, 32)),
          Map.entry("pyramidnet-110-a48", pyramidNet(110, 48)),
          Map.entry("fashion-plain20", DepthZooTest.cifarStyle(3, 1)),
          Map.entry("fashion-resnet20", DepthZooTest.cifarStyle(3, 1)),
          Map.entry("fashion-plain56", DepthZooTest.cifarStyle(9, 1)),
          Map.entry("fashion-resnet56", DepthZooTest.cifarStyle(9, 1)),
          Map.entry("mlp-plain", DepthZooTest.mlp("mlp-plain")),
          Map.entry("mlp-residual", DepthZooTest.mlp("mlp-residual")),
          Map.entry("mlp-highway", DepthZooTest.mlp("mlp-highway")),
          Map.entry("mlp-dense", DepthZooTest.mlp("mlp-dense")));

  /**
   * Shake-Shake-d 2xwd (Gastaldi 2017): a 3x3 conv to 16 with BN; three stages of (d - 2) / 6
   * blocks at w, 2w, 4w channels, each block two branches of (3x3 conv, BN) twice, and where the
   * width changes a 1x1 conv plus BN; a 10-way classifier.
   */
  static long shakeShake(int depth, int w) {
    int n = (depth - 2) / 6;
    long params = 3 * 16 * 9 + 2 * 16;
    int in = 16;
    for (int width : new int[] {w, 2 * w, 4 * w}) {
      for (int b = 0; b < n; b++) {
        params += 2 * (9L * in * width + 2 * width + 9L * width * width + 2 * width);
        if (in != width) {
          params += (long) in * width + 2 * width;
        }
        in = width;
      }
    }
    return params + in * 10L + 10;
  }

  /**
   * PyramidNet-d with widening alpha (Han et al. 2017), as the official code builds it: a 3x3 conv
   * to 16 with BN; (d - 2) / 2 basic blocks (BN, 3x3 conv, BN, 3x3 conv, BN) whose width is
   * round(16 + k alpha / blocks) for block k = 1, 2, ...; parameter-free shortcuts; a final BN and
   * a 10-way classifier.
   */
  static long pyramidNet(int depth, int alpha) {
    int blocks = (depth - 2) / 2;
    long params = 3 * 16 * 9 + 2 * 16;
    int in = 16;
    double width = 16;
    for (int k = 1; k <= blocks; k++) {
      width += (double) alpha / blocks;
      int out = (int) Math.round(width);
      params += 2L * in + 9L * in * out + 2L * out + 9L * out * out + 2L * out;
      in = out;
    }
    return params + 2L * in + in * 10L + 10;
  }

  /**
   * WRN-d-k (Zagoruyko and Komodakis 2016): a 3x3 conv to 16 channels; three groups of (d - 4) / 6
   * pre-activation blocks (BN, 3x3 conv, BN, 3x3 conv; no conv biases) at 16k, 32k, 64k channels, a
   * bare 1x1 projection where the width changes; a final BN and a 10-way classifier. The official
   * code's count for WRN-28-10 is 36,479,194.
   */
  static long wideResNet(int depth, int k) {
    int n = (depth - 4) / 6;
    long params = 3 * 16 * 9;
    int in = 16;
    for (int width : new int[] {16 * k, 32 * k, 64 * k}) {
      for (int b = 0; b < n; b++) {
        params += 2L * in + 9L * in * width + 2L * width + 9L * width * width;
        if (in != width) {
          params += (long) in * width;
        }
        in = width;
      }
    }
    return params + 2L * in + in * 10L + 10;
  }

  /**
   * A pre-norm transformer encoder over {@code length} steps of {@code in} features: a per-step
   * dense embedding to d, a learned position embedding (d x length), per layer LN (2d), attention
   * (Q, K, V and output projections, d x d each, no biases), LN, and a feed-forward d -> ffn x d ->
   * d with biases; a final LN and the classifier.
   */
  static long transformer(int in, int length, int d, int layers, int ffn, int classes) {
    long params = (long) in * d + d + (long) d * length;
    long perLayer =
        2L * d + 4L * d * d + 2L * d + ((long) d * ffn * d + ffn * d) + (long) ffn * d * d + d;
    return params + layers * perLayer + 2L * d + (long) d * classes + classes;
  }

  /**
   * A temporal convolutional network forecasting the change: per block two causal convs (k x c_in x
   * c + c, with bias: a layer norm, not a batch norm, follows) each with LN (2c), and a 1x1
   * projection (c_in x c + c) where the channels change; a 1x1 conv back to the input's channels
   * (added to the input), then a dense layer from the last step's value to one value.
   */
  static long tcnChange(int in, int width, int blocks, int kernel) {
    long stack = tcn(in, width, blocks, kernel) - (width + 1); // without tcn()'s head
    return stack + ((long) width * in + in) + ((long) in + 1);
  }

  /**
   * A temporal convolutional network: per block two causal convs (k x c_in x c + c, with bias: a
   * layer norm, not a batch norm, follows) each with LN (2c), and a 1x1 projection (c_in x c + c)
   * where the channels change; then a dense layer to one value.
   */
  static long tcn(int in, int width, int blocks, int kernel) {
    long params = 0;
    int c = in;
    for (int b = 0; b < blocks; b++) {
      params += (long) kernel * c * width + width + 2L * width;
      params += (long) kernel * width * width + width + 2L * width;
      if (c != width) {
        params += (long) c * width + width;
      }
      c = width;
    }
    return params + c + 1;
  }

  /**
   * A U-Net: per level two 3x3 convs (no bias, BN), 2x2 max pooling down; up by a 2x2 transposed
   * conv (with bias) halving the channels, concatenation with the encoder level, two 3x3 convs;
   * then a 1x1 conv to the classes.
   */
  static long unet(int in, int classes, int... widths) {
    long params = 0;
    int c = in;
    for (int w : widths) {
      params += 9L * c * w + 2 * w + 9L * w * w + 2 * w;
      c = w;
    }
    for (int level = widths.length - 2; level >= 0; level--) {
      int w = widths[level];
      params += 4L * c * w + w; // transposed conv
      params += 9L * 2 * w * w + 2 * w + 9L * w * w + 2 * w; // convs after the concatenation
      c = w;
    }
    return params + (long) c * classes + classes;
  }

  /**
   * DenseNet-BC for CIFAR (Huang et al. 2017, section 3): a 3x3 conv to 2k channels, three blocks
   * of (L - 4) / 6 bottleneck units (BN, 1x1 conv to 4k, BN, 3x3 conv to k; no conv biases),
   * transitions (BN, 1x1 conv halving the channels), a final BN and a 10-way classifier.
   */
  static long densenetBC(int depth, int k) {
    int units = (depth - 4) / 6;
    int c = 2 * k;
    long params = 3L * c * 9;
    for (int block = 0; block < 3; block++) {
      for (int u = 0; u < units; u++) {
        params += 2L * c + (long) c * 4 * k; // BN, 1x1 conv
        params += 2L * 4 * k + 4L * k * k * 9; // BN, 3x3 conv
        c += k;
      }
      if (block < 2) {
        params += 2L * c + (long) c * (c / 2); // BN, 1x1 conv
        c /= 2;
      }
    }
    return params + 2L * c + c * 10L + 10;
  }

  /** 784 -> 50 ReLU, ten highway layers (H: 50x50 + bias; gate T: 50x50 + bias), -> 10. */
  static long highwayMlp() {
    long layer = 2 * (50 * 50 + 50);
    return 784 * 50 + 50 + 10 * layer + 50 * 10 + 10;
  }

  /**
   * Conv 3x3 to 32 (+BN), three highway layers (H: 3x3 conv + BN; gate: 3x3 conv with bias), conv
   * 3x3 to 64 (+BN), three more at 64, global pooling, -> 10.
   */
  static long highwayConv() {
    long params = 9 * 32 + 2 * 32;
    params += 3 * ((9 * 32 * 32 + 2 * 32) + (9 * 32 * 32 + 32));
    params += 9 * 32 * 64 + 2 * 64;
    params += 3 * ((9 * 64 * 64 + 2 * 64) + (9 * 64 * 64 + 64));
    return params + 64 * 10 + 10;
  }

  /**
   * The CIFAR ResNet of He et al. 2015, section 4.2: a 3x3 conv to 16 channels, then three stages
   * of n basic blocks (two 3x3 convs each) at 16, 32 and 64 channels, global average pooling and a
   * 10-way fully connected layer; every conv without bias and followed by batch norm (gamma, beta).
   * Option A shortcuts have no parameters; option B adds a 1x1 conv + BN where the width doubles.
   */
  static long cifar(int depth, boolean projection) {
    return cifarLayout(3, (depth - 2) / 6, projection);
  }

  /** The same layout for {@code channels}-channel input with n blocks per stage. */
  static long cifarLayout(int channels, int n, boolean projection) {
    long params = channels * 16 * 9 + 2 * 16; // stem conv + BN
    int in = 16;
    for (int width : new int[] {16, 32, 64}) {
      for (int block = 0; block < n; block++) {
        params += (long) in * width * 9 + 2 * width; // conv1 + BN
        params += (long) width * width * 9 + 2 * width; // conv2 + BN
        if (projection && in != width) {
          params += (long) in * width + 2 * width; // 1x1 projection + BN
        }
        in = width;
      }
    }
    return params + 64 * 10 + 10; // fc
  }

  /** The deepest members, whose forward pass runs on one example to keep the suite fast. */
  private static final java.util.Set<String> HEAVY =
      java.util.Set.of("densenet264", "cifar-resnet1202");

  static Stream<String> models() {
    return zoo().stream().map(SkipwireModel::name);
  }

  /** The zoo's networks; test declarations elsewhere (the weight fixtures' MixedNet) are not. */
  private static List<SkipwireModel> zoo() {
    return Models.all().stream()
        .filter(m -> m.declaration().startsWith("org.skipwire.samples.zoo."))
        .toList();
  }

  private static SkipwireModel model(String name) {
    return Models.find(name).orElseThrow();
  }

  @Test
  void everySampleIsRegisteredAndHasAReference() {
    List<String> names = zoo().stream().map(SkipwireModel::name).toList();
    assertEquals(REFERENCE.keySet().stream().sorted().toList(), names.stream().sorted().toList());
  }

  @Test
  void wideResNetReferenceMatchesTheOfficialCount() {
    assertEquals(36_479_194L, wideResNet(28, 10));
  }

  @Test
  void cifarReferenceMatchesThePublishedRoundedCounts() {
    // The paper's Table 6 gives 0.27M, 0.46M, 0.66M, 0.85M and 1.7M for option A.
    assertEquals(0.27, cifar(20, false) / 1e6, 0.005);
    assertEquals(0.46, cifar(32, false) / 1e6, 0.005);
    assertEquals(0.66, cifar(44, false) / 1e6, 0.005);
    assertEquals(0.85, cifar(56, false) / 1e6, 0.005);
    assertEquals(1.7, cifar(110, false) / 1e6, 0.05);
    // Table 6 gives 19.4M for ResNet-1202; the exact count of option A.
    assertEquals(19_421_274L, cifar(1202, false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void trainableParamsEqualTheReference(String name) {
    SkipwireModel model = model(name);
    assertEquals(REFERENCE.get(model.name()), model.trainableParams(), model.name());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void compileTimeShapesEqualDl4jShapes(String name) {
    SkipwireModel model = model(name);
    ComputationGraphConfiguration conf = model.configuration();
    List<Integer> in = model.inputShape();
    if (in.size() == 2) {
      // DL4J M2.1's GlobalPoolingLayer reports its sequence input type as its output type, though
      // it returns [N, C]; for sequences the activations themselves are the reference.
      ComputationGraph graph = model.create();
      // By declared name: the fast path merges ReLUs into the vertices they read.
      Map<String, INDArray> activations =
          ActivationFusion.byDeclaredName(
              graph.getConfiguration(),
              graph.feedForward(
                  Nd4j.rand(graph.getConfiguration().getDataType(), 2, in.get(0), in.get(1)),
                  false));
      for (VertexInfo v : model.vertices()) {
        long[] shape = activations.get(v.name()).shape();
        List<Integer> dims = new ArrayList<>();
        for (int i = 1; i < shape.length; i++) {
          dims.add((int) shape[i]);
        }
        assertEquals(v.shape(), dims, v.name());
      }
      return;
    }
    InputType input =
        in.size() == 1
            ? InputType.feedForward(in.get(0))
            : InputType.convolutional(in.get(1), in.get(2), in.get(0));
    Map<String, InputType> dl4j = conf.getLayerActivationTypes(input);
    for (VertexInfo v : model.vertices()) {
      assertEquals(v.shape(), dims(dl4j.get(v.name())), v.name());
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void createdGraphMatchesItsConstantsAndRunsForward(String name) {
    SkipwireModel model = model(name);
    ComputationGraph graph = model.create();
    assertEquals(
        model.totalParams(), graph.params().length(), "parameters in the flattened vector");
    if (java.util.Arrays.stream(graph.getVertices())
        .noneMatch(v -> !v.hasLayer() && v.numParams() > 0)) {
      // DL4J's numParams() sums layers only and misses parametrised vertices such as the gate.
      assertEquals(model.totalParams(), graph.numParams(), "numParams");
    }
    long runningStats = 0;
    for (GraphVertex v : graph.getVertices()) {
      if (v.hasLayer() && v.getLayer() instanceof BatchNormalization bn) {
        runningStats += 2 * bn.layerConf().getNOut();
      }
    }
    assertEquals(model.trainableParams(), graph.params().length() - runningStats, "trainable");

    List<Integer> in = model.inputShape();
    long[] shape = new long[in.size() + 1];
    int batch = HEAVY.contains(name) ? 1 : 2;
    shape[0] = batch;
    for (int i = 0; i < in.size(); i++) {
      shape[i + 1] = in.get(i);
    }
    // At initialisation an inference pass normalises with running statistics 0 and 1, so each of
    // ResNet-1202's 600 identity sums doubles the variance and float overflows; batch statistics,
    // as in training, keep it finite.
    boolean batchStatistics = name.equals("cifar-resnet1202");
    INDArray out =
        graph.outputSingle(
            batchStatistics, Nd4j.rand(graph.getConfiguration().getDataType(), shape));
    List<Long> expected = new ArrayList<>(List.of((long) batch));
    model.outputShape().forEach(d -> expected.add((long) d));
    assertEquals(
        expected, Stream.of(out.shape()).flatMapToLong(java.util.Arrays::stream).boxed().toList());
    long positions =
        model.outputShape().stream()
            .skip(1)
            .mapToLong(Integer::longValue)
            .reduce(1, (a, b) -> a * b);
    List<VertexInfo> vertices = model.vertices();
    if (vertices.get(vertices.size() - 1).kind().endsWith("mse")) {
      assertTrue(out.isMatrix() && Double.isFinite(out.sumNumber().doubleValue()), "regression");
      return;
    }
    double sum = out.sumNumber().doubleValue();
    assertEquals(
        (double) batch * positions,
        sum,
        1e-3 * positions,
        "softmax over the classes sums to 1 per position");
  }

  private static List<Integer> dims(InputType type) {
    if (type instanceof InputType.InputTypeConvolutional c) {
      return List.of((int) c.getChannels(), (int) c.getHeight(), (int) c.getWidth());
    }
    if (type instanceof InputType.InputTypeFeedForward f) {
      return List.of((int) f.getSize());
    }
    throw new AssertionError("unexpected " + type);
  }
}
