package org.skipwire.samples.zoo;

import static org.skipwire.Nonlinearity.RELU;
import static org.skipwire.ShortcutKind.NONE;

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
 * {@link FashionResNet56} without shortcuts: the deep plain network of He et al. 2015, Fig. 1 and
 * 6, which trains worse than the shallow one even on the training set.
 */
@Network(name = "fashion-plain56", input = @Input(channels = 1, height = 28, width = 28))
public class FashionPlain56 {
  @Conv(kernel = 3, filters = 16) @BatchNorm @Activation(RELU) Layer stem;
  @Stage(blocks = 9, width = 16) @Shortcut(NONE) BasicBlock stage1;
  @Stage(blocks = 9, width = 32, stride = 2) @Shortcut(NONE) BasicBlock stage2;
  @Stage(blocks = 9, width = 64, stride = 2) @Shortcut(NONE) BasicBlock stage3;
  @GlobalAvgPool Layer avgpool;
  @Dense(units = 10) @Output Layer fc;
}
