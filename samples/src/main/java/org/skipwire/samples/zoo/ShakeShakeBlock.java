package org.skipwire.samples.zoo;

import static org.skipwire.Layer.STAGE;
import static org.skipwire.Nonlinearity.RELU;

import org.skipwire.Activation;
import org.skipwire.BatchNorm;
import org.skipwire.Conv;
import org.skipwire.Layer;
import org.skipwire.ShakeShake;

/** The Shake-Shake block (Gastaldi 2017): two ReLU-conv-BN-ReLU-conv-BN branches, shaken. */
@ShakeShake
public class ShakeShakeBlock {
  @Activation(RELU)
  @Conv(kernel = 3, stride = STAGE)
  @BatchNorm
  Layer conv1;

  @Activation(RELU)
  @Conv(kernel = 3)
  @BatchNorm
  Layer conv2;
}
