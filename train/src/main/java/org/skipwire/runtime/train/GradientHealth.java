package org.skipwire.runtime.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Reads an epoch's per-layer gradient norms ({@link GradientFlowListener}, input side first) and
 * words one warning line when they look sick:
 *
 * <ul>
 *   <li><b>vanishing</b>: the mean norm of the first layers (the first tenth of the layers with
 *       trainable parameters, at least one) is below {@code vanishingRatio} (default {@value
 *       #VANISHING_RATIO}) times the mean norm of the last tenth: the early layers barely learn, as
 *       in a deep plain network;
 *   <li><b>exploding</b>: some layer's mean norm is above {@code explodingNorm} (default {@value
 *       #EXPLODING_NORM}) or not finite.
 * </ul>
 *
 * The defaults are set far from what a healthy network shows, so that a warning means something;
 * the README gives the ratios measured in its degradation runs.
 */
public final class GradientHealth {
  /** Default: first layers' norm below this fraction of the last layers' is vanishing. */
  public static final double VANISHING_RATIO = 1e-3;

  /** Default: a layer's mean gradient norm above this is exploding. */
  public static final double EXPLODING_NORM = 1e3;

  private final double vanishingRatio;
  private final double explodingNorm;

  /** The default thresholds. */
  public GradientHealth() {
    this(VANISHING_RATIO, EXPLODING_NORM);
  }

  public GradientHealth(double vanishingRatio, double explodingNorm) {
    this.vanishingRatio = vanishingRatio;
    this.explodingNorm = explodingNorm;
  }

  /** The warning for one epoch's norms, if any. */
  public Optional<String> check(int epoch, Map<String, Double> norms) {
    List<String> layers = new ArrayList<>(norms.keySet());
    if (layers.isEmpty()) {
      return Optional.empty();
    }
    for (String layer : layers) {
      double n = norms.get(layer);
      if (!Double.isFinite(n) || n > explodingNorm) {
        return Optional.of(
            String.format(
                Locale.ROOT,
                "warning: exploding gradients in epoch %d: %s has mean gradient norm %.3g, above"
                    + " %.3g; try a lower learning rate or gradient clipping",
                epoch,
                layer,
                n,
                explodingNorm));
      }
    }
    int k = Math.max(1, layers.size() / 10);
    if (layers.size() < 2 * k) {
      return Optional.empty();
    }
    List<String> first = layers.subList(0, k);
    List<String> last = layers.subList(layers.size() - k, layers.size());
    double a = mean(norms, first);
    double b = mean(norms, last);
    if (b > 0 && a < vanishingRatio * b) {
      return Optional.of(
          String.format(
              Locale.ROOT,
              "warning: vanishing gradients in epoch %d: the first layers' mean gradient norm %.3g"
                  + " (%s) is %.2g of the last layers' %.3g (%s), below %.3g",
              epoch,
              a,
              String.join(", ", first),
              a / b,
              b,
              String.join(", ", last),
              vanishingRatio));
    }
    return Optional.empty();
  }

  private static double mean(Map<String, Double> norms, List<String> layers) {
    return layers.stream().mapToDouble(norms::get).average().orElse(Double.NaN);
  }
}
