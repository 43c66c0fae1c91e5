package org.skipwire.samples.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.skipwire.runtime.Models;
import org.skipwire.runtime.SkipwireModel;

/**
 * The networks of the degradation and MLP comparisons, counted from their architectures with
 * formulas written here, independently of the declarations and the processor.
 */
class DepthZooTest {

  /**
   * He et al. 2015, section 4.2 for one input channel: a 3x3 stem to 16 channels, three stages of n
   * basic blocks at 16, 32 and 64 channels, 10 classes. Convolutions before batch norm have no
   * bias; option A shortcuts and no shortcuts both add no parameters, so the twins agree.
   */
  static long cifarStyle(int n, int inChannels) {
    long params = conv(inChannels, 16) + bn(16);
    int in = 16;
    for (int width : new int[] {16, 32, 64}) {
      for (int b = 0; b < n; b++) {
        params += conv(in, width) + bn(width) + conv(width, width) + bn(width);
        in = width;
      }
    }
    return params + 64 * 10 + 10;
  }

  private static long conv(int in, int out) {
    return 9L * in * out;
  }

  private static long bn(int channels) {
    return 2L * channels;
  }

  @ParameterizedTest
  @CsvSource({
    "fashion-plain20, 3",
    "fashion-resnet20, 3",
    "fashion-plain56, 9",
    "fashion-resnet56, 9",
  })
  void degradationNetworksHaveTheCifarCountsForOneChannel(String name, int n) {
    SkipwireModel m = Models.find(name).orElseThrow();
    assertEquals(cifarStyle(n, 1), m.trainableParams(), name);
    assertEquals(6 * n + 2, weightLayers(m), name + " is 6n+2 layers deep");
    // the published three-channel ResNet-20 / -56 (269,722 / 853,018), as a check of the formula
    assertEquals(n == 3 ? 269_722 : 853_018, cifarStyle(n, 3));
  }

  /** Convolutions and dense layers on the trunk and in the branches, shortcuts excluded. */
  private static long weightLayers(SkipwireModel m) {
    return m.vertices().stream()
        .filter(v -> v.kind().startsWith("conv") || v.kind().startsWith("output"))
        .filter(v -> !v.name().endsWith(".shortcut"))
        .count();
  }

  /**
   * 784 -> 64 (ReLU), eight hidden units, -> 10: a 64-wide layer each for plain and residual, H and
   * the transform gate T for highway, 32 new features from everything before for dense.
   */
  static long mlp(String name) {
    long embed = 784 * 64 + 64;
    long hidden =
        switch (name) {
          case "mlp-plain", "mlp-residual" -> 8 * (64 * 64 + 64);
          case "mlp-highway" -> 8 * 2 * (64 * 64 + 64);
          default -> {
            long s = 0;
            for (int i = 0; i < 8; i++) {
              s += (64 + 32L * i) * 32 + 32;
            }
            yield s;
          }
        };
    long width = name.equals("mlp-dense") ? 64 + 8 * 32 : 64;
    return embed + hidden + width * 10 + 10;
  }

  @ParameterizedTest
  @CsvSource({"mlp-plain", "mlp-residual", "mlp-highway", "mlp-dense"})
  void mlpComparisonCounts(String name) {
    SkipwireModel m = Models.find(name).orElseThrow();
    assertEquals(mlp(name), m.trainableParams(), name);
    assertEquals(m.trainableParams(), m.create().params().length(), name);
  }
}
