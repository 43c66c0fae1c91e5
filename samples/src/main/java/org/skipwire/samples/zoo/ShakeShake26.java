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
 * Shake-Shake-26 2x32d for CIFAR-10 (Gastaldi 2017): a 3x3 conv to 16 channels with BN, three
 * stages of four two-branch blocks at 32, 64 and 128 channels, ReLU, global pooling, 10 classes.
 * Where the width changes the shortcut is a 1x1 conv and BN; Gastaldi's two half-width 1x1 convs on
 * shifted inputs have the same parameters.
 */
@Network(name = "shake-shake-26-2x32d", input = @Input(channels = 3, height = 32, width = 32))
public class ShakeShake26 {
  @Conv(kernel = 3, filters = 16)
  @BatchNorm
  Layer stem;

  @Stage(blocks = 4, width = 32)
  ShakeShakeBlock stage1;

  @Stage(blocks = 4, width = 64, stride = 2)
  ShakeShakeBlock stage2;

  @Stage(blocks = 4, width = 128, stride = 2)
  ShakeShakeBlock stage3;

  @Activation(RELU)
  Layer post;

  @GlobalAvgPool Layer avgpool;

  @Dense(units = 10)
  @Output
  Layer fc;
}
