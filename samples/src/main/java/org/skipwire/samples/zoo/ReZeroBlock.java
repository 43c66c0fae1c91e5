package org.skipwire.samples.zoo;

import static org.skipwire.Layer.STAGE;
import static org.skipwire.Nonlinearity.RELU;

import org.skipwire.Activation;
import org.skipwire.BatchNorm;
import org.skipwire.Conv;
import org.skipwire.Layer;
import org.skipwire.ReZero;
import org.skipwire.ResidualBlock;

/**
 * The basic block with ReZero (Bachlechner et al. 2020): {@code relu(x + alpha F(x))}, alpha from
 * 0.
 */
@ResidualBlock
@ReZero
public class ReZeroBlock {
  @Conv(kernel = 3, stride = STAGE)
  @BatchNorm
  @Activation(RELU)
  Layer conv1;

  @Conv(kernel = 3)
  @BatchNorm
  Layer conv2;
}
