package org.skipwire.runtime.train;

import java.util.Objects;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * A {@link Schedule} as a DL4J {@link ISchedule} by iteration. Being part of the updater's
 * configuration, it is saved in every checkpoint and continues where it stopped on resume, since
 * DL4J saves the iteration counter too.
 *
 * <p>Iterations count from 0 (the first parameter update) to {@code totalIterations - 1}; later
 * iterations keep the last value.
 */
public final class LearningRateSchedule implements ISchedule {
  private static final long serialVersionUID = 1L;

  private final Schedule kind;
  private final double baseLr;
  private final int totalIterations;
  private final int warmupIterations;

  /**
   * @param kind the shape
   * @param baseLr the peak (and starting, except for warm-up) learning rate
   * @param totalIterations parameter updates in the whole run: epochs x batches per epoch
   * @param warmupIterations the warm-up length for {@link Schedule#WARMUP_COSINE}; ignored (and
   *     stored as 0) for the others
   */
  public LearningRateSchedule(
      @JsonProperty("kind") Schedule kind,
      @JsonProperty("baseLr") double baseLr,
      @JsonProperty("totalIterations") int totalIterations,
      @JsonProperty("warmupIterations") int warmupIterations) {
    this.kind = Objects.requireNonNull(kind, "kind");
    if (!(baseLr > 0) || !Double.isFinite(baseLr)) {
      throw new IllegalArgumentException(
          "learning rate must be positive and finite, got " + baseLr);
    }
    if (totalIterations < 1) {
      throw new IllegalArgumentException("totalIterations must be >= 1, got " + totalIterations);
    }
    this.baseLr = baseLr;
    this.totalIterations = totalIterations;
    if (kind == Schedule.WARMUP_COSINE) {
      if (warmupIterations < 1 || warmupIterations >= totalIterations) {
        throw new IllegalArgumentException(
            "warm-up must be 1.." + (totalIterations - 1) + " iterations, got " + warmupIterations);
      }
      this.warmupIterations = warmupIterations;
    } else {
      this.warmupIterations = 0;
    }
  }

  /**
   * The schedule for a run of {@code epochs x iterationsPerEpoch} updates; warm-up (if any) lasts
   * {@code warmupFraction} of them, at least one iteration.
   */
  public static LearningRateSchedule of(
      Schedule kind, double baseLr, int epochs, int iterationsPerEpoch, double warmupFraction) {
    long total = (long) epochs * iterationsPerEpoch;
    if (total > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("too many iterations: " + total);
    }
    int warmup = 0;
    if (kind == Schedule.WARMUP_COSINE) {
      warmup = (int) Math.max(1, Math.min(total - 1, Math.round(total * warmupFraction)));
    }
    return new LearningRateSchedule(kind, baseLr, (int) total, warmup);
  }

  @Override
  public double valueAt(int iteration, int epoch) {
    int i = Math.max(0, Math.min(iteration, totalIterations - 1));
    return switch (kind) {
      case CONSTANT -> baseLr;
      case STEP -> {
        // Milestones at 50% and 75% of the updates, as the CIFAR ResNets' 32k/48k of 64k.
        if (i < totalIterations / 2) {
          yield baseLr;
        }
        yield i < (totalIterations * 3L) / 4 ? baseLr * 0.1 : baseLr * 0.01;
      }
      case COSINE -> cosine(i, totalIterations);
      case WARMUP_COSINE ->
          i < warmupIterations
              ? baseLr * (i + 1) / warmupIterations
              : cosine(i - warmupIterations, totalIterations - warmupIterations);
    };
  }

  /** Half a cosine from the base rate at step 0 towards 0 at step {@code length}. */
  private double cosine(int step, int length) {
    return baseLr * 0.5 * (1 + Math.cos(Math.PI * step / length));
  }

  @Override
  public ISchedule clone() {
    return new LearningRateSchedule(kind, baseLr, totalIterations, warmupIterations);
  }

  public Schedule getKind() {
    return kind;
  }

  public double getBaseLr() {
    return baseLr;
  }

  public int getTotalIterations() {
    return totalIterations;
  }

  public int getWarmupIterations() {
    return warmupIterations;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LearningRateSchedule s
        && s.kind == kind
        && Double.compare(s.baseLr, baseLr) == 0
        && s.totalIterations == totalIterations
        && s.warmupIterations == warmupIterations;
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, baseLr, totalIterations, warmupIterations);
  }

  @Override
  public String toString() {
    return kind
        + " from lr "
        + baseLr
        + " over "
        + totalIterations
        + " iterations"
        + (warmupIterations > 0 ? " (" + warmupIterations + " warm-up)" : "");
  }
}
