package org.skipwire.processor.model;

import org.skipwire.Loss;
import org.skipwire.Nonlinearity;

/** A resolved operation of the checked graph: every size known, every default applied. */
public sealed interface GraphOp {

  /** One method per op: a new op is a compile error in every visitor until it handles it. */
  interface Visitor<R> {
    R visitConv(Conv op);

    R visitConv1d(Conv1d op);

    R visitSelfAttention(SelfAttention op);

    R visitPositionEmbedding(PositionEmbedding op);

    R visitLastStep(LastStep op);

    R visitTransposedConv(TransposedConv op);

    R visitUpsample(Upsample op);

    R visitPixelOutput(PixelOutput op);

    R visitShakeShake(ShakeShake op);

    R visitDropout(Dropout op);

    R visitDropPath(DropPath op);

    R visitChannelScale(ChannelScale op);

    R visitScale(Scale op);

    R visitGatedSkip(GatedSkip op);

    R visitBatchNorm(BatchNorm op);

    R visitLayerNorm(LayerNorm op);

    R visitGroupNorm(GroupNorm op);

    R visitActivation(Activation op);

    R visitPool(Pool op);

    R visitGlobalAvgPool(GlobalAvgPool op);

    R visitDense(Dense op);

    R visitOutput(Output op);

    R visitAdd(Add op);

    R visitZeroPad(ZeroPad op);

    R visitMerge(Merge op);

    R visitHighwayGate(HighwayGate op);
  }

  /** Calls the visitor's method for this op. */
  <R> R accept(Visitor<R> v);

  /** A short description for tables, e.g. {@code conv 3x3/2}. */
  String describe();

  /** A convolution with a weight (and bias unless a norm follows), 2-D or over time. */
  sealed interface Weighted extends GraphOp {
    int nOut();

    boolean bias();

    GraphOp withoutBias();
  }

  record Conv(
      int kernel,
      int stride,
      int padding,
      int nIn,
      int nOut,
      int groups,
      int dilation,
      boolean bias,
      Nonlinearity activation)
      implements Weighted {
    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitConv(this);
    }

    /** An ungrouped, undilated convolution. */
    public Conv(
        int kernel,
        int stride,
        int padding,
        int nIn,
        int nOut,
        boolean bias,
        Nonlinearity activation) {
      this(kernel, stride, padding, nIn, nOut, 1, 1, bias, activation);
    }

    @Override
    public Conv withoutBias() {
      return new Conv(kernel, stride, padding, nIn, nOut, groups, dilation, false, activation);
    }

