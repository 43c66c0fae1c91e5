package org.skipwire.samples.zoo;

import static org.skipwire.Layer.STAGE;
import static org.skipwire.Nonlinearity.RELU;

import org.skipwire.Activation;
import org.skipwire.BatchNorm;
import org.skipwire.Conv;
import org.skipwire.Layer;
import org.skipwire.ResidualBlock;
import org.skipwire.SqueezeExcite;

/**
 * The SE-ResNet bottleneck (Hu et al. 2018): squeeze-and-excitation with reduction 16 on the
 * branch.
 */
@ResidualBlock
@SqueezeExcite(reduction = 16)
public class SEBottleneck {
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
