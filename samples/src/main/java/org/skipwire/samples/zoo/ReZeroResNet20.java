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
 * ResNet-20 for CIFAR-10 with ReZero blocks: each block starts as the identity and learns how much
 * of its branch to add (one scalar per block); zero-padded shortcuts.
 */
@Network(name = "rezero-resnet20", input = @Input(channels = 3, height = 32, width = 32))
public class ReZeroResNet20 {
  @Conv(kernel = 3, filters = 16)
  @BatchNorm
  @Activation(RELU)
  Layer stem;

  @Stage(blocks = 3, width = 16)
  @Shortcut(ZERO_PAD)
  ReZeroBlock stage1;

  @Stage(blocks = 3, width = 32, stride = 2)
  @Shortcut(ZERO_PAD)
  ReZeroBlock stage2;

  @Stage(blocks = 3, width = 64, stride = 2)
  @Shortcut(ZERO_PAD)
  ReZeroBlock stage3;

  @GlobalAvgPool Layer avgpool;

  @Dense(units = 10)
  @Output
  Layer fc;
}
