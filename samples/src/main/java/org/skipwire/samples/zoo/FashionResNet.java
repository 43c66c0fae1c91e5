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
 * A small residual network for 1x28x28 images (Fashion-MNIST, MNIST): the CIFAR ResNet layout with
 * one basic block per stage at 16, 32 and 64 channels. The main job of the command line trains it;
 * {@link FashionPlain} is its twin without shortcuts.
 */
@Network(name = "fashion-resnet", input = @Input(channels = 1, height = 28, width = 28))
public class FashionResNet {
  @Conv(kernel = 3, filters = 16)
  @BatchNorm
  @Activation(RELU)
  Layer stem;

  @Stage(blocks = 1, width = 16)
  BasicBlock stage1;

  @Stage(blocks = 1, width = 32, stride = 2)
  BasicBlock stage2;

  @Stage(blocks = 1, width = 64, stride = 2)
  BasicBlock stage3;

  @GlobalAvgPool Layer avgpool;

  @Dense(units = 10)
  @Output
  Layer fc;
}
