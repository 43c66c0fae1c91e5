package org.skipwire.runtime.onednn;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_ATTR_MULTIPLE_POST_OP_BASE;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SCALE;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SHIFT;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_MEAN;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SCALE;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SHIFT;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC_0;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC_1;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_VARIANCE;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WORKSPACE;
import static org.bytedeco.dnnl.global.dnnl.dnnl_backward;
import static org.bytedeco.dnnl.global.dnnl.dnnl_binary_add;
import static org.bytedeco.dnnl.global.dnnl.dnnl_binary_mul;
import static org.bytedeco.dnnl.global.dnnl.dnnl_binary_sub;
import static org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_relu;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_inference;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_training;
import static org.bytedeco.dnnl.global.dnnl.dnnl_fuse_norm_relu;
import static org.bytedeco.dnnl.global.dnnl.dnnl_use_global_stats;
import static org.bytedeco.dnnl.global.dnnl.dnnl_use_scale;
import static org.bytedeco.dnnl.global.dnnl.dnnl_use_shift;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.batch_normalization_backward;
import org.bytedeco.dnnl.batch_normalization_forward;
import org.bytedeco.dnnl.binary;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.normalization.BatchNormalizationHelper;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.skipwire.runtime.impl.ReluFusingHelper;

/**
 * DL4J's {@code BatchNormalization} layer on oneDNN's batch-normalization primitives, forward and,
 * above all, backward, in float.
 *
 * <p>Why it exists: DL4J 1.0.0-M2.1's own oneDNN helper ({@code MKLDNNBatchNormHelper}) computes
 * the batch mean and variance in two extra passes and then runs libnd4j's {@code batchnorm_bp} for
 * the backward pass, whose oneDNN implementation runs oneDNN in global-statistics mode and adds the
 * mean and variance terms of the gradient with generic array operations. For [128, 16, 32, 32] that
 * backward pass takes 16-33 ms on the project machine, oneDNN's training-mode backward 2.3-4.5 ms,
 * for the same result to float rounding. It was the largest single cost of training a ResNet. DL4J
 * creates its helper by a hard-coded class name ({@code HelperUtils.createHelper}), so {@link
 * OneDnnLayers#install} swaps this one in after the graph is built.
 *
 * <p>Contract, as DL4J's layer expects it: {@link #preOutput} in training mode normalises with the
 * batch statistics and keeps them ({@link #getMeanCache}, {@link #getVarCache}, the biased
 * variance, as DL4J's), from which the layer moves its running statistics during backprop; in
 * inference mode it normalises with the running statistics it is given. {@code null} from either
 * method makes the layer use its own code (any type other than float, any rank other than 4).
 *
 * <p>{@link #fuseRelu()} makes it apply the ReLU that follows it as well, on channels-last arrays:
 * oneDNN's fused batch norm + ReLU ({@code dnnl_fuse_norm_relu}), which keeps a bit mask of the
 * positive outputs for the backward pass, where it masks the incoming gradient itself. The ReLU
 * layer after it ({@link InPlaceReluLayer}) then passes both ways through unchanged, asking {@link
 * #fusedForward()} and {@link #fusedBackward()} whether the last pass fused. Channels-first
 * training stays unfused: there oneDNN's fused kernel is its plain {@code ncsp_bnorm}, three to
 * four times slower.
 *
 * <p>Channels-first inference does not use oneDNN's batch norm at all: oneDNN 2.5's only kernel for
 * plain NCHW ({@code ncsp_bnorm}) is not vectorised, 18 ms for [128, 120, 32, 32] where its blocked
 * {@code bnorm_jit} takes 3. It runs a oneDNN binary primitive instead, {@code (x - mean) * factor
 * + beta} with {@code factor = gamma / sqrt(var + eps)} in one pass, the ReLU as its post-op when
 * fused: 4.5 ms for the same array, ReLU included (DenseNet-BC's batch norms are all channels-first
 * and read concatenations of up to 342 channels). The same arithmetic as oneDNN's and DL4J's batch
 * norm, to float rounding.
 */
public final class OneDnnBatchNormHelper implements BatchNormalizationHelper, ReluFusingHelper {
  private record Key(List<Long> shape, CNN2DFormat format, boolean training, boolean fused) {}

  /**
   * One shape's primitives. {@code affine} is the channels-first inference form: {@code forward} is
   * then a oneDNN binary primitive, {@code (x - mean) * factor + beta} (and the ReLU) in one pass,
   * {@code channels} the [1, C, 1, 1] descriptor of its per-channel operands.
   */
  private record Primitives(
      memory.desc data,
      memory.desc channels,
      memory.desc workspace,
      primitive forward,
      primitive backward,
      boolean affine) {}

