package org.skipwire.runtime.conf;

import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Turns a channels-first image batch {@code [N, C, H, W]} into the channels-last {@code [N, H, W,
 * C]} that the layer after it reads, and that layer's gradient back: the one transposition at the
 * door of a graph that {@link org.skipwire.runtime.ChannelsLast} runs channels-last inside, so that
 * callers keep feeding the NCHW batches every skipwire data source produces. Dense, C-order copies
 * both ways (oneDNN reads them without a further copy).
 */
public final class ChannelsLastPreProcessor implements InputPreProcessor {
  private static final long serialVersionUID = 1L;

  @Override
  public INDArray preProcess(INDArray input, int miniBatchSize, LayerWorkspaceMgr workspaceMgr) {
    requireRank4(input, "input");
    return workspaceMgr.dup(ArrayType.ACTIVATIONS, input.permute(0, 2, 3, 1), 'c');
  }

  @Override
  public INDArray backprop(INDArray output, int miniBatchSize, LayerWorkspaceMgr workspaceMgr) {
    requireRank4(output, "gradient");
    return workspaceMgr.dup(ArrayType.ACTIVATION_GRAD, output.permute(0, 3, 1, 2), 'c');
  }

  @Override
  public ChannelsLastPreProcessor clone() {
    return new ChannelsLastPreProcessor();
  }

  @Override
  public InputType getOutputType(InputType inputType) {
    if (!(inputType instanceof InputType.InputTypeConvolutional c)
        || c.getFormat() != CNN2DFormat.NCHW) {
      throw new IllegalStateException(
          "ChannelsLastPreProcessor reads channels-first images (NCHW), not " + inputType);
    }
    return InputType.convolutional(c.getHeight(), c.getWidth(), c.getChannels(), CNN2DFormat.NHWC);
  }

  @Override
  public Pair<INDArray, MaskState> feedForwardMaskArray(
      INDArray maskArray, MaskState currentMaskState, int minibatchSize) {
    return new Pair<>(maskArray, currentMaskState);
  }

  private static void requireRank4(INDArray a, String what) {
    if (a.rank() != 4) {
      throw new IllegalStateException(
          "ChannelsLastPreProcessor: the "
              + what
              + " must be a batch of images [N, C, H, W], got shape "
              + java.util.Arrays.toString(a.shape()));
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ChannelsLastPreProcessor;
  }

  @Override
  public int hashCode() {
    return ChannelsLastPreProcessor.class.hashCode();
  }

  @Override
  public String toString() {
    return "ChannelsLastPreProcessor()";
  }
}
