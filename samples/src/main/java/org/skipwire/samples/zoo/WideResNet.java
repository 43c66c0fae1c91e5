package org.skipwire.samples.zoo;

import static org.skipwire.Layer.VARIANT;
import static org.skipwire.Nonlinearity.RELU;

import org.skipwire.Activation;
import org.skipwire.BatchNorm;
import org.skipwire.Conv;
import org.skipwire.Dense;
import org.skipwire.GlobalAvgPool;
import org.skipwire.Input;
import org.skipwire.Layer;
import org.skipwire.Network;
import org.skipwire.Output;
import org.skipwire.Stage;
import org.skipwire.Variant;

/**
 * WRN-d-k for CIFAR-10 (Zagoruyko and Komodakis 2016): three groups of (d - 4) / 6 blocks at 16k,
 * 32k and 64k channels. WRN-28-10 has 36,479,194 parameters as the official code.
 */
@Network(input = @Input(channels = 3, height = 32, width = 32))
@Variant(
    name = "wrn-16-8",
    className = "WideResNet16x8",
    blocks = {2, 2, 2},
    widths = {128, 256, 512})
@Variant(
    name = "wrn-28-10",
    className = "WideResNet28x10",
    blocks = {4, 4, 4},
    widths = {160, 320, 640})
public class WideResNet {
  @Conv(kernel = 3, filters = 16)
  Layer stem;

  @Stage(blocks = VARIANT, width = VARIANT)
  WideBlock group1;

  @Stage(blocks = VARIANT, width = VARIANT, stride = 2)
  WideBlock group2;

  @Stage(blocks = VARIANT, width = VARIANT, stride = 2)
  WideBlock group3;

  @BatchNorm
  @Activation(RELU)
  Layer post;

  @GlobalAvgPool Layer avgpool;

  @Dense(units = 10)
  @Output
  Layer fc;
}
