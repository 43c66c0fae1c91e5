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
 * The seeds' MLP comparison, highway: {@link MlpPlain}'s eight hidden layers as highway layers
 * (gate bias -2).
 */
@Network(name = "mlp-highway", input = @Input(channels = 784))
public class MlpHighway {
  @Dense(units = 64)
  @Activation(RELU)
  Layer embed;

  @Stage(blocks = 8)
  HighwayLayer hidden;

  @Dense(units = 10)
  @Output
  Layer out;
}
