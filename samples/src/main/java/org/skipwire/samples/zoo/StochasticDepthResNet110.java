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
import org.skipwire.StochasticDepth;

/**
 * ResNet-110 for CIFAR-10 with stochastic depth (Huang et al. 2016): block l of the 54 keeps its
 * branch with probability 1 - l/54 * 0.5 in training; zero-padded shortcuts as in the paper.
 */
@StochasticDepth(finalSurvival = 0.5)
@Network(name = "stochastic-depth-resnet110", input = @Input(channels = 3, height = 32, width = 32))
public class StochasticDepthResNet110 {
  @Conv(kernel = 3, filters = 16)
  @BatchNorm
  @Activation(RELU)
  Layer stem;

  @Stage(blocks = 18, width = 16)
  @Shortcut(ZERO_PAD)
  BasicBlock stage1;

  @Stage(blocks = 18, width = 32, stride = 2)
  @Shortcut(ZERO_PAD)
  BasicBlock stage2;

  @Stage(blocks = 18, width = 64, stride = 2)
  @Shortcut(ZERO_PAD)
  BasicBlock stage3;

  @GlobalAvgPool Layer avgpool;

  @Dense(units = 10)
  @Output
  Layer fc;
}
