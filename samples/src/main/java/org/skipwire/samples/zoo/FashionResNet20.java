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
 * He et al. 2015's CIFAR ResNet-20 (6n+2 layers, n = 3, 16/32/64 channels) for 1x28x28 images,
 * option A (zero-padded identity shortcuts, no parameters of their own): the residual half of the
 * degradation experiment, {@code skipwire compare --preset degradation}. {@link FashionPlain20}
 * is its twin without shortcuts, with exactly the same parameters.
 */
@Network(name = "fashion-resnet20", input = @Input(channels = 1, height = 28, width = 28))
public class FashionResNet20 {
  @Conv(kernel = 3, filters = 16) @BatchNorm @Activation(RELU) Layer stem;
  @Stage(blocks = 3, width = 16) @Shortcut(ZERO_PAD) BasicBlock stage1;
  @Stage(blocks = 3, width = 32, stride = 2) @Shortcut(ZERO_PAD) BasicBlock stage2;
  @Stage(blocks = 3, width = 64, stride = 2) @Shortcut(ZERO_PAD) BasicBlock stage3;
  @GlobalAvgPool Layer avgpool;
  @Dense(units = 10) @Output Layer fc;
}
