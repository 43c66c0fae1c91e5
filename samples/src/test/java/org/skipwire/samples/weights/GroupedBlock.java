package org.skipwire.samples.weights;

import static org.skipwire.Nonlinearity.RELU;

import org.skipwire.Activation;
import org.skipwire.BatchNorm;
import org.skipwire.Conv;
import org.skipwire.Layer;
import org.skipwire.ResidualBlock;

/** A residual block of a grouped 3x3 (4 groups), a depthwise 3x3 and a pointwise convolution. */
@ResidualBlock
public class GroupedBlock {
  @Conv(kernel = 3, groups = 4)
  @BatchNorm
  @Activation(RELU)
  Layer grouped;

  @Conv(kernel = 3, groups = 16)
  @BatchNorm
  @Activation(RELU)
  Layer depthwise;

  @Conv(kernel = 1)
  @BatchNorm
  Layer pointwise;
}
