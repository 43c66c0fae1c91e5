package org.skipwire.samples.zoo;

import static org.skipwire.Layer.STAGE;
import static org.skipwire.Nonlinearity.RELU;

import org.skipwire.Activation;
import org.skipwire.Conv;
import org.skipwire.Dropout;
import org.skipwire.Layer;
import org.skipwire.LayerNorm;
import org.skipwire.ResidualBlock;

/**
 * A residual temporal block: twice causal dilated convolution, layer norm, ReLU and dropout, plus
 * the input (through a 1x1 convolution where the channels change), then ReLU. The dilation is the
 * block's within its stage.
 */
@ResidualBlock
public class TemporalBlock {
  @Conv(kernel = 3, dilation = STAGE, causal = true)
  @LayerNorm
  @Activation(RELU)
  @Dropout(0.1)
  Layer conv1;

  @Conv(kernel = 3, dilation = STAGE, causal = true)
  @LayerNorm
  @Activation(RELU)
  @Dropout(0.1)
  Layer conv2;
}
