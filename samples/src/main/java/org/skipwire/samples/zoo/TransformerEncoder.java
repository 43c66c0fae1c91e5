package org.skipwire.samples.zoo;

import org.skipwire.Dense;
import org.skipwire.GlobalAvgPool;
import org.skipwire.Input;
import org.skipwire.Layer;
import org.skipwire.LayerNorm;
import org.skipwire.Network;
import org.skipwire.Output;
import org.skipwire.PositionEmbedding;
import org.skipwire.Stage;

/**
 * A pre-norm transformer encoder (Vaswani et al. 2017, with the pre-norm placement of Xiong et al.
 * 2020) for sequence classification: 4 layers, d_model 128, 4 heads, feed-forward 512. Declared for
 * Fashion-MNIST read as a sequence of 28 rows of 28 pixels, so {@code train --model
 * transformer-encoder} runs on the data that ships with skipwire.
 */
@Network(name = "transformer-encoder", input = @Input(channels = 28, length = 28))
public class TransformerEncoder {
  @Dense(units = 128)
  Layer embed; // each row's 28 pixels -> 128 features

  @PositionEmbedding Layer position; // learned, one vector per row

  @Stage(blocks = 4, width = 128)
  EncoderLayer encoder;

  @LayerNorm Layer norm;
  @GlobalAvgPool Layer pool; // mean over the 28 steps

  @Dense(units = 10)
  @Output
  Layer classifier;
}
