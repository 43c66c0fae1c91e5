package org.skipwire.samples.zoo;

import static org.skipwire.Layer.DEPTHWISE;
import static org.skipwire.Layer.STAGE;
import static org.skipwire.Nonlinearity.IDENTITY;
import static org.skipwire.Nonlinearity.RELU6;
import static org.skipwire.ShortcutKind.IDENTITY_OR_NONE;

import org.skipwire.Activation;
import org.skipwire.BatchNorm;
import org.skipwire.Conv;
import org.skipwire.Layer;
import org.skipwire.ResidualBlock;
import org.skipwire.Shortcut;

/**
 * MobileNetV2's inverted residual with expansion t = 1: no expanding convolution, a depthwise 3x3
 * and a linear 1x1 projection. The fields are torchvision's {@code conv.0} and {@code conv.1} (its
 * {@code .bn} is {@code conv.2}).
 */
@ResidualBlock(activation = IDENTITY)
@Shortcut(IDENTITY_OR_NONE)
public class DepthwiseSeparable {
  @Conv(kernel = 3, stride = STAGE, groups = DEPTHWISE)
  @BatchNorm
  @Activation(RELU6)
  Layer conv0;

  @Conv(kernel = 1)
  @BatchNorm
  Layer conv1;
}
