package org.skipwire;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Dropout on the step's output, in training only: each value is zeroed with probability {@code
 * value} and the rest are scaled by {@code 1 / (1 - value)}. In a Wide ResNet block it sits on the
 * first convolution: BN, ReLU, conv, dropout, then the second unit.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.FIELD)
public @interface Dropout {
  /** The probability of dropping a value, in [0, 1). */
  double value();
}
