package org.skipwire.samples.zoo;

import static org.skipwire.Layer.VARIANT;
import static org.skipwire.Nonlinearity.RELU;
import static org.skipwire.ShortcutKind.ZERO_PAD;

import org.skipwire.Activation;
import org.skipwire.Conv;
import org.skipwire.Dense;
import org.skipwire.GlobalAvgPool;
import org.skipwire.GroupNorm;
import org.skipwire.Input;
import org.skipwire.Layer;
import org.skipwire.Network;
import org.skipwire.Output;
import org.skipwire.Stage;
import org.skipwire.Variant;

/**
 * The CIFAR ResNets of {@link CifarResNet} (option A: zero-padded identity shortcuts) with group
 * norm in 8 groups wherever those have batch norm: no batch statistics, so training with small
 * batches (or one example) and inference compute the same normalisation. The convolutions keep
 * their biases, which group norm does not cancel: cifar-resnet20-gn has 270,410 parameters, the
 * batch-norm cifar-resnet20's 269,722 plus the 688 biases of its 19 convolutions (PyTorch's twin in
 * {@code tools/torch/skipwire_torch.py gn-count} has the same).
 */
@Network(input = @Input(channels = 3, height = 32, width = 32))
@Variant(
    name = "cifar-resnet20-gn",
    className = "CifarResNet20GN",
    blocks = {3, 3, 3},
    shortcut = ZERO_PAD)
@Variant(
    name = "cifar-resnet56-gn",
    className = "CifarResNet56GN",
    blocks = {9, 9, 9},
    shortcut = ZERO_PAD)
public class CifarResNetGN {
  @Conv(kernel = 3, filters = 16)
  @GroupNorm(groups = 8)
  @Activation(RELU)
  Layer stem;

  @Stage(blocks = VARIANT, width = 16)
  GroupNormBlock stage1;

  @Stage(blocks = VARIANT, width = 32, stride = 2)
  GroupNormBlock stage2;

  @Stage(blocks = VARIANT, width = 64, stride = 2)
  GroupNormBlock stage3;

  @GlobalAvgPool Layer avgpool;

  @Dense(units = 10)
  @Output
  Layer fc;
}
