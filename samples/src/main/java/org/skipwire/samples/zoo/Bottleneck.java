package org.skipwire.samples.zoo;

import static org.skipwire.Layer.STAGE;
import static org.skipwire.Nonlinearity.RELU;

import org.skipwire.Activation;
import org.skipwire.BatchNorm;
import org.skipwire.Conv;
import org.skipwire.Layer;
import org.skipwire.ResidualBlock;

/**
 * 1x1 reduce, 3x3, 1x1 expand to four times the stage width (ResNet-50/101/152). The stride sits on
 * the 3x3 convolution, as in torchvision ("ResNet v1.5").
 */
@ResidualBlock
public class Bottleneck {
  @Conv(kernel = 1)
  @BatchNorm
  @Activation(RELU)
  Layer conv1;

  @Conv(kernel = 3, stride = STAGE)
  @BatchNorm
  @Activation(RELU)
  Layer conv2;

  @Conv(kernel = 1, width = 4)
  @BatchNorm
  Layer conv3;
}
