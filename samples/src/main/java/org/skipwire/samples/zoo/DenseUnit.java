package org.skipwire.samples.zoo;

import static org.skipwire.Nonlinearity.RELU;

import org.skipwire.Activation;
import org.skipwire.BatchNorm;
import org.skipwire.Conv;
import org.skipwire.DenseConnect;
import org.skipwire.Layer;

/**
 * The DenseNet-BC unit (Huang et al. 2017): BN-ReLU-1x1 conv to 4k channels, BN-ReLU-3x3 conv to k,
 * concatenated to its input. k = 32 unless the stage says otherwise.
 */
@DenseConnect(growthRate = 32)
public class DenseUnit {
  @BatchNorm
  @Activation(RELU)
  @Conv(kernel = 1, width = 4)
  Layer bottleneck;

  @BatchNorm
  @Activation(RELU)
  @Conv(kernel = 3)
  Layer conv;
}
