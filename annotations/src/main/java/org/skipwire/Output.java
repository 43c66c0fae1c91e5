package org.skipwire;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks the network's last step as its output and names the loss: a {@link Dense} layer for one
 * prediction per example, or a {@link Conv} for one per pixel (segmentation). Without an {@link
 * Activation} on the same field the output activation is softmax for {@link Loss#MCXENT} and {@link
 * Loss#NEGATIVELOGLIKELIHOOD}, sigmoid for {@link Loss#XENT}, and identity otherwise.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.FIELD)
public @interface Output {
  /** The loss function, default multi-class cross entropy. */
  Loss loss() default Loss.MCXENT;
}
