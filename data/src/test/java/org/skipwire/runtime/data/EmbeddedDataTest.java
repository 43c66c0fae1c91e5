package org.skipwire.runtime.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

class EmbeddedDataTest {
  private static Dataset data;

  @BeforeAll
  static void load() throws DataException {
    data = Datasets.open(null);
  }

  @Test
  void countsAndShape() {
    assertEquals(8000, data.train().size());
    assertEquals(1000, data.test().size());
    assertEquals(List.of(1, 28, 28), data.imageShape());
    assertEquals(DataFormat.IDX, data.format());
    assertEquals(Datasets.FASHION_MNIST_CLASSES, data.classNames());
  }

  @Test
  void everyClassIsPresentInBothParts() {
    assertEquals(10, data.numClasses());
    // Recorded in the README next to the files.
    assertEquals(
        List.of(747, 860, 809, 807, 763, 795, 807, 818, 792, 802),
        java.util.Arrays.stream(data.train().classCounts()).boxed().toList());
    assertEquals(
        List.of(107, 105, 111, 93, 115, 87, 97, 95, 95, 95),
        java.util.Arrays.stream(data.test().classCounts()).boxed().toList());
  }

  @Test
  void pixelsSpanTheByteRange() {
    int min = 255;
    int max = 0;
    ImageData test = data.test();
    for (int i = 0; i < test.size(); i++) {
      for (int y = 0; y < 28; y++) {
        for (int x = 0; x < 28; x++) {
          min = Math.min(min, test.pixel(i, 0, y, x));
          max = Math.max(max, test.pixel(i, 0, y, x));
        }
      }
    }
    assertEquals(0, min);
    assertEquals(255, max);
  }

  @Test
  void unnormalisedFeaturesLieInUnitRangeAndStatsMatchFashionMnist() throws DataException {
    DataSplit split = data.iterators(DataOptions.defaults().withNormalize(false).withBatch(1000));
    INDArray f = split.test().next().getFeatures();

    assertEquals(0.0, f.minNumber().doubleValue(), 0.0);
    assertEquals(1.0, f.maxNumber().doubleValue(), 1e-6);
    // Full Fashion-MNIST: mean 0.2860, std 0.3530; the subset is close.
    assertTrue(Math.abs(data.train().channelStats().mean().get(0) - 0.286) < 0.01);
    assertTrue(Math.abs(data.train().channelStats().std().get(0) - 0.353) < 0.01);
  }
}
