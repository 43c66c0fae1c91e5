package org.skipwire;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Stochastic depth (Huang et al. 2016) for every residual block of a {@link Network}: in training,
 * block l of L keeps its branch with probability {@code p_l = 1 - l/L * (1 - finalSurvival)} per
 * example (dividing it by {@code p_l} when kept, so that inference is the plain network), and drops
 * it otherwise; the shortcut always passes.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface StochasticDepth {
  /** Survival probability p_L of the last block, in (0, 1]; 0.5 in the paper. */
  double finalSurvival() default 0.5;
}
