package org.skipwire.samples.weights;

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
import org.skipwire.Transition;

/**
 * A small network with a grouped, a depthwise and a dense-connected part, for the weight-loading
 * fixtures that {@code tools/torch/make_fixtures.py} writes (its PyTorch twin is {@code MixedNet}
 * there).
 */
@Network(name = "weights-mixed", input = @Input(channels = 3, height = 16, width = 16))
public class MixedNet {
  @Conv(kernel = 3, filters = 16)
  @BatchNorm
  @Activation(RELU)
  Layer stem;

  @Stage(blocks = 1, width = 16)
  GroupedBlock grouped;

  @Stage(blocks = 2)
  MixedDenseUnit dense;

  @Transition(compression = 0.5)
  Layer transition;

  @BatchNorm
  @Activation(RELU)
  Layer norm;

  @GlobalAvgPool Layer pool;

  @Dense(units = 5)
  @Output
  Layer fc;
}
