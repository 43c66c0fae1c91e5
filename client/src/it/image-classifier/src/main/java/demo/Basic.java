package demo;

import static org.skipwire.Layer.STAGE;
import static org.skipwire.Nonlinearity.RELU;

import org.skipwire.Activation;
import org.skipwire.BatchNorm;
import org.skipwire.Conv;
import org.skipwire.Layer;
import org.skipwire.ResidualBlock;

/** relu(F(x) + shortcut(x)); a projection shortcut where the shape changes. */
@ResidualBlock
public class Basic {
  @Conv(kernel = 3, stride = STAGE) @BatchNorm @Activation(RELU) Layer conv1;
  @Conv(kernel = 3) @BatchNorm Layer conv2;
}
