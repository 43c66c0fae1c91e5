package org.skipwire.runtime.data;

import java.util.List;
import java.util.Objects;

/**
 * A labelled image data set with its training and test parts, as {@link Datasets#open} finds it.
 * {@link #iterators} shapes it for a particular network and refuses networks it does not fit.
 */
public final class Dataset {
  private final String name;
  private final DataFormat format;
  private final ImageData train;
  private final ImageData test;
  private final List<String> classNames;
  private ImageDataSetIterator.Augmentation augmentation = ImageDataSetIterator.Augmentation.SHIFT;
  private ChannelStats normalization;

  /**
   * @param name for messages and logs, e.g. {@code fashion-mnist (embedded subset)}
   * @param classNames one per class; shorter lists are completed with numbers
   */
  public Dataset(
      String name, DataFormat format, ImageData train, ImageData test, List<String> classNames) {
    this.name = Objects.requireNonNull(name, "name");
    this.format = Objects.requireNonNull(format, "format");
    this.train = Objects.requireNonNull(train, "train");
    this.test = Objects.requireNonNull(test, "test");
    this.classNames = List.copyOf(classNames);
    if (!train.shape().equals(test.shape())) {
      throw new IllegalArgumentException(
          "train images " + train.shape() + " and test images " + test.shape() + " differ");
    }
  }

  public String name() {
    return name;
  }

  public DataFormat format() {
    return format;
  }

  public ImageData train() {
    return train;
  }

  public ImageData test() {
    return test;
  }

  public List<String> classNames() {
    return classNames;
  }

  /** What {@code augment} does to training images: CIFAR's shifts, or image folders' crops. */
  public ImageDataSetIterator.Augmentation augmentation() {
    return augmentation;
  }

  /** This data set, augmented the given way when a run asks for augmentation. */
  public Dataset withAugmentation(ImageDataSetIterator.Augmentation a) {
    Dataset copy = copy();
    copy.augmentation = Objects.requireNonNull(a, "augmentation");
    return copy;
  }

  /**
   * The statistics images are standardised with: fixed ones ({@link #withNormalization}), or null
   * when they come from the training images ({@link ImageData#channelStats}).
   */
  public ChannelStats normalization() {
    return normalization;
  }

  /**
   * This data set standardised with fixed statistics instead of its training images' own, as
   * pretrained weights want theirs ({@link ChannelStats#imagenet()} for torchvision's). The trainer
   * records whichever statistics it used in the checkpoint, so prediction repeats them.
   */
  public Dataset withNormalization(ChannelStats stats) {
    if (stats != null && stats.channels() != train.channels()) {
      throw new IllegalArgumentException(
          "statistics for " + stats.channels() + " channels, images have " + train.channels());
    }
    Dataset copy = copy();
    copy.normalization = stats;
    return copy;
  }

  private Dataset copy() {
    Dataset copy = new Dataset(name, format, train, test, classNames);
    copy.augmentation = augmentation;
    copy.normalization = normalization;
    return copy;
  }

  /** One image's shape, channels first: {@code [1, 28, 28]} or {@code [3, 32, 32]}. */
  public List<Integer> imageShape() {
    return train.shape();
  }

  public int numClasses() {
    return Math.max(train.numClasses(), test.numClasses());
  }

  /** Iterators with the images in their own shape, {@code [batch, c, h, w]}. */
  public DataSplit iterators(DataOptions options) {
    try {
      return iterators(imageShape(), List.of(numClasses()), options);
    } catch (DataException e) {
      throw new IllegalStateException(e); // the data always fits its own shape
    }
  }

  /**
   * Iterators for a network with the given input and output shapes (as {@code
   * SkipwireModel.inputShape()} and {@code outputShape()} give them). The input must be the image
   * shape {@code [c, h, w]}, its flattening {@code [c*h*w]}, or, for one-channel images, the
   * sequence shape {@code [w, h]} (channels, time steps: each image row is a time step; see {@link
   * ImageDataSetIterator.Layout#SEQUENCE}); the output must be one vector with at least as many
   * entries as the data has classes.
   *
   * @throws DataException naming the data set, when the network does not fit it
   */
  public DataSplit iterators(
      List<Integer> inputShape, List<Integer> outputShape, DataOptions options)
      throws DataException {
    ImageDataSetIterator.Layout layout = layoutFor(inputShape);
    if (layout == null) {
      throw new DataException(
          name,
          "images are "
              + imageShape()
              + " (or "
              + alternatives()
              + ") but the network expects input "
              + inputShape
              + "; choose a network declared for "
              + imageShape());
    }
    if (outputShape.size() != 1 || outputShape.get(0) < numClasses()) {
      throw new DataException(
          name,
          "has "
              + numClasses()
              + " classes but the network's output is "
              + outputShape
              + "; it needs ["
              + numClasses()
              + "]");
    }
    ImageData trainPart = train.first(options.trainLimit());
    ImageData testPart = test.first(options.testLimit());
    // Statistics of the full training set, so a --limit run standardises as the full run does.
    ChannelStats stats =
        !options.normalize()
            ? ChannelStats.identity(train.channels())
            : normalization != null ? normalization : train.channelStats();
    int outputs = outputShape.get(0);
    ImageDataSetIterator trainIt =
        ImageDataSetIterator.builder(trainPart)
            .batch(options.batch())
            .shuffle(options.seed())
            .augment(options.augment())
            .augmentation(augmentation)
            .normalize(stats)
            .layout(layout)
            .outputs(outputs)
            .labelNames(classNames)
            .build();
    ImageDataSetIterator testIt =
        ImageDataSetIterator.builder(testPart)
            .batch(options.batch())
            .normalize(stats)
            .layout(layout)
            .outputs(outputs)
            .labelNames(classNames)
            .build();
    return new DataSplit(trainIt, testIt, stats);
  }

  /** The layout that serves these images to a network with this input shape; null if none does. */
  private ImageDataSetIterator.Layout layoutFor(List<Integer> inputShape) {
    if (inputShape.equals(imageShape())) {
      return ImageDataSetIterator.Layout.IMAGE;
    }
    if (inputShape.equals(List.of(train.imageSize()))) {
      return ImageDataSetIterator.Layout.FLAT;
    }
    if (train.channels() == 1 && inputShape.equals(sequenceShape())) {
      return ImageDataSetIterator.Layout.SEQUENCE;
    }
    return null;
  }

  /** A one-channel image as a sequence: {@code [w, h]}, w features at each of h time steps. */
  private List<Integer> sequenceShape() {
    return List.of(train.width(), train.height());
  }

  /** The other input shapes these images fit, for messages. */
  private String alternatives() {
    String flat = train.imageSize() + " flat";
    if (train.channels() == 1) {
      return flat + ", or " + sequenceShape() + " as a sequence of " + train.height() + " rows";
    }
    return flat + "; only one-channel images can be read as a sequence";
  }

  @Override
  public String toString() {
    return name
        + ": "
        + train.size()
        + " training and "
        + test.size()
        + " test images "
        + imageShape()
        + ", "
        + numClasses()
        + " classes";
  }
}
