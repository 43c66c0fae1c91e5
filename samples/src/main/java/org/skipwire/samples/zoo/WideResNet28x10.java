package org.skipwire.samples.zoo;

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

/**
 * WRN-28-10 for CIFAR-10 (Zagoruyko and Komodakis 2016): depth 28, width factor 10, so three groups
 * of (depth - 4) / 6 = 4 blocks at 16k, 32k and 64k channels.
 */
@Network(name = "wrn-28-10", input = @Input(channels = 3, height = 32, width = 32))
public class WideResNet28x10 {
  @Conv(kernel = 3, filters = 16) Layer stem;
  @Stage(blocks = 4, width = 160) WideBlock group1;
  @Stage(blocks = 4, width = 320, stride = 2) WideBlock group2;
  @Stage(blocks = 4, width = 640, stride = 2) WideBlock group3;
  @BatchNorm @Activation(RELU) Layer post;
  @GlobalAvgPool Layer avgpool;
  @Dense(units = 10) @Output Layer fc;
}
