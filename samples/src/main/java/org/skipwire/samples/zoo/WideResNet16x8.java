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
 * WRN-16-8 for CIFAR-10 (Zagoruyko and Komodakis 2016): depth 16, width factor 8, so three groups
 * of (depth - 4) / 6 = 2 blocks at 16k, 32k and 64k channels.
 */
@Network(name = "wrn-16-8", input = @Input(channels = 3, height = 32, width = 32))
public class WideResNet16x8 {
  @Conv(kernel = 3, filters = 16) Layer stem;
  @Stage(blocks = 2, width = 128) WideBlock group1;
  @Stage(blocks = 2, width = 256, stride = 2) WideBlock group2;
  @Stage(blocks = 2, width = 512, stride = 2) WideBlock group3;
  @BatchNorm @Activation(RELU) Layer post;
  @GlobalAvgPool Layer avgpool;
  @Dense(units = 10) @Output Layer fc;
}
