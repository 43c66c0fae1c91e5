package org.skipwire;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A 2D convolution over a {@code [channels, height, width]} input, square kernel; on a sequence
 * {@code [channels, length]}, a 1-D convolution over time.
 *
 * <p>The number of output channels is either absolute ({@link #filters()}) or a multiple of the
 * enclosing block's base width ({@link #width()}); give at most one. Inside a block, leaving both
 * out means {@code width = 1}. A convolution followed by {@link BatchNorm} has no bias.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.FIELD)
public @interface Conv {
  /** Kernel size in pixels (square). */
  int kernel();

  /**
   * Stride in pixels, default 1; {@link Layer#STAGE} takes the stage's stride in its first block.
   */
  int stride() default 1;

  /** Output channels, absolute. 0 (default): not given. */
  int filters() default 0;

  /** Output channels as a multiple of the block's base width. 0 (default): not given. */
  int width() default 0;

  /**
   * Output channels as a multiple of the enclosing block's input channels: MobileNetV2's expansion
   * factor t, {@code expansion = 6} giving 6 x 24 = 144 channels in a block that receives 24.
   * Excludes {@link #filters()} and {@link #width()}. 0 (default): not given.
   */
  int expansion() default 0;

  /**
   * Groups (ResNeXt's cardinality): input and output channels split into this many groups, each
   * convolved separately. Both channel counts must divide by it. {@link Layer#DEPTHWISE}: one group
   * per input channel. Default 1.
   */
  int groups() default 1;

  /**
   * Zero padding in pixels on each side. Default -1: {@code (kernel - 1) / 2}, "same" at stride 1.
   */
  int padding() default -1;

  /**
   * Spacing between the kernel's taps, default 1 (none). {@link Layer#STAGE} takes the dilation of
   * the block within its stage, {@code Stage.dilationGrowth}<sup>i</sup>, as temporal convolutional
   * networks double it block by block.
   */
  int dilation() default 1;

  /**
   * Sequences only: pad on the left by {@code (kernel - 1) * dilation} and not on the right, so
   * step t sees steps up to t and never a later one (WaveNet, TCN). Excludes {@link #padding()}.
   */
  boolean causal() default false;

  /**
   * Whether the convolution may have a bias, default true: it has one unless a batch norm after it
   * would cancel it. false leaves it out everywhere, e.g. before a {@link GroupNorm}, which keeps a
   * bias, for torchvision's {@code ResNet(norm_layer = GroupNorm)} (its convolutions have none).
   */
  boolean bias() default true;
}
