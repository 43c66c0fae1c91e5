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
 * The seeds' MLP comparison, densely connected: eight units that each append 32 features to
 * everything before them (64 + 8 x 32 = 320 features reach the classifier).
 */
@Network(name = "mlp-dense", input = @Input(channels = 784))
public class MlpDense {
  @Dense(units = 64)
  @Activation(RELU)
  Layer embed;

  @Stage(blocks = 8)
  MlpDenseUnit hidden;

  @Dense(units = 10)
  @Output
  Layer out;
}
