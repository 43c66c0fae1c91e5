package org.skipwire;

import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The shape of one input example: {@code [channels, height, width]} for images, {@code [channels,
 * length]} for a sequence of {@code length} time steps with {@code channels} features each (give
 * {@link #length()} and leave height and width at 0), or {@code [channels]} (a flat feature vector)
 * when all three are left at 0.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target({})
public @interface Input {
  /** Channels of an image, or features of a flat vector. */
  int channels();

  /** Height in pixels; 0 (default) for a flat vector. */
  int height() default 0;

  /** Width in pixels; 0 (default) for a flat vector. */
  int width() default 0;

  /**
   * Time steps of a sequence input; 0 (default) for images and flat vectors. Layers over a sequence
   * keep its DL4J layout {@code [batch, channels, length]}: {@link Conv} becomes a 1-D convolution
   * over time, {@link Dense} applies at each time step.
   */
  int length() default 0;
}
