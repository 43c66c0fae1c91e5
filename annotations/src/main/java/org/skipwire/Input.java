package org.skipwire;

import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The shape of one input example: {@code [channels, height, width]} for images, or {@code
 * [channels]} (a flat feature vector) when height and width are left at 0.
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
}