  // Bounded: a batch size seen once (a last, smaller batch) must not pin its primitives forever.
  private final Map<Key, Primitives> primitives = OneDnn.recentlyUsed(8);
  private INDArray meanCache;
  private INDArray varCache;
  // Dense copies of gamma, beta, their gradients and the running statistics: the layer hands over
  // views into its flattened parameter arrays, which oneDNN cannot address.
  private INDArray scale;
  private INDArray shift;
  private INDArray diffScale;
  private INDArray diffShift;
  private INDArray runningMean;
  private INDArray runningVar;
  private INDArray factor;
  // The fused ReLU: whether to fuse, whether the last forward did (the ReLU layer asks), whether
  // the last training forward did and left its mask in the workspace for the backward pass.
  private boolean fuseRelu;
  private boolean fusedForward;
  private boolean fusedTraining;
  private BytePointer workspace;

  public OneDnnBatchNormHelper() {}

  /** DL4J constructs helpers reflectively with the network's data type. */
  public OneDnnBatchNormHelper(DataType dataType) {}

  /**
   * From now on, also apply the ReLU that alone reads this batch norm: in training where the input
   * is NHWC, in inference always.
   */
  @Override
  public void fuseRelu() {
    fuseRelu = true;
  }

  /** Whether the last forward pass applied the ReLU too. */
  @Override
  public boolean fusedForward() {
    return fusedForward;
  }

  /** Whether the last training forward pass applied the ReLU, so that backprop masks by it. */
  @Override
  public boolean fusedBackward() {
    return fusedTraining;
  }

  @Override
  public boolean checkSupported() {
    return OneDnn.available();
  }

  @Override
  public boolean checkSupported(double eps, boolean fixedGammaBeta) {
    return !fixedGammaBeta && OneDnn.available();
  }

