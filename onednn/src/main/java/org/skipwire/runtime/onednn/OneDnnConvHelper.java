package org.skipwire.runtime.onednn;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.dnnl_convolution_direct;
import static org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_relu;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_training;

import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.convolution_backward_data;
import org.bytedeco.dnnl.convolution_backward_weights;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.PointerScope;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.AlgoMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.BwdDataAlgo;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.BwdFilterAlgo;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.FwdAlgo;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.ConvolutionHelper;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.factory.Nd4j;

/**
 * DL4J's 2-D {@code ConvolutionLayer} on oneDNN's convolution primitives, in float.
 *
 * <p>Why it exists: DL4J 1.0.0-M2.1's own helper ({@code MKLDNNConvHelper}) runs libnd4j's {@code
 * conv2d} and {@code conv2d_bp} ops, which build their oneDNN primitives on every call and hint the
 * backward pass with an inference-mode forward descriptor. For a 3x3 convolution of [128, 16, 32,
 * 32] the backward pass took 22-24 ms there and 8 ms here (data and weights gradients, reorders
 * included), on the project machine; in a ResNet-20 training step it was half the time. This helper
 * keeps each shape's primitives; NHWC arrays, and NCHW ones into a pointwise (1x1) convolution, it
 * hands to oneDNN as they are, other NCHW ones it reorders into the blocked layout oneDNN chooses,
 * and back.
 *
 * <p>{@code null} from either method makes the layer use its own code (types other than float).
 */
public final class OneDnnConvHelper implements ConvolutionHelper {
  private record Key(
      List<Long> input,
      List<Long> weights,
      List<Integer> geometry,
      CNN2DFormat format,
      boolean relu) {}

  /** One shape's primitives and the layouts DL4J's arrays have. */
  private record Plan(
      memory.desc src,
      memory.desc weights,
      memory.desc bias,
      memory.desc dst,
      convolution_forward.primitive_desc forwardDesc,
      primitive forward,
      convolution_backward_data.primitive_desc dataDesc,
      primitive backwardData,
      convolution_backward_weights.primitive_desc weightsDesc,
      primitive backwardWeights,
      Map<Integer, reorder> reorders,
      boolean reluAfter) {}

  // Bounded: a batch size seen once (a last, smaller batch) must not pin its primitives forever.
  private final Map<Key, Plan> plans = OneDnn.recentlyUsed(8);
  private INDArray weightGrad;
  private INDArray biasGrad;

  public OneDnnConvHelper() {}

  /** DL4J constructs helpers reflectively with the network's data type. */
  public OneDnnConvHelper(DataType dataType) {}

  @Override
  public boolean checkSupported() {
    return OneDnn.available();
  }

  @Override
  public INDArray preOutput(
      INDArray input,
      INDArray weights,
      INDArray bias,
      int[] kernel,
      int[] strides,
      int[] pad,
      AlgoMode mode,
      FwdAlgo fwdAlgo,
      ConvolutionMode convolutionMode,
      int[] dilation,
      CNN2DFormat format,
      LayerWorkspaceMgr workspaceMgr) {
    return forward(
        input,
        weights,
        bias,
        kernel,
        strides,
        pad,
        convolutionMode,
        dilation,
        format,
        false,
        workspaceMgr);
  }

