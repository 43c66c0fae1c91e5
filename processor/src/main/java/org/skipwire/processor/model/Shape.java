package org.skipwire.processor.model;

import java.util.List;

/**
 * The shape of one example, channels first: {@code [channels, height, width]} for a feature map,
 * {@code [channels, length]} for a sequence of {@code length} time steps (height and width 0), or
 * {@code [channels]} for a flat vector (all three 0).
 */
public record Shape(int channels, int height, int width, int length) {

  /** A feature map, or a flat vector when height and width are 0. */
  public Shape(int channels, int height, int width) {
    this(channels, height, width, 0);
  }

  public static Shape image(int channels, int height, int width) {
    return new Shape(channels, height, width);
  }

  public static Shape flat(int features) {
    return new Shape(features, 0, 0);
  }

  public static Shape sequence(int channels, int length) {
    return new Shape(channels, 0, 0, length);
  }

  public boolean isFlat() {
    return height == 0 && width == 0 && length == 0;
  }

  public boolean isSequence() {
    return length != 0;
  }

  /** Whether this is a feature map {@code [channels, height, width]}. */
  public boolean isImage() {
    return !isFlat() && !isSequence();
  }

  /** Number of values in one example. */
  public long size() {
    if (isFlat()) {
      return channels;
    }
    return isSequence() ? (long) channels * length : (long) channels * height * width;
  }

  public Shape withChannels(int newChannels) {
    return new Shape(newChannels, height, width, length);
  }

  public List<Integer> dims() {
    if (isFlat()) {
      return List.of(channels);
    }
    return isSequence() ? List.of(channels, length) : List.of(channels, height, width);
  }

  /** {@code [64, 56, 56]}, as messages print shapes. */
  @Override
  public String toString() {
    return dims().toString();
  }
}
