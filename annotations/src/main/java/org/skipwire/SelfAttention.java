package org.skipwire;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Multi-head scaled dot-product self-attention over the time steps of a sequence {@code [C, T] ->
 * [C, T]} (Vaswani et al. 2017): per head, queries, keys and values are projections of the input to
 * {@code C / heads} features, and an output projection joins the heads. {@code 4 C^2} parameters,
 * no biases. In a pre-activation block with {@link LayerNorm} it is a transformer's attention
 * sub-layer {@code x + Attn(LN(x))}.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.FIELD)
public @interface SelfAttention {
  /** Attention heads; the channels must divide by it. */
  int heads();
}
