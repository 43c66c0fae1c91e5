package org.skipwire.samples.zoo;

import static org.skipwire.Layer.STAGE;
import static org.skipwire.Nonlinearity.RELU;

import org.skipwire.Activation;
import org.skipwire.BatchNorm;
import org.skipwire.Conv;
import org.skipwire.Dropout;
import org.skipwire.Layer;
import org.skipwire.ResidualBlock;

/**
 * The Wide ResNet block (Zagoruyko and Komodakis 2016): pre-activation, two 3x3 convolutions,
 * dropout 0.3 between them.
 */
@ResidualBlock(preActivation = true)
public class WideBlock {
  @BatchNorm
  @Activation(RELU)
  @Conv(kernel = 3, stride = STAGE)
  @Dropout(0.3)
  Layer conv1;

  @BatchNorm
  @Activation(RELU)
  @Conv(kernel = 3)
  Layer conv2;
}
