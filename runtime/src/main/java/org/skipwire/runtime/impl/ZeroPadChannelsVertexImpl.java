package org.skipwire.runtime.impl;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.MaskState;
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
 * ::s], zeros)} along channels.
 */
public class ZeroPadChannelsVertexImpl extends BaseGraphVertex {

  private final int stride;
  private final int padChannels;

  public ZeroPadChannelsVertexImpl(
      ComputationGraph graph,
      String name,
      int vertexIndex,
      int stride,
      int padChannels,
      DataType dataType) {
    super(graph, name, vertexIndex, null, null, dataType);
    this.stride = stride;
    this.padChannels = padChannels;
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
    requireNchw(x);
    long n = x.size(0);
    long c = x.size(1);
    long h = x.size(2);
    long w = x.size(3);
    // Created zero-filled in the activations workspace, so the padded channels need no write and
    // the result outlives this call the way DL4J's own vertices' outputs do.
    INDArray y =
        workspaceMgr.create(
            ArrayType.ACTIVATIONS,
            x.dataType(),
            n,
            c + padChannels,
            ceilDiv(h, stride),
            ceilDiv(w, stride));
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
    long c = x.size(1);
    // Positions the stride skipped did not reach the output, so their gradient stays zero.
    INDArray dx = workspaceMgr.create(ArrayType.ACTIVATION_GRAD, epsilon.dataType(), x.shape());
    dx.get(sampled(x.size(2), x.size(3))).assign(epsilon.get(channels(c)));
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
    // [N, 1, H, W] is subsampled like the activations. Padding adds channels, which masks lack.
    if (stride == 1 || mask.rank() != 4 || (mask.size(2) == 1 && mask.size(3) == 1)) {
      return new Pair<>(mask, currentMaskState);
    }
    return new Pair<>(mask.get(sampled(mask.size(2), mask.size(3))).dup(), currentMaskState);
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
        + ")";
  }

  /** Index of {@code [:, :, ::stride, ::stride]} on an array of height h and width w. */
  private INDArrayIndex[] sampled(long h, long w) {
    return new INDArrayIndex[] {
      NDArrayIndex.all(),
      NDArrayIndex.all(),
      NDArrayIndex.interval(0, stride, h),
      NDArrayIndex.interval(0, stride, w)
    };
  }

  /** Index of {@code [:, :c]}, the channels that carry the input. */
  private static INDArrayIndex[] channels(long c) {
    return new INDArrayIndex[] {
      NDArrayIndex.all(), NDArrayIndex.interval(0, c), NDArrayIndex.all(), NDArrayIndex.all()
    };
  }

  private void requireNchw(INDArray x) {
    if (x.rank() != 4) {
      throw new IllegalStateException(
          vertexName
              + ": ZeroPadChannelsVertex needs rank-4 NCHW input, got shape "
              + java.util.Arrays.toString(x.shape()));
    }
  }

  private static long ceilDiv(long size, long stride) {
    return (size + stride - 1) / stride;
  }
}
