package org.skipwire;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Group normalisation (Wu and He 2018) in place of {@link BatchNorm}: it takes the same place in a
 * block's order. The step's channels are split into {@link #groups()} consecutive groups, and each
 * example's group is normalised over its channels and all positions (height and width, or the
 * sequence's steps), as {@code torch.nn.GroupNorm(groups, channels)} does; no running statistics,
 * so training and inference compute the same and a batch of one is fine. Trainable gamma and beta
 * per channel, {@code 2 x channels} parameters.
 *
 * <p>Unlike batch norm it does not cancel a bias before it (it subtracts one mean per group, not
 * one per channel), so a convolution or dense layer before a group norm keeps its bias.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.FIELD)
public @interface GroupNorm {
  /**
   * Number of channel groups, at least 1 and dividing the step's channels; default 32 (the paper's
   * choice). 1 normalises over all channels and positions; as many as the channels is instance
   * norm.
   */
  int groups() default 32;

  /** Added to the variance for numerical stability, default 1e-5 (as in PyTorch). */
  double epsilon() default 1e-5;
}
