package org.skipwire;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Repeatable;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * One member of a network family: the {@link Network} class declares the layout once, and each
 * {@code @Variant} on it names a member and gives the numbers that differ, as torchvision's {@code
 * _resnet(Bottleneck, [3, 4, 6, 3])} or timm's {@code model_args}. Every member is checked on its
 * own (an error names the member) and gets its own {@code <className>Graph}; the family class
 * itself generates nothing.
 *
 * <pre>{@code
 * @Network(input = @Input(channels = 3, height = 224, width = 224))
 * @Variant(name = "resnet50", className = "ResNet50", blocks = {3, 4, 6, 3})
 * @Variant(name = "resnet101", className = "ResNet101", blocks = {3, 4, 23, 3})
 * public class BottleneckResNet {
 *   @Stage(blocks = VARIANT, width = 64) Bottleneck conv2;
 *   ...
 * }
 * }</pre>
 *
 * <p>Each attribute must have an effect: values without placeholders, or placeholders without
 * values, are compile errors.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
@Repeatable(Variants.class)
public @interface Variant {
  /** The member's name, as {@link Network#name()}: lower-case letters, digits, '.', '_', '-'. */
  String name();

  /**
   * The member's generated class is {@code <className>Graph} in the family's package. Default: the
   * name in upper camel case ({@code cifar-resnet20} gives {@code CifarResnet20}).
   */
  String className() default "";

  /**
   * The depths of the stages that say {@code @Stage(blocks = VARIANT)}, in field order, one each.
   */
  int[] blocks() default {};

  /**
   * The base widths of the stages that say {@code @Stage(width = VARIANT)}, in field order, one
   * each.
   */
  int[] widths() default {};

  /**
   * At most one kind: the shortcut of every residual stage of the trunk that has no {@link
   * Shortcut} of its own, in place of the block class's. Default: none given, the declaration's.
   */
  ShortcutKind[] shortcut() default {};

  /**
   * The growth rate of every dense stage of the trunk, in place of {@link
   * DenseConnect#growthRate()}. Default 0: the block's.
   */
  int growthRate() default 0;

  /**
   * The number of classes: the units of the {@link Output} layer's {@link Dense} (or the filters of
   * its per-pixel {@link Conv}). Default 0: as declared.
   */
  int classes() default 0;
}
