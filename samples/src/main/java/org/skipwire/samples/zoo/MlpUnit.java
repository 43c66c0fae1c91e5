package org.skipwire.samples.zoo;

import org.skipwire.Dense;
import org.skipwire.Layer;
import org.skipwire.ResidualBlock;

/**
 * One fully connected layer as a residual unit, {@code relu(W x + b + x)}; with
 * {@code @Shortcut(NONE)} on the stage, the plain layer {@code relu(W x + b)}.
 */
@ResidualBlock
public class MlpUnit {
  @Dense(width = 1)
  Layer fc;
}
