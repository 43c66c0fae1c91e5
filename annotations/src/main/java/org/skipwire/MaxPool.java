package org.skipwire;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** Max pooling with a square window. */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.FIELD)
public @interface MaxPool {
  /** Window size in pixels. */
  int kernel();

  /** Stride in pixels. Default 0: equal to the kernel. {@link Layer#STAGE} is allowed in blocks. */
  int stride() default 0;

  /** Padding in pixels on each side. Default -1: {@code (kernel - 1) / 2}. */
  int padding() default -1;
}