  @Override
  public INDArray preOutput(
      INDArray x,
      boolean training,
      long[] shape,
      INDArray gamma,
      INDArray beta,
      INDArray mean,
      INDArray var,
      double decay,
      double eps,
      CNN2DFormat format,
      LayerWorkspaceMgr workspaceMgr) {
    // False until this pass succeeds: where it declines or fails, DL4J's own code runs, unfused.
    fusedForward = false;
    if (training) {
      fusedTraining = false;
    }
    if (!supported(x, gamma, beta)) {
      return null;
    }
    // Channels-first training stays unfused (see the class comment); inference fuses in both.
    boolean fused = fuseRelu && (format == CNN2DFormat.NHWC || !training);
    INDArray in = OneDnn.denseOrCopy(x);
    long channels = channels(in, format);
    ensureBuffers(channels);
    scale.assign(gamma.reshape(channels));
    shift.assign(beta.reshape(channels));
    INDArray m = meanCache;
    INDArray v = varCache;
    if (!training) {
      runningMean.assign(mean.reshape(channels));
      runningVar.assign(var.reshape(channels));
      m = runningMean;
      v = runningVar;
    }
    Primitives p = primitives(in, format, training, fused, (float) eps);
    if (p.affine()) {
      // gamma / sqrt(var + eps), the factor oneDNN's and DL4J's batch norms scale (x - mean) by.
      factor.assign(runningVar).addi(eps);
      Transforms.sqrt(factor, false).rdivi(scale);
    }
    INDArray out =
        workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT, in.shape(), 'c');
    try (PointerScope scope = new PointerScope()) {
      IntMemoryMap args = new IntMemoryMap();
      if (p.affine()) {
        args.put(DNNL_ARG_SRC_0, OneDnn.wrap(p.data(), in));
        args.put(DNNL_ARG_SRC_1, OneDnn.wrap(p.channels(), runningMean));
        args.put(postOpOperand(0), OneDnn.wrap(p.channels(), factor));
        args.put(postOpOperand(1), OneDnn.wrap(p.channels(), shift));
        args.put(DNNL_ARG_DST, OneDnn.wrap(p.data(), out));
      } else {
        args.put(DNNL_ARG_SRC, OneDnn.wrap(p.data(), in));
        args.put(DNNL_ARG_DST, OneDnn.wrap(p.data(), out));
        if (p.workspace() != null) {
          args.put(DNNL_ARG_WORKSPACE, workspaceMemory(p.workspace()));
        }
        args.put(DNNL_ARG_SCALE, OneDnn.wrap(p.channels(), scale));
        args.put(DNNL_ARG_SHIFT, OneDnn.wrap(p.channels(), shift));
        // Outputs in training mode (the batch statistics), inputs in inference mode.
        args.put(DNNL_ARG_MEAN, OneDnn.wrap(p.channels(), m));
        args.put(DNNL_ARG_VARIANCE, OneDnn.wrap(p.channels(), v));
      }
      run(p.forward(), args);
    }
    fusedForward = fused;
    if (training) {
      fusedTraining = fused;
    }
    return out;
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(
      INDArray input,
      INDArray epsilon,
      long[] shape,
      INDArray gamma,
      INDArray beta,
      INDArray dGammaView,
      INDArray dBetaView,
      double eps,
      CNN2DFormat format,
      LayerWorkspaceMgr workspaceMgr) {
    boolean fused = fusedTraining;
    if (!supported(input, gamma, beta) || meanCache == null || dGammaView == null) {
      if (fused) {
        // The ReLU after it passed the gradient through unmasked: DL4J's code would be wrong.
        throw new IllegalStateException(
            "batch norm fused with its ReLU cannot hand its backprop to DL4J's code");
      }
      return null;
    }
    INDArray in = OneDnn.denseOrCopy(input);
    INDArray dOut = OneDnn.denseOrCopy(epsilon);
    long channels = channels(in, format);
    if (meanCache.length() != channels) {
      if (fused) {
        throw new IllegalStateException(
            "batch norm fused with its ReLU: backprop of another shape than its forward");
      }
      return null;
    }
    scale.assign(gamma.reshape(channels));
    shift.assign(beta.reshape(channels));
    INDArray dIn =
        workspaceMgr.createUninitialized(
            ArrayType.ACTIVATION_GRAD, DataType.FLOAT, in.shape(), 'c');
    Primitives p = primitives(in, format, true, fused, (float) eps);
    try (PointerScope scope = new PointerScope()) {
      IntMemoryMap args = new IntMemoryMap();
      args.put(DNNL_ARG_SRC, OneDnn.wrap(p.data(), in));
      args.put(DNNL_ARG_DIFF_DST, OneDnn.wrap(p.data(), dOut));
      if (p.workspace() != null) {
        args.put(DNNL_ARG_WORKSPACE, workspaceMemory(p.workspace()));
      }
      args.put(DNNL_ARG_MEAN, OneDnn.wrap(p.channels(), meanCache));
      args.put(DNNL_ARG_VARIANCE, OneDnn.wrap(p.channels(), varCache));
      args.put(DNNL_ARG_SCALE, OneDnn.wrap(p.channels(), scale));
      args.put(DNNL_ARG_SHIFT, OneDnn.wrap(p.channels(), shift));
      args.put(DNNL_ARG_DIFF_SRC, OneDnn.wrap(p.data(), dIn));
      args.put(DNNL_ARG_DIFF_SCALE, OneDnn.wrap(p.channels(), diffScale));
      args.put(DNNL_ARG_DIFF_SHIFT, OneDnn.wrap(p.channels(), diffShift));
      run(p.backward(), args);
    }
    dGammaView.assign(diffScale.reshape(dGammaView.shape()));
    dBetaView.assign(diffShift.reshape(dBetaView.shape()));
    Gradient g = new DefaultGradient();
    g.setGradientFor(BatchNormalizationParamInitializer.GAMMA, dGammaView);
    g.setGradientFor(BatchNormalizationParamInitializer.BETA, dBetaView);
    return new Pair<>(g, dIn);
  }

  @Override
  public INDArray getMeanCache(DataType dataType) {
    return meanCache;
  }

  @Override
  public INDArray getVarCache(DataType dataType) {
    return varCache;
  }

  @Override
  public Map<String, Long> helperMemoryUse() {
    return Collections.emptyMap();
  }

  private static boolean supported(INDArray x, INDArray gamma, INDArray beta) {
    return x.dataType() == DataType.FLOAT
        && x.rank() == 4
        && gamma != null
        && beta != null
        && gamma.dataType() == DataType.FLOAT
        && beta.dataType() == DataType.FLOAT;
  }

  private static long channels(INDArray x, CNN2DFormat format) {
    return format == CNN2DFormat.NHWC ? x.size(3) : x.size(1);
  }

  /** The argument index of the second operand of the binary post-op at {@code index}. */
  private static int postOpOperand(int index) {
    return DNNL_ARG_ATTR_MULTIPLE_POST_OP_BASE * (index + 1) | DNNL_ARG_SRC_1;
  }

  private static void run(primitive p, IntMemoryMap args) {
    stream s = OneDnn.stream();
    p.execute(s, args);
    s._wait();
  }

