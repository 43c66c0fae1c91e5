package org.skipwire;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * How a residual block carries its input to the sum. On a block class it applies wherever the block
 * is used; on a {@link Stage} field it overrides the block's choice for that stage.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target({ElementType.TYPE, ElementType.FIELD})
public @interface Shortcut {
  ShortcutKind value() default ShortcutKind.AUTO;
}
