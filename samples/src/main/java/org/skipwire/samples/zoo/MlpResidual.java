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
 * The seeds' MLP comparison, residual: {@link MlpPlain} with an identity shortcut around each of
 * its eight hidden layers.
 */
@Network(name = "mlp-residual", input = @Input(channels = 784))
public class MlpResidual {
  @Dense(units = 64)
  @Activation(RELU)
  Layer embed;

  @Stage(blocks = 8, width = 64)
  MlpUnit hidden;

  @Dense(units = 10)
  @Output
  Layer out;
}
