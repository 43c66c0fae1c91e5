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
 * {@link FashionResNet20} without shortcuts: 20 plain layers (19 convolutions and the
 * classifier), the shallow plain network of He et al. 2015, Fig. 1 and 6.
 */
@Network(name = "fashion-plain20", input = @Input(channels = 1, height = 28, width = 28))
public class FashionPlain20 {
  @Conv(kernel = 3, filters = 16) @BatchNorm @Activation(RELU) Layer stem;
  @Stage(blocks = 3, width = 16) @Shortcut(NONE) BasicBlock stage1;
  @Stage(blocks = 3, width = 32, stride = 2) @Shortcut(NONE) BasicBlock stage2;
  @Stage(blocks = 3, width = 64, stride = 2) @Shortcut(NONE) BasicBlock stage3;
  @GlobalAvgPool Layer avgpool;
  @Dense(units = 10) @Output Layer fc;
}
