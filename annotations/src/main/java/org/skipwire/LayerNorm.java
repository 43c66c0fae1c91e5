package org.skipwire;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Layer normalisation (Ba et al. 2016) over the channels (or features) at each position, in place
 * of {@link BatchNorm}: it takes the same place in a block's order. In a pre-activation block it
 * gives the transformer's pre-norm residual {@code x + F(LN(x))}. Trainable gamma and beta per
 * channel.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.FIELD)
public @interface LayerNorm {
  /** Added to the variance for numerical stability, default 1e-5. */
  double epsilon() default 1e-5;
}
