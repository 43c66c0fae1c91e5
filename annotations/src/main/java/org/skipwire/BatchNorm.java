package org.skipwire;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Batch normalisation over the channels of the step's output (or, in a pre-activation block, of its
 * input). Trainable parameters: gamma and beta per channel; DL4J also stores the running mean and
 * variance, which count in the total but are not trained.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.FIELD)
public @interface BatchNorm {
  /** Initial value of gamma, default 1. 0 makes a residual branch start as the zero function. */
  double gammaInit() default 1.0;

  /** Added to the variance for numerical stability, default 1e-5 (as in PyTorch). */
  double epsilon() default 1e-5;
}
