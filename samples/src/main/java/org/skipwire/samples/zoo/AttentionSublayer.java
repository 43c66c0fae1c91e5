package org.skipwire.samples.zoo;

import org.skipwire.Layer;
import org.skipwire.LayerNorm;
import org.skipwire.ResidualBlock;
import org.skipwire.SelfAttention;

/** The pre-norm attention sub-layer: x + Attn(LN(x)), 4 heads. */
@ResidualBlock(preActivation = true)
public class AttentionSublayer {
  @LayerNorm
  @SelfAttention(heads = 4)
  Layer attention;
}
