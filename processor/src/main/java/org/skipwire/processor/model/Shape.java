package org.skipwire.processor.model;

import java.util.List;

/**
 * The shape of one example, channels first: {@code [channels, height, width]} for a feature map or
 * {@code [channels]} for a flat vector (height and width 0).
 */
public record Shape(int channels, int height, int width) {

  public static Shape image(int channels, int height, int width) {
    return new Shape(channels, height, width);
  }

  public static Shape flat(int features) {
    return new Shape(features, 0, 0);
  }

  public boolean isFlat() {
    return height == 0 && width == 0;
  }

  /** Number of values in one example. */
  public long size() {
    return isFlat() ? channels : (long) channels * height * width;
  }

  public Shape withChannels(int newChannels) {
    return new Shape(newChannels, height, width);
  }

  public List<Integer> dims() {
    return isFlat() ? List.of(channels) : List.of(channels, height, width);
  }

  /** {@code [64, 56, 56]}, as messages print shapes. */
  @Override
  public String toString() {
    return dims().toString();
  }
}
