package org.skipwire.samples.zoo;

import static org.skipwire.Nonlinearity.RELU;

import org.skipwire.Activation;
import org.skipwire.BatchNorm;
import org.skipwire.Conv;
import org.skipwire.Dense;
import org.skipwire.GlobalAvgPool;
import org.skipwire.Input;
import org.skipwire.Layer;
import org.skipwire.MaxPool;
import org.skipwire.Network;
import org.skipwire.Output;
import org.skipwire.Stage;

/** A convolutional highway network for 1x28x28 images: two stages of three highway layers. */
@Network(name = "highway-conv", input = @Input(channels = 1, height = 28, width = 28))
public class HighwayConvNet {
  @Conv(kernel = 3, filters = 32)
  @BatchNorm
  @Activation(RELU)
  Layer stem;

  @Stage(blocks = 3)
  ConvHighwayLayer stage1;

  @MaxPool(kernel = 2)
  Layer pool1;

  @Conv(kernel = 3, filters = 64)
  @BatchNorm
  @Activation(RELU)
  Layer widen;

  @Stage(blocks = 3)
  ConvHighwayLayer stage2;

  @MaxPool(kernel = 2)
  Layer pool2;

  @GlobalAvgPool Layer avgpool;

  @Dense(units = 10)
  @Output
  Layer out;
}
