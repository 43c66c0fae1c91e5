package org.skipwire.spark;

import static org.skipwire.Layer.STAGE;
import static org.skipwire.Nonlinearity.RELU;

import org.skipwire.Activation;
import org.skipwire.BatchNorm;
import org.skipwire.Conv;
import org.skipwire.Dense;
import org.skipwire.GlobalAvgPool;
import org.skipwire.HighwayGate;
import org.skipwire.Input;
import org.skipwire.Layer;
import org.skipwire.Network;
import org.skipwire.Output;
import org.skipwire.ResidualBlock;
import org.skipwire.Stage;
import org.skipwire.StochasticDepth;

/**
 * skipwire's own components on the executors: a convolutional highway gate ({@code
 * HighwayGateVertex}) and residual blocks with drop-path ({@code DropPathVertex}).
 */
@StochasticDepth(finalSurvival = 0.5)
@Network(name = "spark-tiny-highway", input = @Input(channels = 1, height = 28, width = 28))
public class TinyHighwayDropPath {
  @Conv(kernel = 3, stride = 2, filters = 8)
  @BatchNorm
  @Activation(RELU)
  Layer stem;

  @Stage(blocks = 1)
  Highway highway;

  @Stage(blocks = 2, width = 8)
  Block residual;

  @GlobalAvgPool Layer avgpool;

  @Dense(units = 10)
  @Output
  Layer out;

  /** y = H(x) T(x) + x (1 - T(x)) on feature maps. */
  @HighwayGate(gateBias = -1.0, gateKernel = 3)
  public static class Highway {
    @Conv(kernel = 3)
    @BatchNorm
    @Activation(RELU)
    Layer transform;
  }

  /** A basic block; {@code @StochasticDepth} drops its branch at random while training. */
  @ResidualBlock
  public static class Block {
    @Conv(kernel = 3, stride = STAGE)
    @BatchNorm
    @Activation(RELU)
    Layer conv1;

    @Conv(kernel = 3)
    @BatchNorm
    Layer conv2;
  }
}
