package org.skipwire.samples.weights;

import static org.skipwire.Nonlinearity.RELU;

import org.skipwire.Activation;
import org.skipwire.BatchNorm;
import org.skipwire.Conv;
import org.skipwire.DenseConnect;
import org.skipwire.Layer;

/** A DenseNet-BC unit with growth rate 8. */
@DenseConnect(growthRate = 8)
public class MixedDenseUnit {
  @BatchNorm
  @Activation(RELU)
  @Conv(kernel = 1, width = 2)
  Layer bottleneck;

  @BatchNorm
  @Activation(RELU)
  @Conv(kernel = 3)
  Layer conv;
}