  /**
   * {@link #preOutput}, with the ReLU applied inside the convolution primitive (oneDNN's eltwise
   * post-op) where {@code relu}: an inference copy's convolution with its activation ({@link
   * OneDnnConvolutionLayer}).
   */
  INDArray forward(
      INDArray input,
      INDArray weights,
      INDArray bias,
      int[] kernel,
      int[] strides,
      int[] pad,
      ConvolutionMode convolutionMode,
      int[] dilation,
      CNN2DFormat format,
      boolean relu,
      LayerWorkspaceMgr workspaceMgr) {
    if (!supported(input, weights, bias)) {
      return null;
    }
    boolean nhwc = format == CNN2DFormat.NHWC;
    int[] outSize;
    if (convolutionMode == ConvolutionMode.Same) {
      outSize =
          ConvolutionUtils.getOutputSize(
              input, kernel, strides, null, convolutionMode, dilation, format);
      pad =
          ConvolutionUtils.getSameModeTopLeftPadding(
              outSize,
              new int[] {height(input, nhwc), width(input, nhwc)},
              kernel,
              strides,
              dilation);
    } else {
      outSize =
          ConvolutionUtils.getOutputSize(
              input, kernel, strides, pad, convolutionMode, dilation, format);
    }
    INDArray in = OneDnn.denseOrCopy(input);
    INDArray w = OneDnn.denseOrCopy(weights);
    INDArray b = bias == null ? null : OneDnn.denseOrCopy(bias);
    long n = input.size(0);
    long outChannels = weights.size(0);
    long[] outShape =
        nhwc
            ? new long[] {n, outSize[0], outSize[1], outChannels}
            : new long[] {n, outChannels, outSize[0], outSize[1]};
    INDArray out =
        workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT, outShape, 'c');
    Plan p = plan(in, w, outSize, strides, pad, dilation, format, relu);
    stream s = OneDnn.stream();
    try (PointerScope scope = new PointerScope()) {
      IntMemoryMap args = new IntMemoryMap();
      args.put(
          DNNL_ARG_SRC,
          Scratch.in(s, OneDnn.wrap(p.src(), in), p.forwardDesc().src_desc(), 0, p.reorders(), 0));
      args.put(
          DNNL_ARG_WEIGHTS,
          Scratch.in(
              s, OneDnn.wrap(p.weights(), w), p.forwardDesc().weights_desc(), 1, p.reorders(), 1));
      if (b != null) {
        args.put(DNNL_ARG_BIAS, OneDnn.wrap(p.bias(), b));
      }
      memory user = OneDnn.wrap(p.dst(), out);
      memory dst = Scratch.out(user, p.forwardDesc().dst_desc(), 2);
      args.put(DNNL_ARG_DST, dst);
      p.forward().execute(s, args);
      Scratch.back(s, dst, user, p.reorders(), 2);
      s._wait();
    }
    if (p.reluAfter()) {
      Nd4j.getExecutioner().exec(new RectifiedLinear(out, out));
    }
    return out;
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(
      INDArray input,
      INDArray weights,
      INDArray bias,
      INDArray delta,
      int[] kernel,
      int[] strides,
      int[] pad,
      INDArray biasGradView,
      INDArray weightGradView,
      IActivation afn,
      AlgoMode mode,
      BwdFilterAlgo bwdFilterAlgo,
      BwdDataAlgo bwdDataAlgo,
      ConvolutionMode convolutionMode,
      int[] dilation,
      CNN2DFormat format,
      LayerWorkspaceMgr workspaceMgr) {
    if (!supported(input, weights, bias) || delta.dataType() != DataType.FLOAT) {
      return null;
    }
    boolean nhwc = format == CNN2DFormat.NHWC;
    // The layer has already turned Same mode into its top-left padding; the output size is delta's.
    int[] outSize = {height(delta, nhwc), width(delta, nhwc)};
    INDArray in = OneDnn.denseOrCopy(input);
    INDArray w = OneDnn.denseOrCopy(weights);
    INDArray dOut = OneDnn.denseOrCopy(delta);
    ensureGradients(weights);
    // Straight into the layer's views of the network's gradient array where oneDNN can address
    // them, else into this helper's own arrays and then copied.
    INDArray dWeights =
        OneDnn.dense(weightGradView) && weightGradView.length() == weights.length()
            ? weightGradView
            : weightGrad;
    INDArray dBias =
        bias != null
                && biasGradView != null
                && OneDnn.dense(biasGradView)
                && biasGradView.length() == weights.size(0)
            ? biasGradView
            : biasGrad;
    INDArray dIn =
        workspaceMgr.createUninitialized(
            ArrayType.ACTIVATION_GRAD, DataType.FLOAT, input.shape(), 'c');
    Plan p = plan(in, w, outSize, strides, pad, dilation, format, false);
    stream s = OneDnn.stream();
    try (PointerScope scope = new PointerScope()) {
      memory userDOut = OneDnn.wrap(p.dst(), dOut);
      IntMemoryMap data = new IntMemoryMap();
      memory dDst = Scratch.in(s, userDOut, p.dataDesc().diff_dst_desc(), 0, p.reorders(), 10);
      data.put(DNNL_ARG_DIFF_DST, dDst);
      data.put(
          DNNL_ARG_WEIGHTS,
          Scratch.in(
              s, OneDnn.wrap(p.weights(), w), p.dataDesc().weights_desc(), 1, p.reorders(), 11));
      memory userDIn = OneDnn.wrap(p.src(), dIn);
      memory dSrc = Scratch.out(userDIn, p.dataDesc().diff_src_desc(), 2);
      data.put(DNNL_ARG_DIFF_SRC, dSrc);
      p.backwardData().execute(s, data);
      Scratch.back(s, dSrc, userDIn, p.reorders(), 12);

      IntMemoryMap wts = new IntMemoryMap();
      wts.put(
          DNNL_ARG_SRC,
          Scratch.in(s, OneDnn.wrap(p.src(), in), p.weightsDesc().src_desc(), 3, p.reorders(), 13));
      wts.put(
          DNNL_ARG_DIFF_DST,
          p.weightsDesc().diff_dst_desc().equals(dDst.get_desc())
              ? dDst
              : Scratch.in(s, userDOut, p.weightsDesc().diff_dst_desc(), 4, p.reorders(), 14));
      memory userDW = OneDnn.wrap(p.weights(), dWeights);
      memory dW = Scratch.out(userDW, p.weightsDesc().diff_weights_desc(), 5);
      wts.put(DNNL_ARG_DIFF_WEIGHTS, dW);
      wts.put(DNNL_ARG_DIFF_BIAS, OneDnn.wrap(p.bias(), dBias));
      p.backwardWeights().execute(s, wts);
      Scratch.back(s, dW, userDW, p.reorders(), 15);
      s._wait();
    }
    if (dWeights != weightGradView) {
      weightGradView.assign(weightGrad.reshape(weightGradView.shape()));
    }
    Gradient g = new DefaultGradient();
    if (bias != null && biasGradView != null) {
      if (dBias != biasGradView) {
        biasGradView.assign(biasGrad.reshape(biasGradView.shape()));
      }
      g.gradientForVariable().put(ConvolutionParamInitializer.BIAS_KEY, biasGradView);
    }
    g.gradientForVariable().put(ConvolutionParamInitializer.WEIGHT_KEY, weightGradView);
    return new Pair<>(g, dIn);
  }

