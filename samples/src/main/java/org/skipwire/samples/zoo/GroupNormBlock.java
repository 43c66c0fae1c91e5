package org.skipwire.samples.zoo;

import static org.skipwire.Layer.STAGE;
import static org.skipwire.Nonlinearity.RELU;

import org.skipwire.Activation;
import org.skipwire.Conv;
import org.skipwire.GroupNorm;
import org.skipwire.Layer;
import org.skipwire.ResidualBlock;

/**
 * {@link BasicBlock} with group norm (Wu and He 2018) in place of batch norm: 8 groups, which
 * divide the CIFAR ResNets' 16, 32 and 64 channels. The convolutions keep their biases (group norm
 * does not cancel them).
 */
@ResidualBlock
public class GroupNormBlock {
  @Conv(kernel = 3, stride = STAGE)
  @GroupNorm(groups = 8)
  @Activation(RELU)
  Layer conv1;

  @Conv(kernel = 3)
  @GroupNorm(groups = 8)
  Layer conv2;
}
