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
import org.skipwire.Transition;

/** DenseNet-201 (Huang et al. 2017), k = 32, theta = 0.5; torchvision's densenet201 has 20,013,928 parameters. */
@Network(name = "densenet201", input = @Input(channels = 3, height = 224, width = 224))
public class DenseNet201 {
  @Conv(kernel = 7, stride = 2, filters = 64) @BatchNorm @Activation(RELU) Layer stem;
  @MaxPool(kernel = 3, stride = 2) Layer pool;
  @Stage(blocks = 6) DenseUnit block1;
  @Transition(compression = 0.5) Layer transition1;
  @Stage(blocks = 12) DenseUnit block2;
  @Transition(compression = 0.5) Layer transition2;
  @Stage(blocks = 48) DenseUnit block3;
  @Transition(compression = 0.5) Layer transition3;
  @Stage(blocks = 32) DenseUnit block4;
  @BatchNorm @Activation(RELU) Layer norm5;
  @GlobalAvgPool Layer avgpool;
  @Dense(units = 1000) @Output Layer classifier;
}
