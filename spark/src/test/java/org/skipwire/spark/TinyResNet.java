package org.skipwire.spark;

import static org.skipwire.Layer.STAGE;
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
import org.skipwire.ResidualBlock;
import org.skipwire.Stage;

/** A residual network small enough to train on Spark in a test: two basic blocks, 8 and 16 wide. */
@Network(name = "spark-tiny-resnet", input = @Input(channels = 1, height = 28, width = 28))
public class TinyResNet {
  @Conv(kernel = 3, stride = 2, filters = 8)
  @BatchNorm
  @Activation(RELU)
  Layer stem;

  @Stage(blocks = 1, width = 8)
  Block stage1;

  @Stage(blocks = 1, width = 16, stride = 2)
  Block stage2;

  @GlobalAvgPool Layer avgpool;

  @Dense(units = 10)
  @Output
  Layer out;

  /** The basic block, with a projection where stage2 halves the map. */
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
