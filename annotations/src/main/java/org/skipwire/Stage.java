package org.skipwire;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Repeats the field's block type {@link #blocks()} times. The blocks are named {@code <field>.b0},
 * {@code <field>.b1}, ...; the first gets the stage's stride wherever the block says {@code stride
 * = STAGE}.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.FIELD)
public @interface Stage {
  /** How many blocks, at least 1. */
  int blocks();

  /**
   * The base width of the blocks in channels: a layer with {@code width = k} has k times this.
   * Required for residual blocks; for dense units it defaults to the growth rate, for highway
   * layers to the input's width. Default 0: not given.
   */
  int width() default 0;

  /** Stride of the first block wherever it says {@code stride = STAGE}; default 1. */
  int stride() default 1;

  /**
   * Additive widening (PyramidNet): block i of n (from 0) has base width {@code round(width + (i +
   * 1) * widen / n)}, so the stage ends {@code widen} channels wider than it started. Default 0.
   */
  int widen() default 0;

  /**
   * Block i (from 0) of the stage dilates its {@code dilation = STAGE} convolutions by {@code
   * dilationGrowth}<sup>i</sup>: 2 gives 1, 2, 4, 8, ... as temporal convolutional networks (Bai et
   * al. 2018). Default 1.
   */
  int dilationGrowth() default 1;
}
