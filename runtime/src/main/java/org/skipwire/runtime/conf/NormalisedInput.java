package org.skipwire.runtime.conf;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;

/**
 * The input types {@link LayerNormalization} and {@link GroupNormalization} take as they come:
 * flat, NCW sequence and NCHW map activations, normalised per example without a preprocessor.
 */
final class NormalisedInput {
  private NormalisedInput() {}

  /**
   * The channels (features per position) of {@code inputType}.
   *
   * @param layer the layer's kind and name for the message, e.g. {@code "group norm gn"}
   * @throws IllegalStateException for any other input type or format
   */
  static long channels(InputType inputType, String layer) {
    if (inputType instanceof InputType.InputTypeFeedForward f) {
      return f.getSize();
    }
    if (inputType instanceof InputType.InputTypeRecurrent r && r.getFormat() == RNNFormat.NCW) {
      return r.getSize();
    }
    if (inputType instanceof InputType.InputTypeConvolutional c
        && c.getFormat() == CNN2DFormat.NCHW) {
      return c.getChannels();
    }
    throw new IllegalStateException(
        layer + " needs flat, NCW sequence or NCHW input, got " + inputType);
  }
}
