package org.skipwire.processor.model;

import org.skipwire.Nonlinearity;
import org.skipwire.ShortcutKind;

/** How a block joins its branch F(x) to its input x. */
public sealed interface Connection {

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

    /** A plain post- or pre-activation residual block with this shortcut. */
    public static Residual of(boolean preActivation, ShortcutKind shortcut) {
      return new Residual(preActivation, shortcut, null, Mix.SUM, Nonlinearity.RELU);
    }
  }

  /** {@code @ShakeShake}: two copies of the branch, mixed at random, plus the shortcut. */
  record ShakeShake() implements Connection {}

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
  record Sequential() implements Connection {}

  /** {@code @DenseConnect}: {@code y = concat(x, F(x))}. */
  record Dense(int growthRate, Origin origin) implements Connection {}

  /** {@code @HighwayGate}: {@code y = F(x) * T(x) + x * C(x)}. */
  record Highway(double gateBias, boolean independentCarry, int gateKernel, Origin origin)
      implements Connection {}
}
