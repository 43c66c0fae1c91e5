package org.skipwire.runtime.data;

import java.util.List;

/**
 * Per-channel mean and standard deviation of pixel values scaled to [0, 1], used to standardise
 * images as {@code (x - mean) / std}.
 *
 * @param mean one value per channel
 * @param std one positive value per channel
 */
public record ChannelStats(List<Double> mean, List<Double> std) {

  public ChannelStats {
    mean = List.copyOf(mean);
    std = List.copyOf(std);
    if (mean.size() != std.size() || mean.isEmpty()) {
      throw new IllegalArgumentException(
          "need one mean and one std per channel: " + mean + " " + std);
    }
    for (double s : std) {
      if (!(s > 0) || !Double.isFinite(s)) {
        throw new IllegalArgumentException("std must be positive and finite: " + std);
      }
    }
  }

  /** Leaves pixels in [0, 1]: mean 0, std 1 for every channel. */
  public static ChannelStats identity(int channels) {
    return new ChannelStats(
        java.util.Collections.nCopies(channels, 0.0), java.util.Collections.nCopies(channels, 1.0));
  }

  /** torchvision's ImageNet statistics (RGB), which its pretrained weights expect. */
  public static ChannelStats imagenet() {
    return new ChannelStats(List.of(0.485, 0.456, 0.406), List.of(0.229, 0.224, 0.225));
  }

  public int channels() {
    return mean.size();
  }
}