  private void ensureBuffers(long channels) {
    if (meanCache != null && meanCache.length() == channels) {
      return;
    }
    // Kept across iterations, so outside whatever workspace the layer runs in.
    try (MemoryWorkspace ws = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
      meanCache = Nd4j.create(DataType.FLOAT, channels);
      varCache = Nd4j.create(DataType.FLOAT, channels);
      scale = Nd4j.create(DataType.FLOAT, channels);
      shift = Nd4j.create(DataType.FLOAT, channels);
      diffScale = Nd4j.create(DataType.FLOAT, channels);
      diffShift = Nd4j.create(DataType.FLOAT, channels);
      runningMean = Nd4j.create(DataType.FLOAT, channels);
      runningVar = Nd4j.create(DataType.FLOAT, channels);
      factor = Nd4j.create(DataType.FLOAT, channels);
    }
  }

  /** The fused ReLU's mask, in this helper's buffer: kept from the training forward to backprop. */
  private memory workspaceMemory(memory.desc desc) {
    long bytes = desc.get_size();
    if (workspace == null || workspace.capacity() < bytes) {
      if (workspace != null) {
        workspace.releaseReference();
      }
      // Beyond any PointerScope; freed when a larger one replaces it.
      workspace = new BytePointer(Math.max(bytes, 64)).retainReference();
    }
    return new memory(desc, OneDnn.engine(), workspace);
  }

  /** The primitives for one input shape and mode, built on first use. */
  private Primitives primitives(
      INDArray x, CNN2DFormat format, boolean training, boolean fused, float eps) {
    Key key =
        new Key(
            List.of(x.shape()[0], x.shape()[1], x.shape()[2], x.shape()[3]),
            format,
            training,
            fused);
    Primitives p = primitives.get(key);
    if (p != null) {
      return p;
    }
    long[] s = x.shape();
    boolean nhwc = format == CNN2DFormat.NHWC;
    // oneDNN's dimensions are always logical N, C, H, W; the tag says how they lie in memory.
    long[] dims = nhwc ? new long[] {s[0], s[3], s[1], s[2]} : s.clone();
    memory.desc data =
        new memory.desc(
            dims, memory.data_type.f32, nhwc ? memory.format_tag.nhwc : memory.format_tag.nchw);
    memory.desc channelDesc =
        new memory.desc(new long[] {dims[1]}, memory.data_type.f32, memory.format_tag.x);
    int flags = dnnl_use_scale | dnnl_use_shift | (fused ? dnnl_fuse_norm_relu : 0);
    primitive forward;
    primitive backward = null;
    memory.desc workspaceDesc = null;
    boolean affine = false;
    if (training) {
      batch_normalization_forward.primitive_desc fwd =
          new batch_normalization_forward.primitive_desc(
              new batch_normalization_forward.desc(dnnl_forward_training, data, eps, flags),
              OneDnn.engine());
      forward = new batch_normalization_forward(fwd);
      if (fused) {
        workspaceDesc = fwd.workspace_desc();
      }
      backward =
          new batch_normalization_backward(
              new batch_normalization_backward.primitive_desc(
                  new batch_normalization_backward.desc(dnnl_backward, data, data, eps, flags),
                  OneDnn.engine(),
                  fwd));
    } else if (!nhwc && dims[2] * dims[3] > 1) {
      // oneDNN 2.5's only channels-first batch norm (ncsp_bnorm) is not vectorised: in inference
      // it took 18 ms for [128, 120, 32, 32], its binary primitive 4.5 ms with the ReLU as well.
      // Not for a 1x1 map (a batch norm of features, [N, C, 1, 1]): there oneDNN 2.5's binary
      // kernel reads the post-ops' per-channel operands at the wrong channel (every shape with
      // N > 1 of 720 tried; no other shape).
      affine = true;
      channelDesc =
          new memory.desc(
              new long[] {1, dims[1], 1, 1}, memory.data_type.f32, memory.format_tag.nchw);
      post_ops ops = new post_ops();
      ops.append_binary(dnnl_binary_mul, channelDesc);
      ops.append_binary(dnnl_binary_add, channelDesc);
      if (fused) {
        ops.append_eltwise(1f, dnnl_eltwise_relu, 0f, 0f);
      }
      primitive_attr attr = new primitive_attr();
      attr.set_post_ops(ops);
      forward =
          new binary(
              new binary.primitive_desc(
                  new binary.desc(dnnl_binary_sub, data, channelDesc, data),
                  attr,
                  OneDnn.engine()));
    } else {
      forward =
          new batch_normalization_forward(
              new batch_normalization_forward.primitive_desc(
                  new batch_normalization_forward.desc(
                      dnnl_forward_inference, data, eps, flags | dnnl_use_global_stats),
                  OneDnn.engine()));
    }
    p = new Primitives(data, channelDesc, workspaceDesc, forward, backward, affine);
    primitives.put(key, p);
    return p;
  }
}
