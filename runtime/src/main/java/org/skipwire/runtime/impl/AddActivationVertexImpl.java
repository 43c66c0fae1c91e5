package org.skipwire.runtime.impl;

import java.util.Arrays;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.BaseGraphVertex;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.AddOp;
import org.nd4j.linalg.factory.Nd4j;
import org.skipwire.runtime.ActivationFusion;
import org.skipwire.runtime.FastPaths;

/** Runs {@link org.skipwire.runtime.conf.AddActivationVertex}: {@code y = f(x1 + x2 + ...)}. */
public class AddActivationVertexImpl extends BaseGraphVertex {

  private final IActivation activation;
  private final boolean relu;
  private INDArray output;

  public AddActivationVertexImpl(
      ComputationGraph graph, String name, int vertexIndex, IActivation activation, DataType type) {
    super(graph, name, vertexIndex, null, null, type);
    this.activation = activation;
    this.relu = ActivationFusion.isPlainRelu(activation);
  }

  @Override
  public boolean hasLayer() {
    return false;
  }

  @Override
  public Layer getLayer() {
    return null;
  }

  /** x1 + x2 + ... into a new array of the given kind, one pass for the first two inputs. */
  private INDArray sum(ArrayType kind, LayerWorkspaceMgr workspaceMgr) {
    INDArray first = inputs[0];
    for (INDArray in : inputs) {
      if (!Arrays.equals(in.shape(), first.shape())) {
        throw new IllegalStateException(
            vertexName
                + " adds inputs of one shape, got "
                + Arrays.toString(first.shape())
                + " and "
                + Arrays.toString(in.shape()));
      }
    }
    INDArray sum = workspaceMgr.createUninitialized(kind, first.dataType(), first.shape(), 'c');
    Nd4j.exec(new AddOp(first, inputs[1], sum));
    for (int i = 2; i < inputs.length; i++) {
      sum.addi(inputs[i]);
    }
    return sum;
  }

  @Override
  public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
    if (!canDoForward()) {
      throw new IllegalStateException(
          "cannot do forward pass of " + vertexName + ": inputs not set");
    }
    INDArray out;
    if (relu && inputs.length == 2 && Arrays.equals(inputs[0].shape(), inputs[1].shape())) {
      // relu(a + b) in one pass where a fast path has the kernel.
      out =
          workspaceMgr.createUninitialized(
              ArrayType.ACTIVATIONS, inputs[0].dataType(), inputs[0].shape(), 'c');
      FastPaths.addRelu(inputs[0], inputs[1], out);
    } else {
      // IActivation.getActivation works in place on the array it is given.
      out = activation.getActivation(sum(ArrayType.ACTIVATIONS, workspaceMgr), training);
    }
    // A ReLU's backprop needs only where its output is positive: kept (DL4J keeps every training
    // activation in one workspace until backprop is done) instead of recomputing the sum.
    output = training && relu ? out : null;
    return out;
  }

  @Override
  public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
    if (!canDoBackward()) {
      throw new IllegalStateException(
          "cannot do backward pass of " + vertexName + ": inputs or epsilon not set");
    }
    // A ReLU masks the gradient by its kept output; other activations recompute the
    // pre-activation sum, which their backprop overwrites with dL/dsum. Every input receives it.
    INDArray delta;
    if (output != null) {
      delta =
          workspaceMgr.createUninitialized(
              ArrayType.ACTIVATION_GRAD, epsilon.dataType(), epsilon.shape(), 'c');
      FastPaths.reluBackward(output, epsilon, delta);
    } else {
      delta = activation.backprop(sum(ArrayType.ACTIVATION_GRAD, workspaceMgr), epsilon).getFirst();
    }
    INDArray[] out = new INDArray[inputs.length];
    // Some activations return an array of their own (ReLU's from the working memory): moved to
    // the gradients' workspace if so.
    out[0] = workspaceMgr.leverageTo(ArrayType.ACTIVATION_GRAD, delta);
    for (int i = 1; i < out.length; i++) {
      out[i] = workspaceMgr.dup(ArrayType.ACTIVATION_GRAD, delta);
    }
    return new Pair<>(null, out);
  }

  @Override
  public Pair<INDArray, MaskState> feedForwardMaskArrays(
      INDArray[] maskArrays, MaskState currentMaskState, int minibatchSize) {
    // As DL4J's ElementWiseVertex: the inputs' masks must agree, so the first one stands.
    if (maskArrays == null || maskArrays.length == 0) {
      return null;
    }
    return new Pair<>(maskArrays[0], currentMaskState);
  }

  @Override
  public void clear() {
    super.clear();
    output = null;
  }

  @Override
  public void setBackpropGradientsViewArray(INDArray backpropGradientsViewArray) {
    if (backpropGradientsViewArray != null) {
      throw new IllegalStateException(vertexName + " has no parameters, so no gradient view");
    }
  }

  @Override
  public String toString() {
    return "AddActivationVertexImpl(id="
        + vertexIndex
        + ", name=\""
        + vertexName
        + "\", activation="
        + activation
        + ")";
  }
}
