package org.skipwire.runtime.impl;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.BaseGraphVertex;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Runs {@link org.skipwire.runtime.conf.ZeroPadChannelsVertex}: {@code y = concat(x[:, :, ::s,
 * ::s], zeros)} along channels, or {@code concat(x[:, ::s, ::s, :], zeros)} on channels-last
 * arrays.
 */
public class ZeroPadChannelsVertexImpl extends BaseGraphVertex {

  private final int stride;
  private final int padChannels;

  /** The channel axis: 1 channels-first, 3 channels-last; height and width are the other two. */
  private final int channelAxis;

  /** Height and width axes. */
  private final int hAxis;

  private final int wAxis;

  /** A channels-first vertex. */
  public ZeroPadChannelsVertexImpl(
      ComputationGraph graph,
      String name,
      int vertexIndex,
      int stride,
      int padChannels,
      DataType dataType) {
    this(graph, name, vertexIndex, stride, padChannels, CNN2DFormat.NCHW, dataType);
  }

  public ZeroPadChannelsVertexImpl(
      ComputationGraph graph,
      String name,
      int vertexIndex,
      int stride,
      int padChannels,
      CNN2DFormat format,
      DataType dataType) {
    super(graph, name, vertexIndex, null, null, dataType);
    this.stride = stride;
    this.padChannels = padChannels;
    boolean last = format == CNN2DFormat.NHWC;
    this.channelAxis = last ? 3 : 1;
    this.hAxis = last ? 1 : 2;
    this.wAxis = last ? 2 : 3;
  }

  @Override
  public boolean hasLayer() {
    return false;
  }

  @Override
  public Layer getLayer() {
    return null;
  }

  @Override
  public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
    if (!canDoForward()) {
      throw new IllegalStateException(
          "cannot do forward pass of " + vertexName + ": input not set");
    }
    INDArray x = inputs[0];
    requireRank4(x);
    long c = x.size(channelAxis);
    long h = x.size(hAxis);
    long w = x.size(wAxis);
    // A copy: shape() hands out the array's own shape information.
    long[] shape = x.shape().clone();
    shape[channelAxis] = c + padChannels;
    shape[hAxis] = ceilDiv(h, stride);
    shape[wAxis] = ceilDiv(w, stride);
    // Created zero-filled in the activations workspace, so the padded channels need no write and
    // the result outlives this call the way DL4J's own vertices' outputs do.
    INDArray y = workspaceMgr.create(ArrayType.ACTIVATIONS, x.dataType(), shape);
    y.get(channels(c)).assign(x.get(sampled(h, w)));
    return y;
  }

  @Override
  public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
    if (!canDoBackward()) {
      throw new IllegalStateException(
          "cannot do backward pass of " + vertexName + ": input or epsilon not set");
    }
    INDArray x = inputs[0];
    long c = x.size(channelAxis);
    // Positions the stride skipped did not reach the output, so their gradient stays zero.
    INDArray dx = workspaceMgr.create(ArrayType.ACTIVATION_GRAD, epsilon.dataType(), x.shape());
    dx.get(sampled(x.size(hAxis), x.size(wAxis))).assign(epsilon.get(channels(c)));
    return new Pair<>(null, new INDArray[] {dx});
  }

  @Override
  public Pair<INDArray, MaskState> feedForwardMaskArrays(
      INDArray[] maskArrays, MaskState currentMaskState, int minibatchSize) {
    if (maskArrays == null || maskArrays.length == 0 || maskArrays[0] == null) {
      return null;
    }
    INDArray mask = maskArrays[0];
    // A per-example mask ([N, 1] or [N, 1, 1, 1]) is unchanged by subsampling; a spatial mask
    // ([N, 1, H, W], or [N, H, W, 1] channels-last) is subsampled like the activations. Padding
    // adds channels, which masks lack.
    if (stride == 1 || mask.rank() != 4 || (mask.size(hAxis) == 1 && mask.size(wAxis) == 1)) {
      return new Pair<>(mask, currentMaskState);
    }
    return new Pair<>(
        mask.get(sampled(mask.size(hAxis), mask.size(wAxis))).dup(), currentMaskState);
  }

  @Override
  public void setBackpropGradientsViewArray(INDArray backpropGradientsViewArray) {
    if (backpropGradientsViewArray != null) {
      throw new IllegalStateException(vertexName + " has no parameters, so no gradient view");
    }
  }

  @Override
  public String toString() {
    return "ZeroPadChannelsVertexImpl(id="
        + vertexIndex
        + ", name=\""
        + vertexName
        + "\", stride="
        + stride
        + ", padChannels="
        + padChannels
        + (channelAxis == 3 ? ", NHWC" : "")
        + ")";
  }

  /**
   * Index of {@code [:, :, ::stride, ::stride]} (channels-last {@code [:, ::stride, ::stride, :]})
   * on an array of height h and width w.
   */
  private INDArrayIndex[] sampled(long h, long w) {
    INDArrayIndex[] index = all();
    index[hAxis] = NDArrayIndex.interval(0, stride, h);
    index[wAxis] = NDArrayIndex.interval(0, stride, w);
    return index;
  }

  /** Index of {@code [:, :c]} ({@code [..., :c]} channels-last), the channels of the input. */
  private INDArrayIndex[] channels(long c) {
    INDArrayIndex[] index = all();
    index[channelAxis] = NDArrayIndex.interval(0, c);
    return index;
  }

  private static INDArrayIndex[] all() {
    return new INDArrayIndex[] {
      NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all()
    };
  }

  private void requireRank4(INDArray x) {
    if (x.rank() != 4) {
      throw new IllegalStateException(
          vertexName
              + ": ZeroPadChannelsVertex needs rank-4 "
              + (channelAxis == 3 ? "NHWC" : "NCHW")
              + " input, got shape "
              + java.util.Arrays.toString(x.shape()));
    }
  }

  private static long ceilDiv(long size, long stride) {
    return (size + stride - 1) / stride;
  }
}
