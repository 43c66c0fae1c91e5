package org.skipwire;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A Shake-Shake block (Gastaldi 2017): {@code y = shortcut(x) + a F1(x) + (1 - a) F2(x)}, where F1
 * and F2 are two copies of the class's fields, each run ReLU, then weight, then batch norm. In
 * training a is drawn uniformly per example and the backward pass uses an independent draw; at
 * inference a = 0.5. The shortcut is a 1x1 projection with batch norm where the shape changes;
 * nothing follows the sum.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface ShakeShake {}
