package org.skipwire;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A DenseNet transition between dense blocks: batch norm, ReLU, a 1x1 convolution to {@code
 * floor(compression * channels)} channels, then 2x2 average pooling with stride 2.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.FIELD)
public @interface Transition {
  /** The compression factor theta in (0, 1]; 0.5 in DenseNet-BC. Default 1: no compression. */
  double compression() default 1.0;
}
