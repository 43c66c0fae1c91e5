package org.skipwire;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Keeps the last time step of a sequence: {@code [C, T] -> [C]}, as a forecaster reads its
 * prediction. The compiler checks that this step sees the whole input: the receptive field of the
 * layers before it must cover {@link Input#length()}.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.FIELD)
public @interface LastStep {}
