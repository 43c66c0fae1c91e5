package org.skipwire.samples.zoo;

import org.skipwire.Sequential;
import org.skipwire.Stage;

/** One transformer layer: x + Attn(LN(x)), then x + FFN(LN(x)). */
@Sequential
public class EncoderLayer {
  @Stage(blocks = 1)
  AttentionSublayer attention;

  @Stage(blocks = 1)
  FeedForwardSublayer feedForward;
}
