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
 * The ImageNet ResNets of basic blocks (He et al. 2015), torchvision's {@code _resnet(BasicBlock,
 * layers)}: resnet18 has 11,689,512 parameters, resnet34 21,797,672.
 */
@Network(input = @Input(channels = 3, height = 224, width = 224))
@Variant(
    name = "resnet18",
    className = "ResNet18",
    blocks = {2, 2, 2, 2})
@Variant(
    name = "resnet34",
    className = "ResNet34",
    blocks = {3, 4, 6, 3})
public class BasicResNet {
  @Conv(kernel = 7, stride = 2, filters = 64)
  @BatchNorm
  @Activation(RELU)
  Layer stem;

  @MaxPool(kernel = 3, stride = 2)
  Layer pool;

  @Stage(blocks = VARIANT, width = 64)
  BasicBlock conv2;

  @Stage(blocks = VARIANT, width = 128, stride = 2)
  BasicBlock conv3;

  @Stage(blocks = VARIANT, width = 256, stride = 2)
  BasicBlock conv4;

  @Stage(blocks = VARIANT, width = 512, stride = 2)
  BasicBlock conv5;

  @GlobalAvgPool Layer avgpool;

  @Dense(units = 1000)
  @Output
  Layer fc;
}
