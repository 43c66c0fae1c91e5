package org.skipwire;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares a network. The class's fields, in declaration order, are the trunk: each is one step, a
 * layer ({@link Layer}-typed field) or a stage of repeated blocks ({@link Stage}). The last step
 * must be an {@link Output}.
 *
 * <p>The annotation processor generates {@code <ClassName>Graph} in the same package.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface Network {
  /**
   * The name programs use for this network, e.g. {@code "resnet18"}. Default: the class's simple
   * name in lower case.
   */
  String name() default "";

  /** The shape of one input example. */
  Input input();
}
