package org.skipwire;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A dense unit (Huang et al. 2017): {@code y = concat(x, F(x))}, where F is the class's fields in
 * declaration order, each run batch norm, then activation, then convolution. A {@link Stage} of n
 * units is a dense block: its channels grow by F's output width with every unit. F must keep the
 * height and width of its input.
 *
 * <p>Inside the unit, {@code width = k} means k times the growth rate: the BC bottleneck is a
 * {@code @Conv(kernel = 1, width = 4)} followed by a {@code @Conv(kernel = 3)}.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface DenseConnect {
  /**
   * The growth rate k: channels each unit adds, the base width of its layers. A {@link Stage} that
   * gives a width overrides it.
   */
  int growthRate();
}
