package org.skipwire.samples.zoo;

import static org.skipwire.Nonlinearity.RELU6;

import org.skipwire.Activation;
import org.skipwire.BatchNorm;
import org.skipwire.Conv;
import org.skipwire.Dense;
import org.skipwire.Dropout;
import org.skipwire.GlobalAvgPool;
import org.skipwire.Input;
import org.skipwire.Layer;
import org.skipwire.Network;
import org.skipwire.Output;
import org.skipwire.Stage;

/**
 * MobileNetV2 (Sandler et al. 2018) for ImageNet, torchvision's {@code mobilenet_v2}: 3,504,872
 * parameters. Its table of (t, c, n, s) is the stages below. Names follow torchvision's {@code
 * features.N}: a stage field {@code featuresN} holds torchvision's blocks N, N + 1, ..., so {@code
 * features4.b2.conv1} is {@code features.6.conv.1}; {@code features0} and {@code features18} are
 * the first and last convolutions and {@code classifier} is {@code classifier.1}.
 */
@Network(name = "mobilenet-v2", input = @Input(channels = 3, height = 224, width = 224))
public class MobileNetV2 {
  @Conv(kernel = 3, stride = 2, filters = 32)
  @BatchNorm
  @Activation(RELU6)
  Layer features0;

  @Stage(blocks = 1, width = 16)
  DepthwiseSeparable features1;

  @Stage(blocks = 2, width = 24, stride = 2)
  InvertedResidual features2;

  @Stage(blocks = 3, width = 32, stride = 2)
  InvertedResidual features4;

  @Stage(blocks = 4, width = 64, stride = 2)
  InvertedResidual features7;

  @Stage(blocks = 3, width = 96)
  InvertedResidual features11;

  @Stage(blocks = 3, width = 160, stride = 2)
  InvertedResidual features14;

  @Stage(blocks = 1, width = 320)
  InvertedResidual features17;

  @Conv(kernel = 1, filters = 1280)
  @BatchNorm
  @Activation(RELU6)
  Layer features18;

  @GlobalAvgPool
  @Dropout(0.2)
  Layer avgpool;

  @Dense(units = 1000)
  @Output
  Layer classifier;
}
