package org.skipwire.runtime.onednn;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.ActivationLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinearDerivative;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The run-time stand-in for a DL4J ReLU {@code ActivationLayer} that alone reads a batch norm or a
 * residual sum; {@link OneDnnLayers#install} puts it in place of DL4J's layer object, the
 * configuration (and so the JSON, the parameters and the checkpoints) stays DL4J's.
 *
 * <p>Why: DL4J's activation layer copies its input before the ReLU in training, to keep it for
 * backprop, and in backprop copies it again, runs {@code relu_bp} into a third array and moves that
 * into its workspace. Where no other vertex reads the input, and the vertex that made it does not
 * need it for its own backprop (a batch norm keeps its input and statistics, a sum nothing), the
 * ReLU can run in place, and its backprop can mask the gradient by the output ({@code relu(x) > 0}
 * exactly where {@code x > 0}) straight into the gradient array: one pass each way, the backward
 * one on oneDNN ({@link OneDnnRelu}).
 *
 * <p>In inference it does what DL4J's layer does: its input moved into this layer's workspace (a
 * copy where the vertex before it has its own) and the ReLU in place.
 *
 * <p>After a batch norm that applies this ReLU itself ({@link OneDnnBatchNormHelper#fuseRelu()}:
 * channels-last training, inference in both layouts), it passes the batch norm's output and its own
 * gradient through unchanged, for every pass in which the batch norm did fuse; otherwise it is the
 * ReLU above.
 */
public final class InPlaceReluLayer extends ActivationLayer {
  private final OneDnnBatchNormHelper fusedInto;

  InPlaceReluLayer(
      NeuralNetConfiguration conf, DataType dataType, OneDnnBatchNormHelper fusedInto) {
    super(conf, dataType);
    this.fusedInto = fusedInto;
  }

  /** Whether the batch norm before it applies this ReLU (where its passes fuse). */
  boolean fused() {
    return fusedInto != null;
  }

  @Override
  public INDArray activate(boolean training, LayerWorkspaceMgr mgr) {
    assertInputSet(false);
    // In training every activation lives in one workspace and this is the array itself; in
    // inference each vertex has its own, closed once its readers ran, so it is moved here.
    INDArray out = mgr.leverageTo(ArrayType.ACTIVATIONS, input);
    if (fusedInto == null || !fusedInto.fusedForward()) {
      Nd4j.getExecutioner().exec(new RectifiedLinear(out, out));
    }
    return out;
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
    assertInputSet(true);
    if (fusedInto != null && fusedInto.fusedBackward()) {
      // The batch norm's backprop masks the gradient by the ReLU's mask from its forward pass.
      return new Pair<>(new DefaultGradient(), mgr.leverageTo(ArrayType.ACTIVATION_GRAD, epsilon));
    }
    // The input is the output where the ReLU ran in place, else the array before it: positive
    // exactly where the output is.
    INDArray delta =
        mgr.createUninitialized(ArrayType.ACTIVATION_GRAD, epsilon.dataType(), input.shape());
    if (!OneDnnRelu.backward(input, epsilon, delta)) {
      Nd4j.getExecutioner().exec(new RectifiedLinearDerivative(input, epsilon, delta));
    }
    return new Pair<>(new DefaultGradient(), delta);
  }
}
