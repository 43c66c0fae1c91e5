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
 * PyramidNet-110 with alpha = 48 for CIFAR-10 (Han et al. 2017): 54 basic pyramidal blocks whose
 * width grows by 48/54 a block, from 16 to 64 channels, rounded as the official code rounds. The
 * official shortcut averages 2x2 windows where it down-samples; this one takes every other pixel.
 * Neither has parameters.
 */
@Network(name = "pyramidnet-110-a48", input = @Input(channels = 3, height = 32, width = 32))
public class PyramidNet110 {
  @Conv(kernel = 3, filters = 16)
  @BatchNorm
  Layer stem;

  @Stage(blocks = 18, width = 16, widen = 16)
  PyramidBlock stage1;

  @Stage(blocks = 18, width = 32, widen = 16, stride = 2)
  PyramidBlock stage2;

  @Stage(blocks = 18, width = 48, widen = 16, stride = 2)
  PyramidBlock stage3;

  @BatchNorm
  @Activation(RELU)
  Layer post;

  @GlobalAvgPool Layer avgpool;

  @Dense(units = 10)
  @Output
  Layer fc;
}
