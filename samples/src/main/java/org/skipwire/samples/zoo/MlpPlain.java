package org.skipwire.samples.zoo;

import static org.skipwire.Nonlinearity.RELU;
import static org.skipwire.ShortcutKind.NONE;

import org.skipwire.Activation;
import org.skipwire.Dense;
import org.skipwire.Input;
import org.skipwire.Layer;
import org.skipwire.Network;
import org.skipwire.Output;
import org.skipwire.Shortcut;
import org.skipwire.Stage;

/**
 * The seeds' MLP comparison, no skip: 784 -> 64, eight ReLU layers of 64, -> 10. {@link
 * MlpResidual}, {@link MlpHighway} and {@link MlpDense} are the same depth with skips.
 */
@Network(name = "mlp-plain", input = @Input(channels = 784))
public class MlpPlain {
  @Dense(units = 64)
  @Activation(RELU)
  Layer embed;

  @Stage(blocks = 8, width = 64)
  @Shortcut(NONE)
  MlpUnit hidden;

  @Dense(units = 10)
  @Output
  Layer out;
}
