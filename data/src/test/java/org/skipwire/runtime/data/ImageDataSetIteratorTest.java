package org.skipwire.runtime.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

class ImageDataSetIteratorTest {

  /** {@code n} single-channel 4x4 images; image i has every pixel equal to i, label i % 3. */
  private static ImageData constantImages(int n) {
    byte[] pixels = new byte[n * 16];
    byte[] labels = new byte[n];
    for (int i = 0; i < n; i++) {
      java.util.Arrays.fill(pixels, i * 16, i * 16 + 16, (byte) i);
      labels[i] = (byte) (i % 3);
    }
    return new ImageData("test", 1, 4, 4, pixels, labels, 3);
  }

  /** The image indices an epoch serves, read back from the constant pixel values. */
  private static List<Integer> order(ImageDataSetIterator it) {
    List<Integer> out = new ArrayList<>();
    while (it.hasNext()) {
      INDArray f = it.next().getFeatures();
      for (int k = 0; k < f.size(0); k++) {
        out.add(Math.round(f.getFloat(k, 0, 0, 0) * 255));
      }
    }
    return out;
  }

  @Test
  void batchesScaleToUnitRangeWithOneHotLabels() {
    ImageDataSetIterator it = ImageDataSetIterator.builder(constantImages(10)).batch(4).build();

    DataSet first = it.next();

    assertArrayEquals(new long[] {4, 1, 4, 4}, first.getFeatures().shape());
    assertEquals(3f / 255f, first.getFeatures().getFloat(3, 0, 2, 1), 1e-7);
    assertArrayEquals(new float[] {0, 1, 0}, first.getLabels().getRow(1).toFloatVector());
    it.next();
    assertEquals(2, it.next().numExamples()); // the last batch is short
    assertFalse(it.hasNext());
    assertEquals(3, it.batchesPerEpoch());
  }

  @Test
  void normalisationUsesTheGivenStats() {
    ChannelStats stats = new ChannelStats(List.of(0.5), List.of(0.25));
    ImageDataSetIterator it =
        ImageDataSetIterator.builder(constantImages(1)).normalize(stats).build();

    assertEquals((0f - 0.5f) / 0.25f, it.next().getFeatures().getFloat(0, 0, 0, 0), 1e-6);
  }

  @Test
  void channelStatsOfKnownPixels() {
    ImageData data =
        new ImageData("t", 2, 1, 2, new byte[] {0, (byte) 255, 51, 51}, new byte[] {0}, 1);

    ChannelStats stats = data.channelStats();

    assertEquals(0.5, stats.mean().get(0), 1e-12);
    assertEquals(0.5, stats.std().get(0), 1e-12);
    assertEquals(0.2, stats.mean().get(1), 1e-12);
    assertEquals(1.0, stats.std().get(1), 1e-12); // constant channel: std 1, not 0
  }

  @Test
  void shuffleIsAPermutationFixedBySeedAndEpoch() {
    ImageDataSetIterator a =
        ImageDataSetIterator.builder(constantImages(50)).batch(7).shuffle(3).build();
    ImageDataSetIterator b =
        ImageDataSetIterator.builder(constantImages(50)).batch(7).shuffle(3).build();

    List<Integer> epoch0 = order(a);
    a.reset();
    List<Integer> epoch1 = order(a);
    b.setEpoch(1);
    List<Integer> epoch1Again = order(b);

    assertEquals(50, new TreeSet<>(epoch0).size());
    assertEquals(new TreeSet<>(epoch0), new TreeSet<>(epoch1));
    assertNotEquals(epoch0, epoch1);
    assertEquals(epoch1, epoch1Again);
    assertEquals(1, a.epoch());
  }

  @Test
  void resetWithoutConsumingKeepsTheEpoch() {
    ImageDataSetIterator it = ImageDataSetIterator.builder(constantImages(20)).shuffle(1).build();

    it.reset();
    it.reset();

    assertEquals(0, it.epoch());
  }

