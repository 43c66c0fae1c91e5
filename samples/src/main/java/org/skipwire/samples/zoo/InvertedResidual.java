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
 * MobileNetV2's inverted residual with expansion t = 6 (Sandler et al. 2018): a 1x1 convolution to
 * 6 times the block's input channels, a depthwise 3x3, and a linear 1x1 projection to the stage
 * width, with nothing after the sum. The input is added only where the shape is kept. The fields
 * are torchvision's {@code conv.0}, {@code conv.1} and {@code conv.2} (its {@code .bn} is {@code
 * conv.3}).
 */
@ResidualBlock(activation = IDENTITY)
@Shortcut(IDENTITY_OR_NONE)
public class InvertedResidual {
  @Conv(kernel = 1, expansion = 6)
  @BatchNorm
  @Activation(RELU6)
  Layer conv0;

  @Conv(kernel = 3, stride = STAGE, groups = DEPTHWISE)
  @BatchNorm
  @Activation(RELU6)
  Layer conv1;

  @Conv(kernel = 1)
  @BatchNorm
  Layer conv2;
}
