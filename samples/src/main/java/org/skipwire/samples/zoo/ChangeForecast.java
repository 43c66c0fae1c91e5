package org.skipwire.samples.zoo;

import static org.skipwire.Nonlinearity.IDENTITY;

import org.skipwire.Conv;
import org.skipwire.Layer;
import org.skipwire.ResidualBlock;
import org.skipwire.Stage;

/**
 * {@code x + F(x)} over a one-channel series: F, a stack of temporal blocks and a 1x1 convolution
 * back to one channel, predicts the change at every step; no activation after the sum.
 */
@ResidualBlock(activation = IDENTITY)
public class ChangeForecast {
  @Stage(blocks = 5, dilationGrowth = 2)
  TemporalBlock tcn; // takes the stage's width, 32

  @Conv(kernel = 1, filters = 1)
  Layer change;
}
