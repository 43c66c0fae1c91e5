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
 * <p>Why: DL4J's activation layer copies its input before the ReLU in training (it keeps the input
 * for backprop) and copies it again, then runs {@code relu_bp} into a third array, in backprop. Two
 * cheaper ways give the same values:
 *
 * <ul>
 *   <li><b>after a batch norm</b> on {@link OneDnnBatchNormHelper}: the helper runs oneDNN's batch
 *       normalization with its ReLU fused ({@code dnnl_fuse_norm_relu}, a bit mask kept for the
 *       backward pass), so this layer passes the array on untouched in training and copies the
 *       gradient through, which the batch norm's backward masks;
 *   <li><b>after a residual sum</b> (or a batch norm that DL4J's own code runs, e.g. in double):
 *       the ReLU in place on the input, which no other vertex reads, and {@code relu_bp} masked by
 *       that output ({@code relu(x) > 0} exactly where {@code x > 0}) straight into the gradient.
 * </ul>
 *
 * In inference it does what DL4J's layer does (its input moved into this layer's workspace, the
 * ReLU in place), minus the ReLU where the batch norm already applied it.
 */
public final class FusedReluLayer extends ActivationLayer {
  private final OneDnnBatchNormHelper batchNorm;
  private boolean passedThrough;

  /**
   * @param batchNorm the helper of the batch norm whose output this layer alone reads, switched to
   *     its fused ReLU; {@code null} for the in-place ReLU
   */
  FusedReluLayer(NeuralNetConfiguration conf, DataType dataType, OneDnnBatchNormHelper batchNorm) {
    super(conf, dataType);
    this.batchNorm = batchNorm;
  }

  /** Whether the batch norm before it applies the ReLU (else this layer does, in place). */
  public boolean fused() {
    return batchNorm != null;
  }

  /** Whether the last forward pass found the ReLU applied by the batch norm (for tests). */
  boolean passedThrough() {
    return passedThrough;
  }

  @Override
  public INDArray activate(boolean training, LayerWorkspaceMgr mgr) {
    assertInputSet(false);
    // In training every activation lives in one workspace and this is the array itself; in
    // inference each vertex has its own, closed once its readers ran, so it is moved here.
    INDArray out = mgr.leverageTo(ArrayType.ACTIVATIONS, input);
    passedThrough = batchNorm != null && batchNorm.appliedRelu(input);
    if (!passedThrough) {
      Nd4j.getExecutioner().exec(new RectifiedLinear(out, out));
    }
    // Backprop masks by the input: the output itself where the ReLU ran in place, else the array
    // before it, positive exactly where the output is.
    return out;
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
    assertInputSet(true);
    INDArray delta;
    if (passedThrough) {
      // The batch norm's fused backward applies the ReLU's mask.
      delta = mgr.dup(ArrayType.ACTIVATION_GRAD, epsilon, 'c');
    } else {
      delta = mgr.createUninitialized(ArrayType.ACTIVATION_GRAD, epsilon.dataType(), input.shape());
      Nd4j.getExecutioner().exec(new RectifiedLinearDerivative(input, epsilon, delta));
    }
    return new Pair<>(new DefaultGradient(), delta);
  }
}
