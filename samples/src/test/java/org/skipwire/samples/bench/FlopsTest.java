package org.skipwire.samples.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.skipwire.runtime.Models;
import org.skipwire.runtime.SkipwireModel;

/** The benchmark's multiply-add counts against counts by hand from the papers' layer shapes. */
class FlopsTest {

  /**
   * cifar-resnet20-b, one 32x32 image, k x k x C_in x C_out per output pixel: the 3x3 stem 3 -> 16
   * at 32x32 442,368; stage 1, six 3x3 16 -> 16 at 32x32, 14,155,776; stage 2, the stride-2 3x3 16
   * -> 32 at 16x16 1,179,648, five 3x3 32 -> 32 11,796,480, the 1x1 projection 16 -> 32 131,072;
   * stage 3 likewise at 8x8 with 64 channels 1,179,648 + 11,796,480 + 131,072; the dense classifier
   * 64 x 10 640. About 41 M, the figure usually quoted for ResNet-20.
   */
  @Test
  void resnet20IsFortyOneMillionMultiplyAdds() {
    long byHand =
        442_368L
            + 14_155_776
            + 1_179_648
            + 11_796_480
            + 131_072
            + 1_179_648
            + 11_796_480
            + 131_072
            + 640;

    assertEquals(40_813_184L, byHand);
    assertEquals(byHand, macs("cifar-resnet20-b"));
  }

  /**
   * transformer-encoder, 28 steps of 28 features, d 128: the embedding 28 x 28 x 128 = 100,352;
   * each of 4 layers the projections 28 x 4 x 128^2 = 1,835,008, attention's Q K^T and A V 2 x 28^2
   * x 128 = 200,704, the feed-forward 28 x 2 x 128 x 512 = 3,670,016; the classifier 128 x 10 =
   * 1,280.
   */
  @Test
  void transformerEncoderCountsProjectionsAttentionAndFeedForward() {
    long byHand = 100_352L + 4 * (1_835_008L + 200_704 + 3_670_016) + 1_280;

    assertEquals(byHand, macs("transformer-encoder"));
  }

  private static long macs(String name) {
    SkipwireModel model = Models.find(name).orElseThrow();
    return Flops.macsPerImage(model.create(), model.inputShape());
  }
}
