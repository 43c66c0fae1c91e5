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
import org.skipwire.Transition;
import org.skipwire.Variant;

/**
 * The ImageNet DenseNets (Huang et al. 2017), k = 32, theta = 0.5, torchvision's {@code
 * DenseNet(32, block_config, 64)}: densenet121 has 7,978,856 parameters, densenet169 14,149,480,
 * densenet201 20,013,928, densenet264 ({@code (6, 12, 64, 48)}) 33,337,704.
 */
@Network(input = @Input(channels = 3, height = 224, width = 224))
@Variant(
    name = "densenet121",
    className = "DenseNet121",
    blocks = {6, 12, 24, 16})
@Variant(
    name = "densenet169",
    className = "DenseNet169",
    blocks = {6, 12, 32, 32})
@Variant(
    name = "densenet201",
    className = "DenseNet201",
    blocks = {6, 12, 48, 32})
@Variant(
    name = "densenet264",
    className = "DenseNet264",
    blocks = {6, 12, 64, 48})
public class DenseNet {
  @Conv(kernel = 7, stride = 2, filters = 64)
  @BatchNorm
  @Activation(RELU)
  Layer stem;

  @MaxPool(kernel = 3, stride = 2)
  Layer pool;

  @Stage(blocks = VARIANT)
  DenseUnit block1;

  @Transition(compression = 0.5)
  Layer transition1;

  @Stage(blocks = VARIANT)
  DenseUnit block2;

  @Transition(compression = 0.5)
  Layer transition2;

  @Stage(blocks = VARIANT)
  DenseUnit block3;

  @Transition(compression = 0.5)
  Layer transition3;

  @Stage(blocks = VARIANT)
  DenseUnit block4;

  @BatchNorm
  @Activation(RELU)
  Layer norm5;

  @GlobalAvgPool Layer avgpool;

  @Dense(units = 1000)
  @Output
  Layer classifier;
}
