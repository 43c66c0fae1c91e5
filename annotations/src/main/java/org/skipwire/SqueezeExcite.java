package org.skipwire;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Squeeze-and-excitation (Hu et al. 2018) on a residual block's branch, before the sum: global
 * average pooling, a dense layer to {@code C / reduction} with ReLU, a dense layer back to C with
 * sigmoid, then each channel of the branch scaled by its weight.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface SqueezeExcite {
  /** The reduction ratio r; 16 in the paper. Must not exceed the branch's channels. */
  int reduction() default 16;
}
