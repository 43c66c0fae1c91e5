package org.skipwire.samples.zoo;

import static org.skipwire.Nonlinearity.GELU;

import org.skipwire.Activation;
import org.skipwire.Dense;
import org.skipwire.Layer;
import org.skipwire.LayerNorm;
import org.skipwire.ResidualBlock;

/** The pre-norm position-wise feed-forward sub-layer: x + W2 GELU(W1 LN(x)), 4x wide inside. */
@ResidualBlock(preActivation = true)
public class FeedForwardSublayer {
  @LayerNorm
  @Dense(width = 4)
  Layer expand;

  @Activation(GELU)
  @Dense(width = 1)
  Layer contract;
}
