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
 * {@link FashionResNet} without its shortcuts: the same layers and nearly the same parameters (no
 * projections), so {@code skipwire compare} can show what the skips buy.
 */
@Network(name = "fashion-plain", input = @Input(channels = 1, height = 28, width = 28))
public class FashionPlain {
  @Conv(kernel = 3, filters = 16)
  @BatchNorm
  @Activation(RELU)
  Layer stem;

  @Stage(blocks = 1, width = 16)
  @Shortcut(NONE)
  BasicBlock stage1;

  @Stage(blocks = 1, width = 32, stride = 2)
  @Shortcut(NONE)
  BasicBlock stage2;

  @Stage(blocks = 1, width = 64, stride = 2)
  @Shortcut(NONE)
  BasicBlock stage3;

  @GlobalAvgPool Layer avgpool;

  @Dense(units = 10)
  @Output
  Layer fc;
}
