package org.skipwire.samples.zoo;

import static org.skipwire.Layer.VARIANT;
import static org.skipwire.Nonlinearity.RELU;

import org.skipwire.Activation;
import org.skipwire.BatchNorm;
import org.skipwire.Conv;
import org.skipwire.Dense;
import org.skipwire.GlobalAvgPool;
import org.skipwire.Input;
import org.skipwire.Layer;
import org.skipwire.MaxPool;
import org.skipwire.Network;
import org.skipwire.Output;
import org.skipwire.Stage;
import org.skipwire.Variant;

/**
 * The ImageNet ResNets of bottleneck blocks (He et al. 2015), torchvision's {@code
 * _resnet(Bottleneck, layers)}: resnet50 has 25,557,032 parameters, resnet101 44,549,160, resnet152
 * 60,192,808.
 */
@Network(input = @Input(channels = 3, height = 224, width = 224))
@Variant(
    name = "resnet50",
    className = "ResNet50",
    blocks = {3, 4, 6, 3})
@Variant(
    name = "resnet101",
    className = "ResNet101",
    blocks = {3, 4, 23, 3})
@Variant(
    name = "resnet152",
    className = "ResNet152",
    blocks = {3, 8, 36, 3})
public class BottleneckResNet {
  @Conv(kernel = 7, stride = 2, filters = 64)
  @BatchNorm
  @Activation(RELU)
  Layer stem;

  @MaxPool(kernel = 3, stride = 2)
  Layer pool;

  @Stage(blocks = VARIANT, width = 64)
  Bottleneck conv2;

  @Stage(blocks = VARIANT, width = 128, stride = 2)
  Bottleneck conv3;

  @Stage(blocks = VARIANT, width = 256, stride = 2)
  Bottleneck conv4;

  @Stage(blocks = VARIANT, width = 512, stride = 2)
  Bottleneck conv5;

  @GlobalAvgPool Layer avgpool;

  @Dense(units = 1000)
  @Output
  Layer fc;
}
