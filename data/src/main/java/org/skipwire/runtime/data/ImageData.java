package org.skipwire.runtime.data;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Labelled images held in memory as unsigned bytes, channels first ({@code [n][c][h][w]}), as IDX
 * and CIFAR-10 files store them. One byte a pixel keeps the full CIFAR-10 training set at 150 MB;
 * the iterators scale to floats one batch at a time.
 */
public final class ImageData {
  private final String source;
  private final int channels;
  private final int height;
  private final int width;
  private final byte[] pixels;
  private final byte[] labels;
  private final int numClasses;

  /**
   * @param source where the images came from, for messages
   * @param pixels {@code labels.length * channels * height * width} unsigned bytes, channels first
   * @param labels one class index per image, each in {@code [0, numClasses)}
   */
  public ImageData(
      String source,
      int channels,
      int height,
      int width,
      byte[] pixels,
      byte[] labels,
      int numClasses) {
    this.source = Objects.requireNonNull(source, "source");
    if (channels <= 0 || height <= 0 || width <= 0) {
      throw new IllegalArgumentException(
          "bad image shape " + channels + "x" + height + "x" + width);
    }
    if ((long) labels.length * channels * height * width != pixels.length) {
      throw new IllegalArgumentException(
          pixels.length
              + " pixel bytes do not hold "
              + labels.length
              + " images of "
              + channels
              + "x"
              + height
              + "x"
              + width);
    }
    if (numClasses < 1 || numClasses > 256) {
      throw new IllegalArgumentException("numClasses must be in 1..256: " + numClasses);
    }
    for (int i = 0; i < labels.length; i++) {
      if ((labels[i] & 0xFF) >= numClasses) {
        throw new IllegalArgumentException(
            "label " + (labels[i] & 0xFF) + " at index " + i + " is not below " + numClasses);
      }
    }
    this.channels = channels;
    this.height = height;
    this.width = width;
    this.pixels = pixels;
    this.labels = labels;
    this.numClasses = numClasses;
  }

  public String source() {
    return source;
  }

  /** Number of images. */
  public int size() {
    return labels.length;
  }

  public int channels() {
    return channels;
  }

  public int height() {
    return height;
  }

  public int width() {
    return width;
  }

  public int numClasses() {
    return numClasses;
  }

  /** One image's shape, channels first: {@code [1, 28, 28]}. */
  public List<Integer> shape() {
    return List.of(channels, height, width);
  }

  /** Values in one image: {@code channels * height * width}. */
  public int imageSize() {
    return channels * height * width;
  }

  /** The class index of image {@code i}. */
  public int label(int i) {
    return labels[i] & 0xFF;
  }

  /** Pixel {@code (c, y, x)} of image {@code i}, 0..255. */
  public int pixel(int i, int c, int y, int x) {
    return pixels[((i * channels + c) * height + y) * width + x] & 0xFF;
  }

  /** The images and labels; callers must not modify them. */
  byte[] pixelArray() {
    return pixels;
  }

  byte[] labelArray() {
    return labels;
  }

  /** The first {@code n} images (all of them if {@code n <= 0} or {@code n >= size()}). */
  public ImageData first(int n) {
    if (n <= 0 || n >= size()) {
      return this;
    }
    return new ImageData(
        source,
        channels,
        height,
        width,
        Arrays.copyOf(pixels, n * imageSize()),
        Arrays.copyOf(labels, n),
        numClasses);
  }

  /** How many images each class has. */
  public int[] classCounts() {
    int[] counts = new int[numClasses];
    for (byte b : labels) {
      counts[b & 0xFF]++;
    }
    return counts;
  }

  /** Per-channel mean and (population) standard deviation of the pixels scaled to [0, 1]. */
  public ChannelStats channelStats() {
    int plane = height * width;
    double[] sum = new double[channels];
    double[] sumSq = new double[channels];
    // Exact integer histograms per channel: no rounding drift over 150M pixels.
    long[][] hist = new long[channels][256];
    for (int i = 0, p = 0; i < size(); i++) {
      for (int c = 0; c < channels; c++) {
        long[] h = hist[c];
        for (int k = 0; k < plane; k++) {
          h[pixels[p++] & 0xFF]++;
        }
      }
    }
    Double[] mean = new Double[channels];
    Double[] std = new Double[channels];
    double n = (double) size() * plane;
    for (int c = 0; c < channels; c++) {
      for (int v = 0; v < 256; v++) {
        double x = v / 255.0;
        sum[c] += hist[c][v] * x;
        sumSq[c] += hist[c][v] * x * x;
      }
      double m = sum[c] / n;
      mean[c] = m;
      double var = Math.max(0, sumSq[c] / n - m * m);
      std[c] = var > 1e-12 ? Math.sqrt(var) : 1.0;
    }
    return new ChannelStats(List.of(mean), List.of(std));
  }

  @Override
  public String toString() {
    return size() + " images " + shape() + " from " + source;
  }
}