  @Override
  public INDArray activate(INDArray z, IActivation afn, boolean training) {
    return afn.getActivation(z, training);
  }

  @Override
  public Map<String, Long> helperMemoryUse() {
    return Collections.emptyMap();
  }

  private static boolean supported(INDArray input, INDArray weights, INDArray bias) {
    return input.dataType() == DataType.FLOAT
        && weights.dataType() == DataType.FLOAT
        && (bias == null || bias.dataType() == DataType.FLOAT)
        && input.rank() == 4
        && weights.rank() == 4;
  }

  private static int height(INDArray a, boolean nhwc) {
    return (int) a.size(nhwc ? 1 : 2);
  }

  private static int width(INDArray a, boolean nhwc) {
    return (int) a.size(nhwc ? 2 : 3);
  }

  private void ensureGradients(INDArray weights) {
    if (weightGrad != null && java.util.Arrays.equals(weightGrad.shape(), weights.shape())) {
      return;
    }
    try (MemoryWorkspace ws = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
      weightGrad = Nd4j.create(DataType.FLOAT, weights.shape());
      biasGrad = Nd4j.create(DataType.FLOAT, weights.size(0));
    }
  }

  private Plan plan(
      INDArray in,
      INDArray w,
      int[] outSize,
      int[] strides,
      int[] pad,
      int[] dilation,
      CNN2DFormat format,
      boolean relu) {
    boolean nhwc = format == CNN2DFormat.NHWC;
    long n = in.size(0);
    long inChannels = w.size(1);
    long outChannels = w.size(0);
    long[] k = {w.size(2), w.size(3)};
    long[] inHw = {height(in, nhwc), width(in, nhwc)};
    // oneDNN counts dilation from 0 and wants the bottom-right padding that gives DL4J's output.
    long[] d = {dilation[0] - 1L, dilation[1] - 1L};
    long[] padL = {pad[0], pad[1]};
    long[] padR = new long[2];
    for (int i = 0; i < 2; i++) {
      long extent = (k[i] - 1) * dilation[i] + 1;
      padR[i] = (outSize[i] - 1L) * strides[i] + extent - inHw[i] - padL[i];
    }
    Key key =
        new Key(
            List.of(n, inChannels, inHw[0], inHw[1]),
            List.of(outChannels, inChannels, k[0], k[1]),
            List.of(
                strides[0],
                strides[1],
                pad[0],
                pad[1],
                (int) padR[0],
                (int) padR[1],
                dilation[0],
                dilation[1]),
            format,
            relu);
    Plan p = plans.get(key);
    if (p != null) {
      return p;
    }
    memory.format_tag layout = nhwc ? memory.format_tag.nhwc : memory.format_tag.nchw;
    long[] srcDims = {n, inChannels, inHw[0], inHw[1]};
    long[] dstDims = {n, outChannels, outSize[0], outSize[1]};
    long[] wDims = {outChannels, inChannels, k[0], k[1]};
    memory.desc src = desc(srcDims, layout);
    memory.desc dst = desc(dstDims, layout);
    memory.desc weights = desc(wDims, memory.format_tag.oihw);
    memory.desc bias = desc(new long[] {outChannels}, memory.format_tag.x);
    // Channels-last arrays go to oneDNN as they are: its nhwc kernels (brgconv forward) beat a
    // reorder into the blocked layout and back (ResNet-20 training 1.05x, measured side by side).
    // So do channels-first ones into a pointwise convolution (1x1, stride 1, no padding): on NCHW
    // that is one matrix product per image, which oneDNN runs as gemm where the reorders into its
    // own layout and back cost three times the product ([64, 120, 32, 32] to 48 channels: 5.1 ms
    // against 22.9 forward, 8 against 27 backward data). Other channels-first convolutions are
    // reordered: oneDNN's plain-NCHW kernels for them are slower (3x3, 48 to 12 channels: 12.0 ms
    // against 7.0 with the reorders).
    boolean pointwise =
        k[0] == 1
            && k[1] == 1
            && strides[0] == 1
            && strides[1] == 1
            && padL[0] == 0
            && padL[1] == 0
            && padR[0] == 0
            && padR[1] == 0;
    boolean plain = nhwc || pointwise;
    memory.desc anySrc = plain ? src : desc(srcDims, memory.format_tag.any);
    memory.desc anyDst = plain ? dst : desc(dstDims, memory.format_tag.any);
    memory.desc anyWeights = desc(wDims, memory.format_tag.any);
    long[] st = {strides[0], strides[1]};
    primitive_attr attr = new primitive_attr();
    // oneDNN 2.5's gemm convolution (the channels-first pointwise one) applies an eltwise post-op
    // in a slow pass of its own (4.9 ms without, 7.6 with, [64, 120, 32, 32] to 48 channels): the
    // ReLU runs after it instead, in place.
    boolean reluAfter = relu && pointwise && !nhwc;
    if (relu && !reluAfter) {
      post_ops ops = new post_ops();
      ops.append_eltwise(1f, dnnl_eltwise_relu, 0f, 0f);
      attr.set_post_ops(ops);
    }
    convolution_forward.primitive_desc fwd =
        new convolution_forward.primitive_desc(
            new convolution_forward.desc(
                dnnl_forward_training,
                dnnl_convolution_direct,
                anySrc,
                anyWeights,
                bias,
                anyDst,
                st,
                d,
                padL,
                padR),
            attr,
            OneDnn.engine());
    convolution_backward_data.primitive_desc data =
        new convolution_backward_data.primitive_desc(
            new convolution_backward_data.desc(
                dnnl_convolution_direct, anySrc, anyWeights, anyDst, st, d, padL, padR),
            OneDnn.engine(),
            fwd);
    convolution_backward_weights.primitive_desc wts =
        new convolution_backward_weights.primitive_desc(
            new convolution_backward_weights.desc(
                dnnl_convolution_direct, anySrc, anyWeights, bias, anyDst, st, d, padL, padR),
            OneDnn.engine(),
            fwd);
    p =
        new Plan(
            src,
            weights,
            bias,
            dst,
            fwd,
            new convolution_forward(fwd),
            data,
            new convolution_backward_data(data),
            wts,
            new convolution_backward_weights(wts),
            new HashMap<>(),
            reluAfter);
    plans.put(key, p);
    return p;
  }

  private static memory.desc desc(long[] dims, memory.format_tag tag) {
    return new memory.desc(dims, memory.data_type.f32, tag);
  }
}
