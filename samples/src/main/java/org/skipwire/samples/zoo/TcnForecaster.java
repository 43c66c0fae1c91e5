package org.skipwire.samples.zoo;

import org.skipwire.Dense;
import org.skipwire.Input;
import org.skipwire.LastStep;
import org.skipwire.Layer;
import org.skipwire.Loss;
import org.skipwire.Network;
import org.skipwire.Output;
import org.skipwire.Stage;

/**
 * A temporal convolutional network (Bai et al. 2018) that predicts the next value of a univariate
 * series from the previous 96: five residual temporal blocks of 32 channels with dilations 1, 2,
 * 4, 8, 16. Each block's causal convolutions see 2 x (3 - 1) x dilation more steps, so the last
 * step's receptive field is 1 + 4 x 31 = 125 steps, which covers the 96 declared; with four blocks
 * (61 steps) the compiler would reject {@code @LastStep}.
 */
@Network(name = "tcn-forecaster", input = @Input(channels = 1, length = 96))
public class TcnForecaster {
  @Stage(blocks = 5, width = 32, dilationGrowth = 2) TemporalBlock tcn;
  @LastStep Layer last;
  @Dense(units = 1) @Output(loss = Loss.MSE) Layer next;
}
