package org.skipwire;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Concatenates, along the channels, the trunk's current feature map with the output of an earlier
 * trunk step: the long skip of a U-Net encoder-decoder. Both must have the same height and width.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.FIELD)
public @interface Concat {
  /** The name of an earlier field of the same network. */
  String from();
}
