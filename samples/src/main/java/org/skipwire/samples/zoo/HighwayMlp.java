package org.skipwire.samples.zoo;

import static org.skipwire.Nonlinearity.RELU;

import org.skipwire.Activation;
import org.skipwire.Dense;
import org.skipwire.Input;
import org.skipwire.Layer;
import org.skipwire.Network;
import org.skipwire.Output;
import org.skipwire.Stage;

/**
 * The deep highway MLP of Srivastava et al. 2015 on MNIST-sized input: 784 -> 50, ten highway
 * layers of width 50, -> 10.
 */
@Network(name = "highway-mlp", input = @Input(channels = 784))
public class HighwayMlp {
  @Dense(units = 50)
  @Activation(RELU)
  Layer embed;

  @Stage(blocks = 10)
  HighwayLayer highway;

  @Dense(units = 10)
  @Output
  Layer out;
}
