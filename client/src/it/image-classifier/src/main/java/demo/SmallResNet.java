package demo;

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

/** A small ResNet for 28x28 grey pictures; javac generates {@code SmallResNetGraph}. */
@Network(name = "small-resnet", input = @Input(channels = 1, height = 28, width = 28))
public class SmallResNet {
  @Conv(kernel = 3, filters = 8) @BatchNorm @Activation(RELU) Layer stem;
  @Stage(blocks = 1, width = 8) Basic stage1;
  @Stage(blocks = 1, width = 16, stride = 2) Basic stage2;
  @GlobalAvgPool Layer pool;
  @Dense(units = 10) @Output Layer fc;
}