  @Test
  void augmentationShiftsAndFlipsWithinThePad() {
    // One 8x8 image whose pixel value encodes its column: a shift or flip shows in the values.
    byte[] pixels = new byte[64];
    for (int y = 0; y < 8; y++) {
      for (int x = 0; x < 8; x++) {
        pixels[y * 8 + x] = (byte) (10 + x);
      }
    }
    ImageData one = new ImageData("t", 1, 8, 8, pixels, new byte[] {0}, 1);
    ImageDataSetIterator it = ImageDataSetIterator.builder(one).shuffle(5).augment(true).build();
    boolean sawFlip = false;
    boolean sawShift = false;
    boolean sawPad = false;
    for (int e = 0; e < 40; e++) {
      it.setEpoch(e);
      INDArray f = it.next().getFeatures();
      int[] row = new int[8];
      for (int x = 0; x < 8; x++) {
        row[x] = Math.round(f.getFloat(0, 0, 4, x) * 255);
      }
      int firstReal = -1;
      for (int x = 0; x < 8; x++) {
        if (row[x] != 0) {
          firstReal = x;
          break;
        }
      }
      sawPad |= row[0] == 0 || row[7] == 0;
      // Neighbouring real pixels differ by exactly 1: +1 unflipped, -1 flipped.
      for (int x = 1; x < 8; x++) {
        if (row[x] != 0 && row[x - 1] != 0) {
          int step = row[x] - row[x - 1];
          assertTrue(step == 1 || step == -1, () -> java.util.Arrays.toString(row));
          sawFlip |= step == -1;
        }
      }
      sawShift |= firstReal >= 0 && row[firstReal] != 10 && row[firstReal] != 17;
    }
    assertTrue(sawFlip, "no flipped crop in 40 epochs");
    assertTrue(sawShift, "no shifted crop in 40 epochs");
    assertTrue(sawPad, "no zero padding in 40 epochs");
  }

  /** {@code n} one-channel images of h x w whose pixel (y, x) is {@code 50 * i + 10 * y + x}. */
  private static ImageData coordinateImages(int n, int h, int w) {
    byte[] pixels = new byte[n * h * w];
    for (int i = 0; i < n; i++) {
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          pixels[(i * h + y) * w + x] = (byte) (50 * i + 10 * y + x);
        }
      }
    }
    return new ImageData("t", 1, h, w, pixels, new byte[n], 1);
  }

  @Test
  void sequenceLayoutMakesRowTTimeStepTAndItsPixelsTheFeatures() {
    ImageDataSetIterator it =
        ImageDataSetIterator.builder(coordinateImages(2, 3, 4))
            .layout(ImageDataSetIterator.Layout.SEQUENCE)
            .build();

    INDArray f = it.next().getFeatures();

    assertArrayEquals(new long[] {2, 4, 3}, f.shape()); // [N, C = w, T = h]
    for (int i = 0; i < 2; i++) {
      for (int x = 0; x < 4; x++) {
        for (int t = 0; t < 3; t++) {
          assertEquals(
              (50 * i + 10 * t + x) / 255f, f.getFloat(i, x, t), 1e-7, i + "," + x + "," + t);
        }
      }
    }
    assertEquals(ImageDataSetIterator.Layout.SEQUENCE, it.layout());
    assertFalse(it.flat());
  }

  @Test
  void sequenceLayoutIsTheImageLayoutTransposedWithAndWithoutAugmentation() {
    ImageData data = coordinateImages(5, 8, 6);
    ChannelStats stats = new ChannelStats(List.of(0.3), List.of(0.2));
    for (boolean augment : new boolean[] {false, true}) {
      ImageDataSetIterator image =
          ImageDataSetIterator.builder(data)
              .batch(5)
              .shuffle(9)
              .augment(augment)
              .normalize(stats)
              .build();
      ImageDataSetIterator sequence =
          ImageDataSetIterator.builder(data)
              .batch(5)
              .shuffle(9)
              .augment(augment)
              .normalize(stats)
              .layout(ImageDataSetIterator.Layout.SEQUENCE)
              .build();
      ImageDataSetIterator plain =
          ImageDataSetIterator.builder(data).batch(5).shuffle(9).normalize(stats).build();
      boolean changed = false;
      for (int e = 0; e < 6; e++) {
        image.setEpoch(e);
        sequence.setEpoch(e);
        plain.setEpoch(e);
        INDArray img = image.next().getFeatures();
        INDArray seq = sequence.next().getFeatures();
        INDArray unaugmented = plain.next().getFeatures();
        assertArrayEquals(new long[] {5, 6, 8}, seq.shape());
        // [N, 1, h, w] -> [N, w, h]: the same values, the same augmentation draws.
        assertEquals(
            img.reshape(5, 8, 6).permute(0, 2, 1), seq, "epoch " + e + " augment " + augment);
        changed |= !img.equals(unaugmented);
      }
      assertEquals(augment, changed, "augmentation " + (augment ? "on" : "off"));
    }
  }

  @Test
  void sequenceLayoutNeedsOneChannel() {
    ImageData rgb = new ImageData("t", 3, 2, 2, new byte[12], new byte[1], 1);

    IllegalArgumentException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class,
            () ->
                ImageDataSetIterator.builder(rgb)
                    .layout(ImageDataSetIterator.Layout.SEQUENCE)
                    .build());

    assertTrue(e.getMessage().contains("one-channel"), e.getMessage());
  }
}
