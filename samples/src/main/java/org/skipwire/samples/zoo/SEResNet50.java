package org.skipwire.samples.zoo;

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

/** SE-ResNet-50 for ImageNet; the reference has 28,088,024 trainable parameters. */
@Network(name = "se-resnet50", input = @Input(channels = 3, height = 224, width = 224))
public class SEResNet50 {
  @Conv(kernel = 7, stride = 2, filters = 64)
  @BatchNorm
  @Activation(RELU)
  Layer stem;

  @MaxPool(kernel = 3, stride = 2)
  Layer pool;

  @Stage(blocks = 3, width = 64)
  SEBottleneck conv2;

  @Stage(blocks = 4, width = 128, stride = 2)
  SEBottleneck conv3;

  @Stage(blocks = 6, width = 256, stride = 2)
  SEBottleneck conv4;

  @Stage(blocks = 3, width = 512, stride = 2)
  SEBottleneck conv5;

  @GlobalAvgPool Layer avgpool;

  @Dense(units = 1000)
  @Output
  Layer fc;
}
