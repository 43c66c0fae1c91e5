package org.skipwire.samples.zoo;

import static org.skipwire.Layer.STAGE;
import static org.skipwire.Nonlinearity.RELU;

import org.skipwire.Activation;
import org.skipwire.BatchNorm;
import org.skipwire.Conv;
import org.skipwire.Layer;
import org.skipwire.ResidualBlock;

/** The Wide ResNet-50-2 bottleneck (torchvision): the 1x1 and 3x3 convolutions twice as wide. */
@ResidualBlock
public class WideBottleneck {
  @Conv(kernel = 1, width = 2)
  @BatchNorm
  @Activation(RELU)
  Layer conv1;

  @Conv(kernel = 3, stride = STAGE, width = 2)
  @BatchNorm
  @Activation(RELU)
  Layer conv2;

  @Conv(kernel = 1, width = 4)
  @BatchNorm
  Layer conv3;
}
