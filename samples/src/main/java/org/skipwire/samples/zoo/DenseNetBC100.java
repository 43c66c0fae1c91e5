package org.skipwire.samples.zoo;

import static org.skipwire.Nonlinearity.RELU;

import org.skipwire.Activation;
import org.skipwire.BatchNorm;
import org.skipwire.Conv;
import org.skipwire.Dense;
import org.skipwire.GlobalAvgPool;
import org.skipwire.Input;
import org.skipwire.Layer;
import org.skipwire.Network;
import org.skipwire.Output;
import org.skipwire.Stage;
import org.skipwire.Transition;

/**
 * DenseNet-BC with L = 100 and k = 12 for CIFAR-10 (Huang et al. 2017, section 3): a 3x3 conv to 2k
 * channels, three dense blocks of (L - 4) / 6 = 16 bottleneck units with transitions of compression
 * 0.5 between them, then BN-ReLU, global pooling and a 10-way classifier.
 */
@Network(name = "densenet-bc-100-12", input = @Input(channels = 3, height = 32, width = 32))
public class DenseNetBC100 {
  @Conv(kernel = 3, filters = 24)
  Layer stem;

  @Stage(blocks = 16, width = 12)
  DenseUnit block1;

  @Transition(compression = 0.5)
  Layer transition1;

  @Stage(blocks = 16, width = 12)
  DenseUnit block2;

  @Transition(compression = 0.5)
  Layer transition2;

  @Stage(blocks = 16, width = 12)
  DenseUnit block3;

  @BatchNorm
  @Activation(RELU)
  Layer norm;

  @GlobalAvgPool Layer avgpool;

  @Dense(units = 10)
  @Output
  Layer classifier;
}
