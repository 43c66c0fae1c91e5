package org.skipwire.samples.zoo;

import static org.skipwire.Nonlinearity.RELU;
import static org.skipwire.ShortcutKind.ZERO_PAD;

import org.skipwire.Activation;
import org.skipwire.BatchNorm;
import org.skipwire.Conv;
import org.skipwire.Dense;
import org.skipwire.GlobalAvgPool;
import org.skipwire.Input;
import org.skipwire.Layer;
import org.skipwire.Network;
import org.skipwire.Output;
import org.skipwire.Shortcut;
import org.skipwire.Stage;

/**
 * ResNet-32 for CIFAR-10 (He et al. 2015, section 4.2: 6n+2 layers, n = 5), option A: zero-padded identity shortcuts, no extra parameters.
 */
@Network(name = "cifar-resnet32", input = @Input(channels = 3, height = 32, width = 32))
public class CifarResNet32 {
  @Conv(kernel = 3, filters = 16) @BatchNorm @Activation(RELU) Layer stem;
  @Stage(blocks = 5, width = 16) @Shortcut(ZERO_PAD) BasicBlock stage1;
  @Stage(blocks = 5, width = 32, stride = 2) @Shortcut(ZERO_PAD) BasicBlock stage2;
  @Stage(blocks = 5, width = 64, stride = 2) @Shortcut(ZERO_PAD) BasicBlock stage3;
  @GlobalAvgPool Layer avgpool;
  @Dense(units = 10) @Output Layer fc;
}
