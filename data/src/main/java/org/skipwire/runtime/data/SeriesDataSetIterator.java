package org.skipwire.runtime.data;

import java.util.List;
import java.util.Objects;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Serves windows of a {@link Series} as DL4J mini-batches for a forecasting network: features
 * {@code [batch, 1, T]} (DL4J's recurrent format: one feature, {@code T} time steps), labels {@code
 * [batch, 1]}, the value after each window; both standardised as {@code (x - mean) / std}.
 *
 * <p>Example {@code k} of an epoch, in time order, has target index {@code j = firstTarget + k} and
 * features {@code values[j-T .. j-1]}. As with {@link ImageDataSetIterator}, a shuffled epoch's
 * order depends only on the seed and the epoch number.
 */
public final class SeriesDataSetIterator extends EpochOrderedIterator {
  private static final long serialVersionUID = 1L;

  private final Series series;
  private final int window;
  private final int firstTarget;
  private final int count;
  private final double mean;
  private final double std;

  private SeriesDataSetIterator(Builder b) {
    super(b.batch, b.shuffle, b.seed);
    this.series = b.series;
    this.window = b.window;
    this.firstTarget = b.firstTarget < 0 ? window : b.firstTarget;
    this.count = b.count < 0 ? series.size() - firstTarget : b.count;
    this.mean = b.mean;
    this.std = b.std;
    if (firstTarget < window || count < 0 || firstTarget + count > series.size()) {
      throw new IllegalArgumentException(
          count
              + " targets from index "
              + firstTarget
              + " with a window of "
              + window
              + " do not fit a series of "
              + series.size());
    }
    setEpoch(0);
  }

  /** An iterator over every window of {@code window} values in the series, until configured. */
  public static Builder builder(Series series, int window) {
    return new Builder(series, window);
  }

  /** Settings of a {@link SeriesDataSetIterator}. */
  public static final class Builder {
    private final Series series;
    private final int window;
    private int firstTarget = -1;
    private int count = -1;
    private int batch = 128;
    private boolean shuffle;
    private long seed;
    private double mean;
    private double std = 1;

    private Builder(Series series, int window) {
      this.series = Objects.requireNonNull(series, "series");
      if (window < 1) {
        throw new IllegalArgumentException("window must be >= 1, got " + window);
      }
      this.window = window;
    }

    /**
     * Serves the {@code count} targets from series index {@code first} on (default: every target
     * from index {@code window} to the end).
     */
    public Builder targets(int first, int count) {
      this.firstTarget = first;
      this.count = count;
      return this;
    }

    /** Windows per batch (default 128); the last batch of an epoch may be smaller. */
    public Builder batch(int batch) {
      if (batch < 1) {
        throw new IllegalArgumentException("batch must be >= 1, got " + batch);
      }
      this.batch = batch;
      return this;
    }

    /** Shuffles every epoch with an order derived from this seed and the epoch number. */
    public Builder shuffle(long seed) {
      this.shuffle = true;
      this.seed = seed;
      return this;
    }

    /** Serves {@code (x - mean) / std} instead of the values (default mean 0, std 1). */
    public Builder normalize(double mean, double std) {
      if (!Double.isFinite(mean) || !(std > 0) || !Double.isFinite(std)) {
        throw new IllegalArgumentException(
            "need a finite mean and a positive std: " + mean + ", " + std);
      }
      this.mean = mean;
      this.std = std;
      return this;
    }

    public SeriesDataSetIterator build() {
      return new SeriesDataSetIterator(this);
    }
  }

  public Series series() {
    return series;
  }

  /** Values per window, {@code T}. */
  public int window() {
    return window;
  }

  /** The series index of the first target served (in time order). */
  public int firstTarget() {
    return firstTarget;
  }

  /** The series index of example {@code k}'s target, in time order ({@code k < size()}). */
  public int target(int k) {
    return firstTarget + k;
  }

  /** What the features and labels have subtracted from the values. */
  public double mean() {
    return mean;
  }

  /** What the features and labels have been divided by after subtracting the mean. */
  public double std() {
    return std;
  }

  /** A mean squared error between standardised values, in the series' units: times std². */
  public double toSeriesUnits(double standardisedMse) {
    return standardisedMse * std * std;
  }

  /**
   * The mean squared error, in the series' units, of the naive forecast over this iterator's
   * targets: target {@code values[j]} predicted by the last value of its window, {@code
   * values[j-1]}. NaN when there are no targets.
   */
  public double naiveMse() {
    if (count == 0) {
      return Double.NaN;
    }
    double sum = 0;
    for (int k = 0; k < count; k++) {
      int j = target(k);
      double d = series.value(j) - series.value(j - 1);
      sum += d * d;
    }
    return sum / count;
  }

  @Override
  public String source() {
    return series.name();
  }

  /** Windows per epoch. */
  @Override
  public int size() {
    return count;
  }

  @Override
  protected DataSet batchOf(int[] examples) {
    int n = examples.length;
    float[] features = new float[n * window];
    float[] labels = new float[n];
    for (int k = 0; k < n; k++) {
      int j = target(examples[k]);
      for (int t = 0; t < window; t++) {
        features[k * window + t] = (float) ((series.value(j - window + t) - mean) / std);
      }
      labels[k] = (float) ((series.value(j) - mean) / std);
    }
    INDArray f = Nd4j.create(features, new long[] {n, 1, window}, DataType.FLOAT);
    INDArray l = Nd4j.create(labels, new long[] {n, 1}, DataType.FLOAT);
    return new DataSet(f, l);
  }

  @Override
  public int inputColumns() {
    return window;
  }

  @Override
  public int totalOutcomes() {
    return 1;
  }

  /** The series' column name: the one thing a regression target is called. */
  @Override
  public List<String> getLabels() {
    return List.of(series.column());
  }
}
