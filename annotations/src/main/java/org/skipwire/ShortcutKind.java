package org.skipwire;

/** The shortcut of a residual block, applied only where the branch changes the shape. */
public enum ShortcutKind {
  /** Identity where the shape is unchanged, {@link #PROJECTION} where it changes. */
  AUTO,
  /** Always the identity; a shape change is a compile error. */
  IDENTITY,
  /**
   * Where the shape changes: a 1x1 convolution with the block's stride, no bias, then batch norm
   * ("option B" of He et al. 2015). Identity elsewhere.
   */
  PROJECTION,
  /**
   * Where the shape changes: take every stride-th pixel and pad the extra channels with zeros
   * ("option A" of He et al. 2015). No parameters; the channels may not shrink.
   */
  ZERO_PAD,
  /**
   * No shortcut at all: the block is {@code relu(F(x))} (or {@code F(x)} pre-activation). This
   * declares the "plain" twin of a residual network, for He et al.'s degradation experiment.
   */
  NONE,
  /**
   * The identity where the shape is unchanged, no shortcut at all where it changes: MobileNetV2's
   * inverted residual, whose first block of a stage is a plain {@code F(x)}.
   */
  IDENTITY_OR_NONE
}
