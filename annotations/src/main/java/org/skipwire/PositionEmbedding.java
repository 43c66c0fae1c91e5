package org.skipwire;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Adds a learned embedding of each time step's position to a sequence, {@code y[c, t] = x[c, t] +
 * P[c, t]} (as BERT and ViT): without it self-attention cannot tell the order of its inputs. {@code
 * C * T} parameters.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.FIELD)
public @interface PositionEmbedding {}
