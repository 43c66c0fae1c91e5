package org.skipwire;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A block whose fields simply run one after another, with no skip of its own: a way to repeat a
 * group of blocks with {@link Stage}, such as a transformer layer made of an attention block and a
 * feed-forward block. Stages inside it take its base width unless they give their own.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface Sequential {}
