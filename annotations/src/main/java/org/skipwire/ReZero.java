package org.skipwire;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * ReZero (Bachlechner et al. 2020) on a residual block: {@code y = x + alpha * F(x)} with one
 * trainable scalar alpha initialised to 0, so every block starts as the identity.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface ReZero {}
