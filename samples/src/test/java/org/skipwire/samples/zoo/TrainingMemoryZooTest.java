package org.skipwire.samples.zoo;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.skipwire.runtime.Models;
import org.skipwire.runtime.SkipwireModel;

/**
 * The processor refuses a network whose estimated training memory for one example passes 16 GiB
 * ({@code [skipwire/too-large]}, {@code Limits.MAX_TRAINING_BYTES}). Every zoo network stays far
 * below: at most an eighth of it. The largest is printed ({@code fuzz}-free, for the README).
 */
class TrainingMemoryZooTest {

  private static final long BOUND = 1L << 34;

  private record Estimate(String name, long fixed, long perExample) {
    long one() {
      return fixed + perExample;
    }
  }

  @Test
  void everyZooNetworkIsFarBelowTheBound() throws ReflectiveOperationException {
    List<Estimate> all = new ArrayList<>();
    for (SkipwireModel m : Models.all()) {
      if (!m.declaration().startsWith("org.skipwire.samples.zoo.")) {
        continue; // test declarations elsewhere
      }
      Class<?> type = m.getClass();
      all.add(
          new Estimate(
              m.name(),
              type.getField("TRAINING_BYTES_FIXED").getLong(null),
              type.getField("TRAINING_BYTES_PER_EXAMPLE").getLong(null)));
    }
    all.sort(Comparator.comparingLong(Estimate::one).reversed());
    for (Estimate e : all.subList(0, Math.min(3, all.size()))) {
      System.out.printf(
          Locale.ROOT,
          "training memory: %s %,d bytes for one example (%,d fixed + %,d per example)%n",
          e.name(),
          e.one(),
          e.fixed(),
          e.perExample());
    }
    assertTrue(all.size() > 30, "the zoo: " + all.size());
    for (Estimate e : all) {
      assertTrue(e.fixed() > 0 && e.perExample() > 0, e.toString());
      assertTrue(e.one() <= BOUND / 8, e + " is not far below " + BOUND);
    }
  }
}
