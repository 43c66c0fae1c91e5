package org.skipwire.processor.model;

/** The weight or pooling part of a layer step, as declared (sizes not yet resolved). */
public sealed interface Op {

  /** One method per op: a new op is a compile error in every visitor until it handles it. */
  interface Visitor<R> {
    R visitConv(Conv op);

    R visitSelfAttention(SelfAttention op);

    R visitPositionEmbedding(PositionEmbedding op);

    R visitLastStep(LastStep op);

    R visitPool(Pool op);

    R visitConcat(Concat op);

    R visitTransposedConv(TransposedConv op);

    R visitUpsample(Upsample op);

    R visitGlobalAvgPool(GlobalAvgPool op);

    R visitTransition(Transition op);

    R visitDense(Dense op);
  }

  /** Calls the visitor's method for this op. */
  <R> R accept(Visitor<R> v);

  Origin origin();

  /**
   * {@code @Conv}. {@code stride} and {@code dilation} may be {@code Layer.STAGE}, {@code groups}
   * {@code Layer.DEPTHWISE}; 0 filters, width or expansion means "not given".
   *
   * @param expansion output channels as a multiple of the enclosing block's input channels
   * @param bias false for {@code @Conv(bias = false)}: no bias even where no batch norm follows
   */
  record Conv(
      int kernel,
      int stride,
      int filters,
      int width,
      int padding,
      int groups,
      int dilation,
      boolean causal,
      Origin origin,
      int expansion,
      boolean bias)
      implements Op {
    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitConv(this);
    }

    /** A convolution that may have a bias. */
    public Conv(
        int kernel,
        int stride,
        int filters,
        int width,
        int padding,
        int groups,
        int dilation,
        boolean causal,
        Origin origin,
        int expansion) {
      this(
          kernel, stride, filters, width, padding, groups, dilation, causal, origin, expansion,
          true);
    }

    /** A convolution without an expansion factor. */
    public Conv(
        int kernel,
        int stride,
        int filters,
        int width,
        int padding,
        int groups,
        int dilation,
        boolean causal,
        Origin origin) {
      this(kernel, stride, filters, width, padding, groups, dilation, causal, origin, 0);
    }

    /** An undilated, non-causal convolution. */
    public Conv(
        int kernel, int stride, int filters, int width, int padding, int groups, Origin origin) {
      this(kernel, stride, filters, width, padding, groups, 1, false, origin);
    }
  }

  /** {@code @SelfAttention}. */
  record SelfAttention(int heads, Origin origin) implements Op {
    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitSelfAttention(this);
    }
  }

  /** {@code @PositionEmbedding}. */
  record PositionEmbedding(Origin origin) implements Op {
    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitPositionEmbedding(this);
    }
  }

  /** {@code @LastStep}. */
  record LastStep(Origin origin) implements Op {
    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitLastStep(this);
    }
  }

  /** {@code @MaxPool} or {@code @AvgPool}; stride 0 means "same as kernel", padding -1 "auto". */
  record Pool(boolean max, int kernel, int stride, int padding, Origin origin) implements Op {
    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitPool(this);
    }
  }

  /** {@code @Concat}: the current flow and an earlier trunk step's output, along the channels. */
  record Concat(String from, Origin origin) implements Op {
    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitConcat(this);
    }
  }

  /** {@code @TransposedConv}; 0 filters or width means "not given". */
  record TransposedConv(int kernel, int stride, int filters, int width, int padding, Origin origin)
      implements Op {
    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitTransposedConv(this);
    }
  }

  /** {@code @Upsample}. */
  record Upsample(int scale, Origin origin) implements Op {
    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitUpsample(this);
    }
  }

  /** {@code @GlobalAvgPool}. */
  record GlobalAvgPool(Origin origin) implements Op {
    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitGlobalAvgPool(this);
    }
  }

  /** {@code @Transition}: BN, ReLU, 1x1 conv to floor(compression * C), 2x2 average pool. */
  record Transition(double compression, Origin origin) implements Op {
    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitTransition(this);
    }
  }

  /** {@code @Dense}; 0 units or width means "not given". */
  record Dense(int units, int width, Origin origin) implements Op {
    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitDense(this);
    }
  }
}
