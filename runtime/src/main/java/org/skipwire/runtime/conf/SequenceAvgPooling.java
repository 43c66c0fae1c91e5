package org.skipwire.runtime.conf;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;

/**
 * DL4J's global average pooling over the time steps of an NCW sequence {@code [N, C, T]}, which
 * also tells DL4J's shape inference what it outputs: {@code [N, C]}, a flat vector.
 *
 * <p>DL4J 1.0.0-M2.1's {@code GlobalPoolingLayer} outputs {@code [N, C]} for a sequence but reports
 * the type {@code recurrent(C)}. A dense layer after it gets an automatic {@code
 * RnnToFeedForwardPreProcessor} that hides the mistake; a dropout (or activation) layer after it
 * does not, and the first training step fails ({@code MULTIPLY OP: the shapes of x [2,16,1] and y
 * [2,16]}: the gradient comes back as a sequence of one step). With the right type no preprocessor
 * is added anywhere. The layer itself, its forward and backward pass, are DL4J's.
 */
public class SequenceAvgPooling extends GlobalPoolingLayer {

  /** Average pooling; also for JSON. */
  public SequenceAvgPooling() {
    super(PoolingType.AVG);
  }

  @Override
  public InputType getOutputType(int layerIndex, InputType inputType) {
    if (inputType instanceof InputType.InputTypeRecurrent r && isCollapseDimensions()) {
      return InputType.feedForward(r.getSize());
    }
    return super.getOutputType(layerIndex, inputType);
  }

  @Override
  public SequenceAvgPooling clone() {
    return (SequenceAvgPooling) super.clone();
  }
}
