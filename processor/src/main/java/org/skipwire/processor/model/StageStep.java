package org.skipwire.processor.model;

import org.skipwire.ShortcutKind;

/**
 * A block-typed field with {@code @Stage}: the block repeated {@code blocks} times.
 *
 * @param widen channels added over the stage, block by block (PyramidNet); 0 for none
 * @param dilationGrowth block i's {@code dilation = STAGE} convolutions dilate by its i-th power
 * @param shortcut the field's own {@code @Shortcut}, or null to use the block's
 * @param stageOrigin the {@code @Stage} annotation
 */
public record StageStep(
    String name,
    Origin origin,
    Origin stageOrigin,
    int blocks,
    int width,
    int stride,
    int widen,
    int dilationGrowth,
    ShortcutKind shortcut,
    Block block)
    implements Step {

  /** A stage without dilation growth. */
  public StageStep(
      String name,
      Origin origin,
      Origin stageOrigin,
      int blocks,
      int width,
      int stride,
      int widen,
      ShortcutKind shortcut,
      Block block) {
    this(name, origin, stageOrigin, blocks, width, stride, widen, 1, shortcut, block);
  }

  @Override
  public <R> R accept(Visitor<R> v) {
    return v.visitStage(this);
  }
}
