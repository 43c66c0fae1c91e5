package org.skipwire.runtime.data;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A univariate time series held in memory, one value per time step, as {@link SeriesReader} reads
 * it from a CSV column (or {@link Datasets#sunspots()} from the shipped file). {@link #iterators}
 * cuts it into windows for a forecasting network and splits them chronologically.
 *
 * <p>Windowing for a window of {@code T}: example {@code i} has features {@code values[i .. i+T-1]}
 * and target {@code values[i+T]}. The last fifth of the targets (rounded up) is the test set; its
 * windows may reach back into values the training set also uses, but no test target is ever a
 * training input or target, because every training example ends before the first test target.
 */
public final class Series {
  /** The share of targets, from the end of the series, held out for testing. */
  public static final double TEST_FRACTION = 0.2;

  /**
   * Fewest windows a series must give: with a fifth for testing, four to train on and one to test.
   */
  public static final int MIN_WINDOWS = 5;

  private final String name;
  private final String column;
  private final double[] values;
  private final List<String> times;

  /**
   * @param name for messages and logs: the file, or {@code sunspots (embedded)}
   * @param column the CSV column the values came from
   * @param values one finite value per time step, oldest first
   * @param times one time stamp per value as the file wrote it, or empty when it has none
   */
  public Series(String name, String column, double[] values, List<String> times) {
    this.name = Objects.requireNonNull(name, "name");
    this.column = Objects.requireNonNull(column, "column");
    this.values = values.clone();
    this.times = List.copyOf(times);
    if (!this.times.isEmpty() && this.times.size() != values.length) {
      throw new IllegalArgumentException(
          times.size() + " time stamps for " + values.length + " values");
    }
    for (int i = 0; i < values.length; i++) {
      if (!Double.isFinite(values[i])) {
        throw new IllegalArgumentException("value " + i + " is " + values[i]);
      }
    }
  }

  public String name() {
    return name;
  }

  public String column() {
    return column;
  }

  /** Number of time steps. */
  public int size() {
    return values.length;
  }

  /** The value at time step {@code i}, from 0. */
  public double value(int i) {
    return values[i];
  }

  /** A copy of all values, oldest first. */
  public double[] values() {
    return values.clone();
  }

  /** The time stamps as written in the file, one per value; empty when the file has none. */
  public List<String> times() {
    return times;
  }

  /**
   * Windows of length {@code window} that the series gives: one per value after the first window.
   */
  public int windows(int window) {
    return Math.max(0, values.length - window);
  }

  /** How many of {@code windows} targets, the last ones, are for testing: a fifth, rounded up. */
  public static int testTargets(int windows) {
    return (windows + 4) / 5; // ceil(windows * TEST_FRACTION), in integers
  }

  /**
   * Iterators for a forecasting network: input {@code [1, T]} (one value at each of {@code T} time
   * steps, DL4J's recurrent format {@code [batch, 1, T]}) and output {@code [1]}, the next value.
   *
   * @throws DataException naming the series, when the network does not take a series or the series
   *     is too short for its window
   */
  public SeriesSplit iterators(
      List<Integer> inputShape, List<Integer> outputShape, DataOptions options)
      throws DataException {
    if (inputShape.size() != 2
        || inputShape.get(0) != 1
        || inputShape.get(1) < 1
        || !outputShape.equals(List.of(1))) {
      throw new DataException(
          name,
          "a series trains a network with input [1, T] and output [1] (the next value from the T"
              + " before it), but the network has input "
              + inputShape
              + " and output "
              + outputShape);
    }
    return split(inputShape.get(1), options);
  }

  /**
   * Cuts the series into windows of {@code window} values with the next value as target, splits
   * them chronologically (the last fifth of the targets for testing) and standardises with the mean
   * and standard deviation of the values the training part uses, when {@code options} say so. The
   * training iterator is shuffled per epoch with the options' seed; {@code trainLimit} keeps the
   * first training windows, {@code testLimit} the first test targets.
   *
   * @throws DataException naming the series, if it gives fewer than {@link #MIN_WINDOWS} windows
   */
  public SeriesSplit split(int window, DataOptions options) throws DataException {
    if (window < 1) {
      throw new IllegalArgumentException("window must be >= 1, got " + window);
    }
    if (options.augment()) {
      throw new DataException(
          name, "augmentation (shifts and flips) is for images; train a series without it");
    }
    int windows = windows(window);
    if (windows < MIN_WINDOWS) {
      throw new DataException(
          name,
          "column "
              + column
              + " has "
              + values.length
              + " values, too few for a window of "
              + window
              + ": need at least "
              + (window + MIN_WINDOWS)
              + " ("
              + window
              + " inputs, then "
              + MIN_WINDOWS
              + " targets to split into training and test)");
    }
    int test = testTargets(windows);
    int train = windows - test;
    int firstTest = window + train;
    // Every value a training example touches lies before the first test target.
    double mean = 0;
    double std = 1;
    if (options.normalize()) {
      mean = mean(values, firstTest);
      std = std(values, firstTest, mean);
    }
    int trainCount = limit(train, options.trainLimit());
    int testCount = limit(test, options.testLimit());
    SeriesDataSetIterator trainIt =
        SeriesDataSetIterator.builder(this, window)
            .targets(window, trainCount)
            .batch(options.batch())
            .shuffle(options.seed())
            .normalize(mean, std)
            .build();
    SeriesDataSetIterator testIt =
        SeriesDataSetIterator.builder(this, window)
            .targets(firstTest, testCount)
            .batch(options.batch())
            .normalize(mean, std)
            .build();
    return new SeriesSplit(trainIt, testIt, mean, std);
  }

  private static int limit(int n, int limit) {
    return limit <= 0 ? n : Math.min(n, limit);
  }

  static double mean(double[] v, int n) {
    double sum = 0;
    for (int i = 0; i < n; i++) {
      sum += v[i];
    }
    return sum / n;
  }

  /** Population standard deviation of {@code v[0 .. n-1]}; 1 for a (numerically) constant part. */
  static double std(double[] v, int n, double mean) {
    double sumSq = 0;
    for (int i = 0; i < n; i++) {
      double d = v[i] - mean;
      sumSq += d * d;
    }
    double std = Math.sqrt(sumSq / n);
    return std > 1e-12 * Math.max(1, Math.abs(mean)) ? std : 1.0;
  }

  @Override
  public String toString() {
    return name
        + ": "
        + values.length
        + " values of "
        + column
        + (times.isEmpty() ? "" : " (" + times.get(0) + " .. " + times.get(times.size() - 1) + ")");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Series s
        && name.equals(s.name)
        && column.equals(s.column)
        && Arrays.equals(values, s.values)
        && times.equals(s.times);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, column, Arrays.hashCode(values), times);
  }
}
