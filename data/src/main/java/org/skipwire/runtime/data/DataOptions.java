package org.skipwire.runtime.data;

/**
 * How a {@link Dataset} is served to a network.
 *
 * @param batch images per training and test batch
 * @param seed seeds the per-epoch shuffle and the augmentation
 * @param normalize standardise each channel with the training set's mean and std; otherwise pixels
 *     stay in [0, 1]
 * @param augment pad by 4, random crop, random horizontal flip (training set only)
 * @param trainLimit use only the first {@code trainLimit} training images; 0 for all
 * @param testLimit use only the first {@code testLimit} test images; 0 for all
 */
public record DataOptions(
    int batch, long seed, boolean normalize, boolean augment, int trainLimit, int testLimit) {

  public DataOptions {
    if (batch < 1) {
      throw new IllegalArgumentException("batch must be >= 1, got " + batch);
    }
    if (trainLimit < 0 || testLimit < 0) {
      throw new IllegalArgumentException("limits must be >= 0 (0 = all)");
    }
  }

  /** Batch 128, seed 42, standardised, no augmentation, all images. */
  public static DataOptions defaults() {
    return new DataOptions(128, 42, true, false, 0, 0);
  }

  public DataOptions withBatch(int newBatch) {
    return new DataOptions(newBatch, seed, normalize, augment, trainLimit, testLimit);
  }

  public DataOptions withSeed(long newSeed) {
    return new DataOptions(batch, newSeed, normalize, augment, trainLimit, testLimit);
  }

  public DataOptions withNormalize(boolean newNormalize) {
    return new DataOptions(batch, seed, newNormalize, augment, trainLimit, testLimit);
  }

  public DataOptions withAugment(boolean newAugment) {
    return new DataOptions(batch, seed, normalize, newAugment, trainLimit, testLimit);
  }

  public DataOptions withTrainLimit(int newLimit) {
    return new DataOptions(batch, seed, normalize, augment, newLimit, testLimit);
  }

  public DataOptions withTestLimit(int newLimit) {
    return new DataOptions(batch, seed, normalize, augment, trainLimit, newLimit);
  }
}
