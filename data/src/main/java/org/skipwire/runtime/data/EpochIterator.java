package org.skipwire.runtime.data;

import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * A {@link DataSetIterator} whose order (and augmentation) within an epoch depends only on its seed
 * and the epoch number, so a trainer can set the epoch directly: a run resumed at epoch 5 sees the
 * same batches as an uninterrupted one. {@link ImageDataSetIterator} and {@link
 * SeriesDataSetIterator} are the two there are.
 */
public interface EpochIterator extends DataSetIterator {

  /** Starts epoch {@code e} (from 0) at its first batch, in that epoch's order. */
  void setEpoch(int e);

  /** The epoch whose order is being served, from 0. */
  int epoch();

  /** Examples per epoch. */
  int size();

  /** Batches per epoch: {@code ceil(size / batch)}. */
  int batchesPerEpoch();

  /** Where the examples came from, for messages and checkpoints. */
  String source();
}
