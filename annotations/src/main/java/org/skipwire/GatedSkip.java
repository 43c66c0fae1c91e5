package org.skipwire;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A gated skip on a residual block: {@code y = alpha * F(x) + (1 - alpha) * shortcut(x)} with one
 * trainable scalar alpha, instead of the plain sum.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface GatedSkip {
  /** The initial alpha; default 0.5, an even mix. */
  double init() default 0.5;
}
