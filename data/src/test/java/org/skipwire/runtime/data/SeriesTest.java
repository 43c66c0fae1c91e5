package org.skipwire.runtime.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.skipwire.runtime.data.TestFiles.assertMessage;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;

class SeriesTest {
  /** Twelve values, all different, so a served value tells which time step it came from. */
  private static final double[] VALUES = {1, 2, 4, 7, 11, 16, 22, 29, 37, 46, 56, 67};

  private static Series tiny() {
    return new Series("tiny", "v", VALUES, List.of());
  }

  private static DataOptions options() {
    return DataOptions.defaults().withBatch(100);
  }

  /** The series indices of every value an iterator serves, features and labels, undone. */
  private static List<Integer> indicesServed(SeriesDataSetIterator it, boolean labels) {
    List<Integer> out = new ArrayList<>();
    it.setEpoch(0);
    while (it.hasNext()) {
      DataSet ds = it.next();
      float[] values = (labels ? ds.getLabels() : ds.getFeatures()).ravel().toFloatVector();
      for (float v : values) {
        double raw = v * it.std() + it.mean();
        int index = -1;
        for (int i = 0; i < VALUES.length; i++) {
          if (Math.abs(VALUES[i] - raw) < 1e-4) {
            index = i;
          }
        }
        assertTrue(index >= 0, "served " + raw + ", not a value of the series");
        out.add(index);
      }
    }
    return out;
  }

