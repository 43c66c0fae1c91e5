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
 * series from the previous 96. Five residual temporal blocks of 32 channels with dilations 1, 2, 4,
 * 8, 16 see 1 + 4 x 31 = 125 steps back from the last one, which covers the 96 declared (with four
 * blocks, 61 steps, the compiler would reject {@code @LastStep}). The whole stack sits in one more
 * residual block, {@link ChangeForecast}, so the network forecasts the change from the last value:
 * at initialisation it is close to the naive last-value forecast it is measured against.
 */
@Network(name = "tcn-forecaster", input = @Input(channels = 1, length = 96))
public class TcnForecaster {
  @Stage(blocks = 1, width = 32)
  ChangeForecast forecast; // x + F(x), per step

  @LastStep Layer last;

  @Dense(units = 1)
  @Output(loss = Loss.MSE)
  Layer next;
}
