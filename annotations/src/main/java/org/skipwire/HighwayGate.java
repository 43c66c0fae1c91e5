package org.skipwire;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A highway layer (Srivastava et al. 2015): {@code y = H(x) * T(x) + x * C(x)} with the transform
 * gate {@code T = sigmoid(W_T x + b_T)} and the carry gate {@code C = 1 - T}, or an independent
 * {@code C = sigmoid(W_C x + b_C)}. H is the class's fields in declaration order (weight, batch
 * norm, activation) and must keep its input's shape. On feature maps the gate is a same-padded
 * convolution, on flat vectors a dense layer.
 *
 * <p>Inside the layer, {@code width = k} means k times the input's width (channels or features).
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface HighwayGate {
  /**
   * Initial bias of the transform gate; negative so early training carries the input. Default -2.
   */
  double gateBias() default -2.0;

  /** An independent carry gate C with its own weights, instead of 1 - T. Default false. */
  boolean independentCarry() default false;

  /** Kernel size of the gate's convolution on feature maps (ignored on flat vectors). Default 3. */
  int gateKernel() default 3;
}
