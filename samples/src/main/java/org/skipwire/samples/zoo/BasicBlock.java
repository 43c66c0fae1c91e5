package org.skipwire.samples.zoo;

import static org.skipwire.Layer.STAGE;
import static org.skipwire.Nonlinearity.RELU;

import org.skipwire.Activation;
import org.skipwire.BatchNorm;
import org.skipwire.Conv;
import org.skipwire.Layer;
import org.skipwire.ResidualBlock;

/** Two 3x3 convolutions (He et al. 2015, ResNet-18/34 and the CIFAR ResNets). */
@ResidualBlock
public class BasicBlock {
  @Conv(kernel = 3, stride = STAGE)
  @BatchNorm
  @Activation(RELU)
  Layer conv1;

  @Conv(kernel = 3)
  @BatchNorm
  Layer conv2;
}
