package org.skipwire;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A fully connected layer with bias over a flat {@code [features]} input; on a sequence {@code [C,
 * T]}, the same layer applied at every time step (a transformer's position-wise feed-forward),
 * giving {@code [units, T]}. Give the output size absolute ({@link #units()}) or as a multiple of
 * the block's base width ({@link #width()}), not both.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.FIELD)
public @interface Dense {
  /** Output features, absolute. 0 (default): not given. */
  int units() default 0;

  /** Output features as a multiple of the block's base width. 0 (default): not given. */
  int width() default 0;
}
