package org.skipwire.runtime.data;

import java.util.Arrays;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;

/**
 * The epoch mechanics {@link ImageDataSetIterator} and {@link SeriesDataSetIterator} share: an
 * epoch's order of examples (in order, or shuffled with a random stream that depends only on the
 * seed and the epoch number), the position in it, batching and the pre-processor. A subclass turns
 * a batch of example indices into a {@link DataSet}, and calls {@link #setEpoch setEpoch(0)} at the
 * end of its constructor.
 */
abstract class EpochOrderedIterator implements EpochIterator {
  private static final long serialVersionUID = 1L;

  private final int batch;
  private final boolean shuffle;
  private final long seed;

  private int epoch;
  private int[] order;
  private int position;
  private transient DataSetPreProcessor preProcessor;

  EpochOrderedIterator(int batch, boolean shuffle, long seed) {
    this.batch = batch;
    this.shuffle = shuffle;
    this.seed = seed;
  }

  /** The examples {@code examples} (indices into the epoch's data) as one batch. */
  protected abstract DataSet batchOf(int[] examples);

  /**
   * Called as epoch {@code e} starts, with that epoch's random stream after the shuffle drew from
   * it (an iterator that augments splits its stream from it). Does nothing by default.
   */
  protected void startEpoch(SplittableRandom epochRandom) {}

  @Override
  public int batchesPerEpoch() {
    return (size() + batch - 1) / batch;
  }

  @Override
  public int epoch() {
    return epoch;
  }

  /** Starts epoch {@code e} from its first batch, in that epoch's order. */
  @Override
  public void setEpoch(int e) {
    if (e < 0) {
      throw new IllegalArgumentException("epoch must be >= 0, got " + e);
    }
    epoch = e;
    position = 0;
    SplittableRandom epochRandom = new SplittableRandom(mix(seed, e));
    order = epochOrder(size(), shuffle ? epochRandom : null);
    startEpoch(epochRandom);
  }

  /**
   * The example indices {@code 0 .. count-1} of one epoch: in order, or shuffled (Fisher-Yates)
   * with {@code random} when it is not null.
   */
  static int[] epochOrder(int count, SplittableRandom random) {
    int[] order = new int[count];
    for (int i = 0; i < count; i++) {
      order[i] = i;
    }
    if (random != null) {
      for (int i = count - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
    }
    return order;
  }

  /** Mixes seed and epoch so neighbouring epochs get unrelated streams (SplitMix64 finaliser). */
  static long mix(long seed, int epoch) {
    long z = seed + 0x9E3779B97F4A7C15L * (epoch + 1L);
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  @Override
  public boolean hasNext() {
    return position < order.length;
  }

  @Override
  public DataSet next() {
    return next(batch);
  }

  @Override
  public DataSet next(int num) {
    if (!hasNext()) {
      throw new NoSuchElementException("epoch " + epoch + " is over; call reset() or setEpoch()");
    }
    int n = Math.min(num, order.length - position);
    DataSet ds = batchOf(Arrays.copyOfRange(order, position, position + n));
    position += n;
    if (preProcessor != null) {
      preProcessor.preProcess(ds);
    }
    return ds;
  }

  @Override
  public boolean resetSupported() {
    return true;
  }

  /** False: the order must stay tied to the epoch number, which an async wrapper would blur. */
  @Override
  public boolean asyncSupported() {
    return false;
  }

  /** Back to the first batch; moves on to the next epoch's order if this one has been started. */
  @Override
  public void reset() {
    if (position > 0) {
      setEpoch(epoch + 1);
    }
  }

  @Override
  public int batch() {
    return batch;
  }

  @Override
  public void setPreProcessor(DataSetPreProcessor preProcessor) {
    this.preProcessor = preProcessor;
  }

  @Override
  public DataSetPreProcessor getPreProcessor() {
    return preProcessor;
  }
}
