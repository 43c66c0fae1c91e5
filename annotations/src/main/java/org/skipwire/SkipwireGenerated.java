package org.skipwire;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a class that the skipwire processor generated. Kept at run time so tools can tell generated
 * wiring from hand-written code.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface SkipwireGenerated {
  /** The qualified name of the {@link Network} class the code was generated from. */
  String value();
}
