package org.skipwire.samples.zoo;

import static org.skipwire.Nonlinearity.RELU;

import org.skipwire.Activation;
import org.skipwire.Dense;
import org.skipwire.DenseConnect;
import org.skipwire.Layer;

/**
 * A densely connected fully connected unit: ReLU, then a layer of 32 features appended to its
 * input, {@code concat(x, W relu(x) + b)} (DenseNet's pre-activation order).
 */
@DenseConnect(growthRate = 32)
public class MlpDenseUnit {
  @Activation(RELU)
  @Dense(width = 1)
  Layer fc;
}
