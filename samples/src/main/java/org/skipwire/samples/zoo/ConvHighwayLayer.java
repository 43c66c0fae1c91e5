package org.skipwire.samples.zoo;

import static org.skipwire.Nonlinearity.RELU;

import org.skipwire.Activation;
import org.skipwire.BatchNorm;
import org.skipwire.Conv;
import org.skipwire.HighwayGate;
import org.skipwire.Layer;

/**
 * A convolutional highway layer: H is a 3x3 conv-BN-ReLU; the gate is a 3x3 conv of the same shape.
 */
@HighwayGate(gateBias = -2.0, gateKernel = 3)
public class ConvHighwayLayer {
  @Conv(kernel = 3)
  @BatchNorm
  @Activation(RELU)
  Layer transform;
}
