package org.skipwire.processor.model;

import org.skipwire.Nonlinearity;
import org.skipwire.ShortcutKind;

/** How a block joins its branch F(x) to its input x. */
public sealed interface Connection {

  /** One method per kind: a new kind is a compile error in every visitor until it handles it. */
  interface Visitor<R> {
    R visitResidual(Residual it);

    R visitShakeShake(ShakeShake it);

    R visitSequential(Sequential it);

    R visitDense(Dense it);

    R visitHighway(Highway it);
  }

  /** Calls the visitor's method for this kind. */
  <R> R accept(Visitor<R> v);

  /**
   * {@code @ResidualBlock}: {@code y = F(x) + shortcut(x)}, ReLU after the sum unless
   * pre-activation.
   *
   * @param shortcut the class's {@code @Shortcut}, {@link ShortcutKind#AUTO} when absent
   */
  record Residual(
      boolean preActivation,
      ShortcutKind shortcut,
      SqueezeExciteSpec squeezeExcite,
      Mix mix,
      Nonlinearity sumActivation)
      implements Connection {
    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitResidual(this);
    }

    /** A plain post- or pre-activation residual block with this shortcut. */
    public static Residual of(boolean preActivation, ShortcutKind shortcut) {
      return new Residual(preActivation, shortcut, null, Mix.SUM, Nonlinearity.RELU);
    }
  }

  /** {@code @ShakeShake}: two copies of the branch, mixed at random, plus the shortcut. */
  record ShakeShake() implements Connection {
    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitShakeShake(this);
    }
  }

  /** {@code @SqueezeExcite} on a residual block. */
  record SqueezeExciteSpec(int reduction, Origin origin) {}

  /** How a residual block joins branch and shortcut. */
  record Mix(Kind kind, double init, Origin origin) {
    public enum Kind {
      /** {@code F(x) + shortcut(x)}. */
      SUM,
      /** {@code alpha F(x) + x}, alpha from 0 ({@code @ReZero}). */
      REZERO,
      /** {@code alpha F(x) + (1 - alpha) shortcut(x)} ({@code @GatedSkip}). */
      GATED
    }

    public static final Mix SUM = new Mix(Kind.SUM, 0, null);
  }

  /** {@code @Sequential}: {@code y = F(x)}, the fields one after another. */
  record Sequential() implements Connection {
    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitSequential(this);
    }
  }

  /** {@code @DenseConnect}: {@code y = concat(x, F(x))}. */
  record Dense(int growthRate, Origin origin) implements Connection {
    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitDense(this);
    }
  }

  /** {@code @HighwayGate}: {@code y = F(x) * T(x) + x * C(x)}. */
  record Highway(double gateBias, boolean independentCarry, int gateKernel, Origin origin)
      implements Connection {
    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitHighway(this);
    }
  }
}
