package org.skipwire.samples.zoo;

import static org.skipwire.Layer.VARIANT;
import static org.skipwire.Nonlinearity.RELU;
import static org.skipwire.ShortcutKind.NONE;
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
import org.skipwire.Stage;
import org.skipwire.Variant;

/**
 * The degradation experiment's four networks ({@code skipwire compare --preset degradation}): He et
 * al. 2015's CIFAR ResNets (6n+2 layers, three stages of n basic blocks at 16, 32 and 64 channels)
 * for 1x28x28 images at n = 3 and n = 9, with option A shortcuts (zero-padded identity, no
 * parameters of their own), and their plain twins without shortcuts, which have exactly the same
 * parameters. He et al.'s Fig. 1 and 6: the deeper plain network trains worse even on the training
 * set; the residual one does not.
 */
@Network(input = @Input(channels = 1, height = 28, width = 28))
@Variant(
    name = "fashion-resnet20",
    className = "FashionResNet20",
    blocks = {3, 3, 3},
    shortcut = ZERO_PAD)
@Variant(
    name = "fashion-resnet56",
    className = "FashionResNet56",
    blocks = {9, 9, 9},
    shortcut = ZERO_PAD)
@Variant(
    name = "fashion-plain20",
    className = "FashionPlain20",
    blocks = {3, 3, 3},
    shortcut = NONE)
@Variant(
    name = "fashion-plain56",
    className = "FashionPlain56",
    blocks = {9, 9, 9},
    shortcut = NONE)
public class FashionDepth {
  @Conv(kernel = 3, filters = 16)
  @BatchNorm
  @Activation(RELU)
  Layer stem;

  @Stage(blocks = VARIANT, width = 16)
  BasicBlock stage1;

  @Stage(blocks = VARIANT, width = 32, stride = 2)
  BasicBlock stage2;

  @Stage(blocks = VARIANT, width = 64, stride = 2)
  BasicBlock stage3;

  @GlobalAvgPool Layer avgpool;

  @Dense(units = 10)
  @Output
  Layer fc;
}
