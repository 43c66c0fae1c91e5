package org.skipwire.samples.zoo;

import static org.skipwire.Layer.STAGE;
import static org.skipwire.Nonlinearity.IDENTITY;
import static org.skipwire.Nonlinearity.RELU;
import static org.skipwire.ShortcutKind.ZERO_PAD;

import org.skipwire.Activation;
import org.skipwire.BatchNorm;
import org.skipwire.Conv;
import org.skipwire.Layer;
import org.skipwire.ResidualBlock;
import org.skipwire.Shortcut;

/**
 * The PyramidNet basic block (Han et al. 2017): BN, 3x3 conv, BN, ReLU, 3x3 conv, BN, no ReLU after
 * the sum, and a zero-padded shortcut for the channels it adds.
 */
@ResidualBlock(activation = IDENTITY)
@Shortcut(ZERO_PAD)
public class PyramidBlock {
  @BatchNorm Layer norm;

  @Conv(kernel = 3, stride = STAGE)
  @BatchNorm
  @Activation(RELU)
  Layer conv1;

  @Conv(kernel = 3)
  @BatchNorm
  Layer conv2;
}
