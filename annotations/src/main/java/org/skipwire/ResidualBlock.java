package org.skipwire;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A residual block: {@code y = relu(F(x) + shortcut(x))}, where F is the class's fields in
 * declaration order. In a post-activation block (default, He et al. 2015) each field runs weight
 * then batch norm then activation. In a pre-activation block (He et al. 2016, "ResNet v2") each
 * field runs batch norm then activation then weight, and the sum has no activation after it: {@code
 * y = F(x) + shortcut(x)}; such a network ends its trunk with a batch norm and ReLU.
 *
 * <p>The shortcut is chosen by {@link Shortcut} on the block class or on the stage field (the field
 * wins); without either it is {@link ShortcutKind#AUTO}.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface ResidualBlock {
  /** Pre-activation ordering (BN, ReLU, weight) with no activation after the sum. Default false. */
  boolean preActivation() default false;

  /**
   * The nonlinearity after the sum in a post-activation block, default {@link Nonlinearity#RELU};
   * {@link Nonlinearity#IDENTITY} for none (PyramidNet). Pre-activation blocks never have one.
   */
  Nonlinearity activation() default Nonlinearity.RELU;
}
