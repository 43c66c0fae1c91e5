package org.skipwire;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A transposed 2D convolution ("deconvolution") that up-samples: output size {@code stride * (in -
 * 1) + kernel - 2 * padding}. The default 2x2 kernel with stride 2 doubles height and width.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.FIELD)
public @interface TransposedConv {
  /** Kernel size in pixels, default 2. */
  int kernel() default 2;

  /** Stride in pixels, default 2. */
  int stride() default 2;

  /** Output channels, absolute. Required on the trunk. */
  int filters() default 0;

  /** Output channels as a multiple of the block's base width. 0 (default): not given. */
  int width() default 0;

  /** Padding in pixels removed from each side, default 0. */
  int padding() default 0;
}
