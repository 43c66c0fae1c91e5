package org.skipwire.runtime.data;

/**
 * The training and test windows of a {@link Series}, shaped for one forecasting network.
 *
 * @param train the earlier targets, shuffled per epoch
 * @param test the later targets (the last fifth), in time order
 * @param mean what both subtract from every value (the training part's mean; 0 when not
 *     standardising)
 * @param std what both divide by (the training part's standard deviation; 1 when not standardising)
 */
public record SeriesSplit(
    SeriesDataSetIterator train, SeriesDataSetIterator test, double mean, double std) {

  /**
   * The naive forecast's mean squared error on the test targets, in the series' units: each target
   * predicted by the value just before it.
   */
  public double naiveTestMse() {
    return test.naiveMse();
  }
}