    @Override
    public String describe() {
      return "conv "
          + kernel
          + "x"
          + kernel
          + (stride == 1 ? "" : "/" + stride)
          + (dilation == 1 ? "" : " d" + dilation)
          + (groups == 1 ? "" : " g" + groups);
    }
  }

  /**
   * A 1-D convolution over the time steps of a sequence; with kernel 1 and {@code perStep}, a dense
   * layer applied at each step.
   *
   * @param padding zeros on each side; ignored when causal ({@code (kernel - 1) * dilation} on the
   *     left only)
   */
  record Conv1d(
      int kernel,
      int stride,
      int padding,
      int dilation,
      boolean causal,
      int nIn,
      int nOut,
      boolean bias,
      Nonlinearity activation,
      boolean perStep)
      implements Weighted {
    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitConv1d(this);
    }

    @Override
    public Conv1d withoutBias() {
      return new Conv1d(
          kernel, stride, padding, dilation, causal, nIn, nOut, false, activation, perStep);
    }

    /** How many earlier steps the last output step sees beyond its own, per unit of input step. */
    public int lookBack() {
      return causal ? (kernel - 1) * dilation : padding;
    }

    @Override
    public String describe() {
      if (perStep) {
        return "dense per step";
      }
      return "conv1d "
          + kernel
          + (stride == 1 ? "" : "/" + stride)
          + (dilation == 1 ? "" : " d" + dilation)
          + (causal ? " causal" : "");
    }
  }

  /** Multi-head self-attention over the time steps, {@code channels} in and out. */
  record SelfAttention(int channels, int heads) implements GraphOp {
    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitSelfAttention(this);
    }

    @Override
    public String describe() {
      return "self-attention " + heads + " heads";
    }
  }

  /** A learned embedding per position, added to a sequence. */
  record PositionEmbedding(int channels, int length) implements GraphOp {
    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitPositionEmbedding(this);
    }

    @Override
    public String describe() {
      return "position embedding";
    }
  }

  /** The last time step of a sequence. */
  record LastStep() implements GraphOp {
    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitLastStep(this);
    }

    @Override
    public String describe() {
      return "last step";
    }
  }

  record TransposedConv(
      int kernel, int stride, int padding, int nIn, int nOut, boolean bias, Nonlinearity activation)
      implements GraphOp {
    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitTransposedConv(this);
    }

    @Override
    public String describe() {
      return "transposed conv " + kernel + "x" + kernel + (stride == 1 ? "" : "/" + stride);
    }
  }

  record Upsample(int scale) implements GraphOp {
    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitUpsample(this);
    }

    @Override
    public String describe() {
      return "upsample x" + scale;
    }
  }

  /** A per-pixel output: the loss over the channels of every pixel. */
  record PixelOutput(int channels, Nonlinearity activation, Loss loss) implements GraphOp {
    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitPixelOutput(this);
    }

    @Override
    public String describe() {
      return "pixel output " + loss.name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** Shake-Shake: a random convex mix of its two inputs in training, their mean at inference. */
  record ShakeShake() implements GraphOp {
    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitShakeShake(this);
    }

    @Override
    public String describe() {
      return "shake-shake";
    }
  }

  /** Dropout of a fraction {@code rate} of the values, in training only. */
  record Dropout(double rate) implements GraphOp {
    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitDropout(this);
    }

    @Override
    public String describe() {
      return "dropout " + rate;
    }
  }

  /** Stochastic depth on a branch: kept with probability {@code survival} per example. */
  record DropPath(double survival) implements GraphOp {
    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitDropPath(this);
    }

    @Override
    public String describe() {
      return String.format(java.util.Locale.ROOT, "drop-path p=%.3f", survival);
    }
  }

  /** Scales each channel of its first input by its second input, {@code [C]} per example. */
  record ChannelScale() implements GraphOp {
    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitChannelScale(this);
    }

    @Override
    public String describe() {
      return "channel scale";
    }
  }

  /** {@code alpha * x} with a trainable scalar alpha. */
  record Scale(double alphaInit) implements GraphOp {
    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitScale(this);
    }

    @Override
    public String describe() {
      return "scale alpha=" + alphaInit;
    }
  }

  /** {@code alpha * f + (1 - alpha) * x} with a trainable scalar alpha; inputs x, f. */
  record GatedSkip(double alphaInit) implements GraphOp {
    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitGatedSkip(this);
    }

    @Override
    public String describe() {
      return "gated skip alpha=" + alphaInit;
    }
  }

  /**
   * Batch normalisation per channel; {@code overTime}: of a sequence, per channel over the examples
   * and the steps (DL4J's own layer fails on sequences, see {@code SequenceWiring}).
   */
  record BatchNorm(int channels, double epsilon, double gammaInit, boolean overTime)
      implements GraphOp {
    public BatchNorm(int channels, double epsilon, double gammaInit) {
      this(channels, epsilon, gammaInit, false);
    }

    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitBatchNorm(this);
    }

    @Override
    public String describe() {
      return gammaInit == 1.0 ? "batchnorm" : "batchnorm gamma=" + gammaInit;
    }
  }

  /** Layer normalisation over the channels at each position. */
  record LayerNorm(int channels, double epsilon) implements GraphOp {
    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitLayerNorm(this);
    }

    @Override
    public String describe() {
      return "layernorm";
    }
  }

  /** Group normalisation: {@code groups} groups of consecutive channels, over all positions. */
  record GroupNorm(int channels, int groups, double epsilon) implements GraphOp {
    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitGroupNorm(this);
    }

    @Override
    public String describe() {
      return "groupnorm groups=" + groups;
    }
  }

  record Activation(Nonlinearity fn) implements GraphOp {
    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitActivation(this);
    }

    @Override
    public String describe() {
      return fn.name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  record Pool(boolean max, int kernel, int stride, int padding) implements GraphOp {
    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitPool(this);
    }

    @Override
    public String describe() {
      return (max ? "maxpool " : "avgpool ")
          + kernel
          + "x"
          + kernel
          + (stride == 1 ? "" : "/" + stride);
    }
  }

  /**
   * The mean over height and width, or with {@code overTime} over the steps of a sequence (DL4J
   * must be told that its output is flat, see {@code SequenceWiring}).
   */
  record GlobalAvgPool(boolean overTime) implements GraphOp {
    public GlobalAvgPool() {
      this(false);
    }

    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitGlobalAvgPool(this);
    }

    @Override
    public String describe() {
      return "global avgpool";
    }
  }

  record Dense(int nIn, int nOut, Nonlinearity activation) implements GraphOp {
    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitDense(this);
    }

    @Override
    public String describe() {
      return "dense";
    }
  }

  record Output(int nIn, int nOut, Nonlinearity activation, Loss loss) implements GraphOp {
    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitOutput(this);
    }

    @Override
    public String describe() {
      return "output " + loss.name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** Element-wise sum of its inputs. */
  record Add() implements GraphOp {
    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitAdd(this);
    }

    @Override
    public String describe() {
      return "add";
    }
  }

  /** The parameter-free "option A" shortcut: every stride-th pixel, zero channels appended. */
  record ZeroPad(int stride, int padChannels) implements GraphOp {
    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitZeroPad(this);
    }

    @Override
    public String describe() {
      return "zero-pad +" + padChannels + (stride == 1 ? "" : "/" + stride);
    }
  }

  /** Concatenation of its inputs along the channels. */
  record Merge() implements GraphOp {
    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitMerge(this);
    }

    @Override
    public String describe() {
      return "concat";
    }
  }

  /**
   * The trainable highway gate: reads x and H(x), returns {@code H * T + x * C}.
   *
   * @param conv whether the gate is a convolution (feature maps) or dense (flat vectors)
   * @param width channels or features
   * @param kernel the gate's kernel size; 1 for dense gates
   */
  record HighwayGate(boolean conv, int width, int kernel, double gateBias, boolean independentCarry)
      implements GraphOp {
    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitHighwayGate(this);
    }

    @Override
    public String describe() {
      return "highway gate"
          + (conv ? " " + kernel + "x" + kernel : "")
          + (independentCarry ? " +carry" : "");
    }
  }
}