  @Test
  void windowsSplitChronologicallyWithTheLastFifthOfTargetsForTesting() throws DataException {
    // T = 3: 9 windows, targets at indices 3..11; ceil(9 / 5) = 2 for testing: 10 and 11.
    SeriesSplit split = tiny().iterators(List.of(1, 3), List.of(1), options());

    assertEquals(7, split.train().size());
    assertEquals(2, split.test().size());
    assertEquals(3, split.train().firstTarget());
    assertEquals(10, split.test().firstTarget());
    assertEquals(List.of(10, 11), indicesServed(split.test(), true));
    Set<Integer> trained = new HashSet<>(indicesServed(split.train(), true));
    trained.addAll(indicesServed(split.train(), false));
    assertEquals(new TreeSet<>(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9)), new TreeSet<>(trained));
    // Test windows reach back into training values, but no test target is ever trained on.
    assertEquals(List.of(7, 8, 9, 8, 9, 10), indicesServed(split.test(), false));
  }

  @Test
  void featuresAreTheWindowAndLabelsTheNextValue() throws DataException {
    SeriesSplit split = tiny().iterators(List.of(1, 3), List.of(1), options().withNormalize(false));

    DataSet test = split.test().next();

    assertArrayEquals(new long[] {2, 1, 3}, test.getFeatures().shape());
    assertArrayEquals(new long[] {2, 1}, test.getLabels().shape());
    assertArrayEquals(
        new float[] {29, 37, 46, 37, 46, 56}, test.getFeatures().ravel().toFloatVector());
    assertArrayEquals(new float[] {56, 67}, test.getLabels().ravel().toFloatVector());
  }

  @Test
  void naiveBaselinePredictsTheLastValueOfEachWindow() throws DataException {
    SeriesSplit split = tiny().iterators(List.of(1, 3), List.of(1), options());

    // Targets 56 and 67 predicted by 46 and 56: ((56 - 46)^2 + (67 - 56)^2) / 2.
    assertEquals((100 + 121) / 2.0, split.naiveTestMse(), 1e-12);
    assertEquals(110.5, split.test().naiveMse(), 1e-12);
  }

  @Test
  void standardisesWithTheTrainingPartOnly() throws DataException {
    SeriesSplit split = tiny().iterators(List.of(1, 3), List.of(1), options());

    // Training uses indices 0..9: mean 175 / 10.
    assertEquals(17.5, split.mean(), 1e-12);
    double sumSq = 0;
    for (int i = 0; i < 10; i++) {
      sumSq += (VALUES[i] - 17.5) * (VALUES[i] - 17.5);
    }
    double std = Math.sqrt(sumSq / 10);
    assertEquals(std, split.std(), 1e-12);
    assertEquals(split.mean(), split.test().mean());
    assertEquals(split.std(), split.test().std());
    DataSet test = split.test().next();
    assertEquals((56 - 17.5) / std, test.getLabels().getDouble(0, 0), 1e-6);
    assertEquals((29 - 17.5) / std, test.getFeatures().getDouble(0, 0, 0), 1e-6);
    // Errors between standardised values convert back with std^2.
    assertEquals(4 * std * std, split.test().toSeriesUnits(4), 1e-9);
  }

  @Test
  void trainingOrderIsShuffledPerEpochBySeed() throws DataException {
    double[] ramp = new double[200];
    for (int i = 0; i < ramp.length; i++) {
      ramp[i] = i;
    }
    Series s = new Series("ramp", "v", ramp, List.of());
    DataOptions o = DataOptions.defaults().withBatch(7).withNormalize(false).withSeed(3);
    SeriesDataSetIterator a = s.split(4, o).train();
    SeriesDataSetIterator b = s.split(4, o).train();

    List<Float> epoch0 = targets(a);
    a.reset();
    List<Float> epoch1 = targets(a);
    b.setEpoch(1);
    List<Float> epoch1Again = targets(b);

    assertEquals(s.split(4, o).train().size(), new TreeSet<>(epoch0).size());
    assertEquals(new TreeSet<>(epoch0), new TreeSet<>(epoch1));
    assertNotEquals(epoch0, epoch1);
    assertEquals(epoch1, epoch1Again);
    assertEquals(new TreeSet<>(epoch0).first(), 4f);
    assertTrue(new TreeSet<>(epoch0).last() < s.split(4, o).test().firstTarget());
    List<Float> test = targets(s.split(4, o).test());
    assertEquals(test, new ArrayList<>(new TreeSet<>(test)), "test targets in time order");
  }

  private static List<Float> targets(SeriesDataSetIterator it) {
    List<Float> out = new ArrayList<>();
    while (it.hasNext()) {
      for (float v : it.next().getLabels().ravel().toFloatVector()) {
        out.add(v);
      }
    }
    return out;
  }

  @Test
  void limitsKeepTheFirstWindowsAndTheSameStatistics() throws DataException {
    SeriesSplit full = tiny().iterators(List.of(1, 3), List.of(1), options());
    SeriesSplit limited =
        tiny().iterators(List.of(1, 3), List.of(1), options().withTrainLimit(3).withTestLimit(1));

    assertEquals(3, limited.train().size());
    assertEquals(
        List.of(3, 4, 5), new ArrayList<>(new TreeSet<>(indicesServed(limited.train(), true))));
    assertEquals(List.of(10), indicesServed(limited.test(), true));
    assertEquals(full.mean(), limited.mean());
    assertEquals(full.std(), limited.std());
  }

  @Test
  void tooShortForTheWindowIsRefused() throws DataException {
    DataException e =
        assertThrows(
            DataException.class, () -> tiny().iterators(List.of(1, 8), List.of(1), options()));

    assertEquals(
        "tiny: column v has 12 values, too few for a window of 8: need at least 13 (8 inputs, then"
            + " 5 targets to split into training and test)",
        e.getMessage());
    // One value fewer than the window, or no window at all, says the same.
    assertMessage(
        assertThrows(DataException.class, () -> tiny().split(20, options())),
        "tiny",
        "need at least 25");
    SeriesSplit justEnough = tiny().split(7, options());
    assertEquals(4, justEnough.train().size());
    assertEquals(1, justEnough.test().size());
  }

  @Test
  void networkThatTakesNoSeriesIsRefused() {
    DataException e =
        assertThrows(
            DataException.class, () -> tiny().iterators(List.of(28, 28), List.of(10), options()));

    assertEquals(
        "tiny: a series trains a network with input [1, T] and output [1] (the next value from the"
            + " T before it), but the network has input [28, 28] and output [10]",
        e.getMessage());
    assertMessage(
        assertThrows(
            DataException.class, () -> tiny().iterators(List.of(1, 3), List.of(2), options())),
        "tiny",
        "output [2]");
  }

  @Test
  void augmentationIsForImages() {
    assertMessage(
        assertThrows(DataException.class, () -> tiny().split(3, options().withAugment(true))),
        "tiny",
        "augmentation");
  }
}
