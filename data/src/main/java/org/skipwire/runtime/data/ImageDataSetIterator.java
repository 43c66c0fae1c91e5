package org.skipwire.runtime.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Serves an {@link ImageData} as DL4J mini-batches: float features scaled to [0, 1], optionally
 * standardised per channel, shaped {@code [batch, c, h, w]} (or {@code [batch, c*h*w]} for a
 * network that reads flat vectors, or {@code [batch, w, h]} for one that reads one-channel images
 * as sequences of rows: see {@link Layout}), and one-hot labels {@code [batch, classes]}.
 *
 * <p>The order of an epoch, and its augmentation, depend only on the seed and the epoch number
 * ({@link #setEpoch}), not on what ran before: a run resumed at epoch 5 sees the same batches as an
 * uninterrupted one. {@link #reset()} moves on to the next epoch's order once a batch of the
 * current one has been served (as DL4J's own shuffling iterators reshuffle on reset).
 *
 * <p>Augmentation is the standard CIFAR one: zero-pad by 4 pixels, crop a random window of the
 * original size, flip left-right with probability 1/2. Padding is black before standardisation, as
 * torchvision's {@code RandomCrop(32, padding=4)} before {@code Normalize}.
 */
public final class ImageDataSetIterator extends EpochOrderedIterator {
  private static final long serialVersionUID = 1L;

  /** Pixels of zero padding around the image before the random crop. */
  public static final int PAD = 4;

  /** What {@code augment(true)} does to each training image. */
  public enum Augmentation {
    /** Zero-pad by {@link #PAD}, crop at random to the original size, flip at random (CIFAR). */
    SHIFT,
    /**
     * torchvision's {@code RandomResizedCrop} (a random region of 8% to 100% of the area, aspect
     * ratio 3/4 to 4/3, resized bilinearly to the input size) and a random flip. Image folders are
     * held at the input size, so the region is cut from the centre-cropped image, not the file.
     */
    RESIZED_CROP
  }

  /** How each image is laid out in the features array. */
  public enum Layout {
    /** {@code [batch, c, h, w]}: for convolutions. */
    IMAGE,
    /** {@code [batch, c*h*w]}: for dense layers. */
    FLAT,
    /**
     * {@code [batch, w, h]}, DL4J's recurrent format {@code [batch, features, time]}: row {@code t}
     * of the image is time step {@code t}, its {@code w} pixels that step's features. For a network
     * with input {@code [w, h]}; one-channel images only.
     */
    SEQUENCE
  }

  private final ImageData data;
  private final boolean augment;
  private final Augmentation augmentation;
  private final Layout layout;
  private final int outputs;
  private final float[] mean;
  private final float[] invStd;
  private final List<String> labelNames;

  private SplittableRandom augmentRandom;

  /** One image in [c][h][w] order, before a sequence layout transposes it. */
  private final float[] scratch;

  private ImageDataSetIterator(Builder b) {
    super(b.batch, b.shuffle, b.seed);
    this.data = b.data;
    this.augment = b.augment;
    this.augmentation = b.augmentation;
    this.layout = b.layout;
    if (layout == Layout.SEQUENCE && data.channels() != 1) {
      throw new IllegalArgumentException(
          "a sequence layout needs one-channel images, these have " + data.channels());
    }
    this.scratch = layout == Layout.SEQUENCE ? new float[data.imageSize()] : null;
    this.outputs = b.outputs == 0 ? data.numClasses() : b.outputs;
    if (outputs < data.numClasses()) {
      throw new IllegalArgumentException(
          outputs + " outputs cannot encode " + data.numClasses() + " classes");
    }
    ChannelStats stats = b.stats == null ? ChannelStats.identity(data.channels()) : b.stats;
    if (stats.channels() != data.channels()) {
      throw new IllegalArgumentException(
          "stats for " + stats.channels() + " channels, images have " + data.channels());
    }
    this.mean = new float[stats.channels()];
    this.invStd = new float[stats.channels()];
    for (int c = 0; c < mean.length; c++) {
      mean[c] = stats.mean().get(c).floatValue();
      invStd[c] = (float) (1.0 / stats.std().get(c));
    }
    List<String> names = new ArrayList<>(b.labelNames == null ? List.of() : b.labelNames);
    for (int k = names.size(); k < outputs; k++) {
      names.add(Integer.toString(k));
    }
    this.labelNames = List.copyOf(names.subList(0, outputs));
    setEpoch(0);
  }

  public static Builder builder(ImageData data) {
    return new Builder(data);
  }

  /** Settings of an {@link ImageDataSetIterator}; only the data is required. */
  public static final class Builder {
    private final ImageData data;
    private int batch = 128;
    private boolean shuffle;
    private long seed;
    private boolean augment;
    private Augmentation augmentation = Augmentation.SHIFT;
    private Layout layout = Layout.IMAGE;
    private int outputs;
    private ChannelStats stats;
    private List<String> labelNames;

    private Builder(ImageData data) {
      this.data = Objects.requireNonNull(data, "data");
    }

    /** Images per batch (default 128); the last batch of an epoch may be smaller. */
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

    /**
     * Pads by 4, crops at random and flips left-right at random (needs {@link #shuffle}'s seed).
     */
    public Builder augment(boolean augment) {
      this.augment = augment;
      return this;
    }

    /** What {@link #augment} does (default {@link Augmentation#SHIFT}). */
    public Builder augmentation(Augmentation augmentation) {
      this.augmentation = Objects.requireNonNull(augmentation, "augmentation");
      return this;
    }

    /** Standardises each channel with these statistics; null leaves pixels in [0, 1]. */
    public Builder normalize(ChannelStats stats) {
      this.stats = stats;
      return this;
    }

    /** Serves features as {@code [batch, c*h*w]} instead of {@code [batch, c, h, w]}. */
    public Builder flat(boolean flat) {
      this.layout = flat ? Layout.FLAT : Layout.IMAGE;
      return this;
    }

    /** How images are laid out in the features (default {@link Layout#IMAGE}). */
    public Builder layout(Layout layout) {
      this.layout = Objects.requireNonNull(layout, "layout");
      return this;
    }

    /** Width of the one-hot labels, when the network has more outputs than the data has classes. */
    public Builder outputs(int outputs) {
      this.outputs = outputs;
      return this;
    }

    /** Class names for {@link DataSetIterator#getLabels()}; missing ones are numbered. */
    public Builder labelNames(List<String> names) {
      this.labelNames = names;
      return this;
    }

    public ImageDataSetIterator build() {
      return new ImageDataSetIterator(this);
    }
  }

  /** The images served. */
  public ImageData data() {
    return data;
  }

  @Override
  public String source() {
    return data.source();
  }

  /** Images per epoch. */
  @Override
  public int size() {
    return data.size();
  }

  /** Whether features come flat, {@code [batch, c*h*w]}. */
  public boolean flat() {
    return layout == Layout.FLAT;
  }

  /** How images are laid out in the features. */
  public Layout layout() {
    return layout;
  }

  /** Augmentation draws from its own stream, split from the epoch's after the shuffle. */
  @Override
  protected void startEpoch(SplittableRandom epochRandom) {
    augmentRandom = epochRandom.split();
  }

  @Override
  protected DataSet batchOf(int[] examples) {
    int n = examples.length;
    int size = data.imageSize();
    float[] features = new float[n * size];
    float[] labels = new float[n * outputs];
    for (int k = 0; k < n; k++) {
      int i = examples[k];
      if (layout == Layout.SEQUENCE) {
        writeImage(i, scratch, 0);
        transpose(scratch, features, k * size);
      } else {
        writeImage(i, features, k * size);
      }
      labels[k * outputs + data.label(i)] = 1f;
    }
    long[] shape =
        switch (layout) {
          case IMAGE -> new long[] {n, data.channels(), data.height(), data.width()};
          case FLAT -> new long[] {n, size};
          case SEQUENCE -> new long[] {n, data.width(), data.height()};
        };
    INDArray f = Nd4j.create(features, shape, DataType.FLOAT);
    INDArray l = Nd4j.create(labels, new long[] {n, outputs}, DataType.FLOAT);
    return new DataSet(f, l);
  }

  /** One-channel image {@code [h][w]} to {@code [w][h]}: column x becomes feature x over time. */
  private void transpose(float[] image, float[] out, int offset) {
    int h = data.height();
    int w = data.width();
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        out[offset + x * h + y] = image[y * w + x];
      }
    }
  }

  private void writeImage(int i, float[] out, int offset) {
    byte[] pixels = data.pixelArray();
    int c = data.channels();
    int h = data.height();
    int w = data.width();
    int src = i * data.imageSize();
    if (!augment) {
      for (int ch = 0, p = 0; ch < c; ch++) {
        float m = mean[ch];
        float s = invStd[ch];
        for (int k = 0; k < h * w; k++, p++) {
          out[offset + p] = ((pixels[src + p] & 0xFF) / 255f - m) * s;
        }
      }
      return;
    }
    if (augmentation == Augmentation.RESIZED_CROP) {
      resizedCrop(pixels, src, out, offset);
      return;
    }
    int dy = augmentRandom.nextInt(2 * PAD + 1) - PAD;
    int dx = augmentRandom.nextInt(2 * PAD + 1) - PAD;
    boolean flip = augmentRandom.nextBoolean();
    for (int ch = 0; ch < c; ch++) {
      float m = mean[ch];
      float s = invStd[ch];
      float padValue = (0f - m) * s;
      int plane = src + ch * h * w;
      int outPlane = offset + ch * h * w;
      for (int y = 0; y < h; y++) {
        int sy = y + dy;
        for (int x = 0; x < w; x++) {
          int sx = (flip ? w - 1 - x : x) + dx;
          float v;
          if (sy < 0 || sy >= h || sx < 0 || sx >= w) {
            v = padValue;
          } else {
            v = ((pixels[plane + sy * w + sx] & 0xFF) / 255f - m) * s;
          }
          out[outPlane + y * w + x] = v;
        }
      }
    }
  }

  /**
   * torchvision's {@code RandomResizedCrop(scale=(0.08, 1), ratio=(3/4, 4/3))}: up to ten draws of
   * an area and a log-uniform aspect ratio until the region fits, else the whole image; then
   * bilinear resampling to {@code h x w} (align_corners false) and a flip with probability 1/2.
   */
  private void resizedCrop(byte[] pixels, int src, float[] out, int offset) {
    int c = data.channels();
    int h = data.height();
    int w = data.width();
    double cropW = w;
    double cropH = h;
    double left = 0;
    double top = 0;
    for (int attempt = 0; attempt < 10; attempt++) {
      double area = h * w * (0.08 + 0.92 * augmentRandom.nextDouble());
      double logRatio =
          Math.log(3.0 / 4) + (Math.log(4.0 / 3) - Math.log(3.0 / 4)) * augmentRandom.nextDouble();
      double ratio = Math.exp(logRatio);
      int cw = (int) Math.round(Math.sqrt(area * ratio));
      int ch = (int) Math.round(Math.sqrt(area / ratio));
      if (cw > 0 && ch > 0 && cw <= w && ch <= h) {
        cropW = cw;
        cropH = ch;
        left = augmentRandom.nextInt(w - cw + 1);
        top = augmentRandom.nextInt(h - ch + 1);
        break;
      }
    }
    boolean flip = augmentRandom.nextBoolean();
    double sx = cropW / w;
    double sy = cropH / h;
    for (int ch = 0; ch < c; ch++) {
      float m = mean[ch];
      float s = invStd[ch];
      int plane = src + ch * h * w;
      int outPlane = offset + ch * h * w;
      for (int y = 0; y < h; y++) {
        double fy = Math.min(h - 1, Math.max(0, top + (y + 0.5) * sy - 0.5));
        int y1 = (int) fy;
        int y2 = Math.min(h - 1, y1 + 1);
        double wy = fy - y1;
        for (int x = 0; x < w; x++) {
          int ox = flip ? w - 1 - x : x;
          double fx = Math.min(w - 1, Math.max(0, left + (ox + 0.5) * sx - 0.5));
          int x1 = (int) fx;
          int x2 = Math.min(w - 1, x1 + 1);
          double wx = fx - x1;
          double v =
              ((pixels[plane + y1 * w + x1] & 0xFF) * (1 - wx)
                          + (pixels[plane + y1 * w + x2] & 0xFF) * wx)
                      * (1 - wy)
                  + ((pixels[plane + y2 * w + x1] & 0xFF) * (1 - wx)
                          + (pixels[plane + y2 * w + x2] & 0xFF) * wx)
                      * wy;
          out[outPlane + y * w + x] = ((float) (v / 255.0) - m) * s;
        }
      }
    }
  }

  @Override
  public int inputColumns() {
    return data.imageSize();
  }

  @Override
  public int totalOutcomes() {
    return outputs;
  }

  @Override
  public List<String> getLabels() {
    return labelNames;
  }
}
