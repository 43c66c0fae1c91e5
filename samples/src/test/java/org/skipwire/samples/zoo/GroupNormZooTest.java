package org.skipwire.samples.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.skipwire.runtime.BatchNormFolding;
import org.skipwire.runtime.Training;
import org.skipwire.runtime.conf.GroupNormalization;
import org.skipwire.runtime.weights.Npy;
import org.skipwire.runtime.weights.ParamSlot;
import org.skipwire.runtime.weights.SafetensorsWriter;
import org.skipwire.runtime.weights.TorchvisionNames;
import org.skipwire.runtime.weights.WeightLoader;
import org.skipwire.runtime.weights.WeightsFile;

/**
 * The group-norm CIFAR ResNets: counted by a formula, equal to their PyTorch twin for the same
 * weights, exported and imported under torchvision's names, left alone by batch-norm folding.
 */
class GroupNormZooTest {

  @TempDir Path dir;

  /**
   * CIFAR ResNet-(6n+2) with option A shortcuts and group norm: a 3x3 conv to 16 with bias and a GN
   * (2 x 16); three stages of n blocks at 16, 32, 64 channels, each two 3x3 convs with biases and a
   * GN after each; a 10-way classifier. {@code tools/torch/skipwire_torch.py gn-count} prints
   * 270,410 and 855,050 for PyTorch's twin.
   */
  static long cifarGroupNorm(int depth) {
    int n = (depth - 2) / 6;
    long params = 3 * 16 * 9 + 16 + 2 * 16;
    int in = 16;
    for (int width : new int[] {16, 32, 64}) {
      for (int b = 0; b < n; b++) {
        params += 9L * in * width + width + 2L * width + 9L * width * width + width + 2L * width;
        in = width;
      }
    }
    return params + in * 10L + 10;
  }

  @Test
  void countsMatchTheFormulaAndPyTorch() {
    assertEquals(270_410, cifarGroupNorm(20));
    assertEquals(855_050, cifarGroupNorm(56));
    // The batch-norm twin's count plus the 688 conv biases group norm keeps.
    assertEquals(ZooTest.REFERENCE.get("cifar-resnet20") + 688, cifarGroupNorm(20));
    CifarResNet20GNGraph model = new CifarResNet20GNGraph();
    ComputationGraph g = model.create();
    assertEquals(cifarGroupNorm(20), model.trainableParams());
    assertEquals(cifarGroupNorm(20), model.totalParams()); // no running statistics
    assertEquals(cifarGroupNorm(20), g.numParams());
    assertEquals(cifarGroupNorm(56), new CifarResNet56GNGraph().trainableParams());
    assertArrayEquals(new long[] {2, 10}, g.outputSingle(Nd4j.rand(2, 3, 32, 32)).shape());
  }

  @Test
  void equalsPyTorchForTheSameWeights() throws Exception {
    ComputationGraph g = new CifarResNet20GNGraph().create();
    try (WeightsFile f = WeightsFile.open(fixture("cifar-resnet20-gn.safetensors"))) {
      assertEquals(TorchvisionNames.RESNET, WeightLoader.detect(g, f));
      new WeightLoader("cifar-resnet20-gn", TorchvisionNames.RESNET).load(g, f);
    }
    INDArray p = g.outputSingle(false, Npy.read(fixture("gn-input.npy")));
    INDArray torch = Npy.read(fixture("gn-torch.npy"));

    double diff =
        Transforms.abs(Transforms.log(p, true).sub(Transforms.log(torch, true)))
            .maxNumber()
            .doubleValue();
    assertTrue(diff < 1e-4, "max |log p_skipwire - log p_torch| " + diff);
  }

  @Test
  void exportsUnderTorchvisionNamesAndImportsBack() throws Exception {
    ComputationGraph fresh = new CifarResNet20GNGraph().create(Training.defaults().withSeed(7));
    fresh.getLayer("stage2.b1.conv1.gn").setParam(GroupNormalization.GAMMA, Nd4j.rand(1, 32));
    List<String> keys =
        ParamSlot.of(fresh, TorchvisionNames.RESNET).stream().map(ParamSlot::key).toList();
    assertTrue(
        keys.containsAll(List.of("bn1.weight", "bn1.bias", "layer2.1.bn1.weight")), "" + keys);
    assertTrue(keys.contains("layer1.0.conv1.bias"), "GN keeps the conv bias: " + keys);
    assertTrue(keys.stream().noneMatch(k -> k.contains("gn") || k.contains("gamma")), "" + keys);

    Path out = dir.resolve("gn.safetensors");
    SafetensorsWriter.write(fresh, TorchvisionNames.RESNET, out);
    ComputationGraph back = new CifarResNet20GNGraph().create();
    try (WeightsFile f = WeightsFile.open(out)) {
      new WeightLoader("cifar-resnet20-gn", TorchvisionNames.RESNET).load(back, f);
    }
    assertEquals(fresh.params(), back.params());
  }

  @Test
  void batchNormFoldingLeavesGroupNormAlone() {
    ComputationGraph g = new CifarResNet20GNGraph().create();
    g.getLayer("stem.gn").setParam(GroupNormalization.BETA, Nd4j.rand(1, 16));
    INDArray x = Nd4j.rand(2, 3, 32, 32);

    ComputationGraph folded = BatchNormFolding.forInference(g);

    assertEquals(19, groupNorms(g));
    assertEquals(groupNorms(g), groupNorms(folded));
    assertTrue(g.outputSingle(false, x).equalsWithEps(folded.outputSingle(false, x), 1e-6));
  }

  private static long groupNorms(ComputationGraph g) {
    return g.getConfiguration().getVertices().values().stream()
        .filter(
            v ->
                v instanceof LayerVertex lv
                    && lv.getLayerConf().getLayer() instanceof GroupNormalization)
        .count();
  }

  private static Path fixture(String name) throws URISyntaxException {
    return Path.of(GroupNormZooTest.class.getResource("/weights/" + name).toURI());
  }
}
