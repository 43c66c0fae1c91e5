package org.skipwire.processor.model;

import org.skipwire.ShortcutKind;

/** How a block joins its branch F(x) to its input x. */
public sealed interface Connection {

  /**
   * {@code @ResidualBlock}: {@code y = F(x) + shortcut(x)}, ReLU after the sum unless
   * pre-activation.
   *
   * @param shortcut the class's {@code @Shortcut}, {@link ShortcutKind#AUTO} when absent
   */
  record Residual(boolean preActivation, ShortcutKind shortcut) implements Connection {}

  /** {@code @DenseConnect}: {@code y = concat(x, F(x))}. */
  record Dense(int growthRate, Origin origin) implements Connection {}

  /** {@code @HighwayGate}: {@code y = F(x) * T(x) + x * C(x)}. */
  record Highway(double gateBias, boolean independentCarry, int gateKernel, Origin origin)
      implements Connection {}
}
