package org.skipwire;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** Nearest-neighbour up-sampling: each pixel repeated {@code scale} times in height and width. */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.FIELD)
public @interface Upsample {
  /** The factor, default 2. */
  int scale() default 2;
}
