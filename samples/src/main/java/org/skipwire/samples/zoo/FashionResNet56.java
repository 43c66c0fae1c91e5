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
 * CIFAR ResNet-56 (6n+2, n = 9) for 1x28x28 images, option A shortcuts; see {@link
 * FashionResNet20}. {@link FashionPlain56} is its plain twin.
 */
@Network(name = "fashion-resnet56", input = @Input(channels = 1, height = 28, width = 28))
public class FashionResNet56 {
  @Conv(kernel = 3, filters = 16) @BatchNorm @Activation(RELU) Layer stem;
  @Stage(blocks = 9, width = 16) @Shortcut(ZERO_PAD) BasicBlock stage1;
  @Stage(blocks = 9, width = 32, stride = 2) @Shortcut(ZERO_PAD) BasicBlock stage2;
  @Stage(blocks = 9, width = 64, stride = 2) @Shortcut(ZERO_PAD) BasicBlock stage3;
  @GlobalAvgPool Layer avgpool;
  @Dense(units = 10) @Output Layer fc;
}
