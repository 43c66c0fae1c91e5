package org.skipwire.samples.zoo;

import static org.skipwire.Layer.VARIANT;
import static org.skipwire.Nonlinearity.RELU;
import static org.skipwire.ShortcutKind.PROJECTION;
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
 * The ResNets for CIFAR-10 (He et al. 2015, section 4.2): 6n+2 layers, three stages of n basic
 * blocks at 16, 32 and 64 channels. Option A (the plain names) carries the input over a shape
 * change with zero-padded identity shortcuts, no extra parameters; option B ({@code -b}) with 1x1
 * projections where the shape changes. ResNet-1202 (n = 200, 19,421,274 parameters) is the paper's
 * deepest, the one that overfits.
 */
@Network(input = @Input(channels = 3, height = 32, width = 32))
@Variant(
    name = "cifar-resnet20",
    className = "CifarResNet20",
    blocks = {3, 3, 3},
    shortcut = ZERO_PAD)
@Variant(
    name = "cifar-resnet32",
    className = "CifarResNet32",
    blocks = {5, 5, 5},
    shortcut = ZERO_PAD)
@Variant(
    name = "cifar-resnet44",
    className = "CifarResNet44",
    blocks = {7, 7, 7},
    shortcut = ZERO_PAD)
@Variant(
    name = "cifar-resnet56",
    className = "CifarResNet56",
    blocks = {9, 9, 9},
    shortcut = ZERO_PAD)
@Variant(
    name = "cifar-resnet110",
    className = "CifarResNet110",
    blocks = {18, 18, 18},
    shortcut = ZERO_PAD)
@Variant(
    name = "cifar-resnet1202",
    className = "CifarResNet1202",
    blocks = {200, 200, 200},
    shortcut = ZERO_PAD)
@Variant(
    name = "cifar-resnet20-b",
    className = "CifarResNet20B",
    blocks = {3, 3, 3},
    shortcut = PROJECTION)
@Variant(
    name = "cifar-resnet32-b",
    className = "CifarResNet32B",
    blocks = {5, 5, 5},
    shortcut = PROJECTION)
@Variant(
    name = "cifar-resnet44-b",
    className = "CifarResNet44B",
    blocks = {7, 7, 7},
    shortcut = PROJECTION)
@Variant(
    name = "cifar-resnet56-b",
    className = "CifarResNet56B",
    blocks = {9, 9, 9},
    shortcut = PROJECTION)
@Variant(
    name = "cifar-resnet110-b",
    className = "CifarResNet110B",
    blocks = {18, 18, 18},
    shortcut = PROJECTION)
public class CifarResNet {
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
