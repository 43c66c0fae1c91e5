package org.skipwire.samples.zoo;

import static org.skipwire.Nonlinearity.RELU;

import org.skipwire.Activation;
import org.skipwire.Dense;
import org.skipwire.HighwayGate;
import org.skipwire.Layer;

/**
 * A fully connected highway layer: H is a ReLU layer as wide as its input; the gate starts at -2.
 */
@HighwayGate(gateBias = -2.0)
public class HighwayLayer {
  @Dense(width = 1)
  @Activation(RELU)
  Layer transform;
}
