package org.skipwire.runtime.data;

/**
 * The training and test iterators of a {@link Dataset}, shaped for one network.
 *
 * @param train shuffled per epoch, augmented if asked
 * @param test in file order, never augmented, standardised with the training statistics
 * @param stats the per-channel statistics both use (identity when not normalising)
 */
public record DataSplit(
    ImageDataSetIterator train, ImageDataSetIterator test, ChannelStats stats) {}
