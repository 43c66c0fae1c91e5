package org.skipwire.samples.zoo;

import static org.skipwire.Layer.STAGE;
import static org.skipwire.Nonlinearity.RELU;

import org.skipwire.Activation;
import org.skipwire.BatchNorm;
import org.skipwire.Conv;
import org.skipwire.Layer;
import org.skipwire.ResidualBlock;

/**
 * The ResNeXt-50 32x4d bottleneck (Xie et al. 2017): a 3x3 convolution in 32 groups of 4 channels
 * per 64 of stage width.
 */
@ResidualBlock
public class ResNeXtBottleneck {
  @Conv(kernel = 1, width = 2)
  @BatchNorm
  @Activation(RELU)
  Layer conv1;

  @Conv(kernel = 3, stride = STAGE, width = 2, groups = 32)
  @BatchNorm
  @Activation(RELU)
  Layer conv2;

  @Conv(kernel = 1, width = 4)
  @BatchNorm
  Layer conv3;
}
