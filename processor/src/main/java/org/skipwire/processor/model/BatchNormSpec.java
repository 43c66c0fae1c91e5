package org.skipwire.processor.model;

/**
 * A {@code @BatchNorm}, a {@code @LayerNorm} ({@code layer} true) or a {@code @GroupNorm} ({@code
 * group} true), as declared: the normalisation of a step.
 *
 * @param groups the group norm's groups as declared (checked later), 0 for a batch or layer norm
 */
public record BatchNormSpec(
    double gammaInit, double epsilon, Origin origin, boolean layer, boolean group, int groups) {

  /** A batch norm. */
  public BatchNormSpec(double gammaInit, double epsilon, Origin origin) {
    this(gammaInit, epsilon, origin, false, false, 0);
  }

  /** A batch norm, or a layer norm. */
  public BatchNormSpec(double gammaInit, double epsilon, Origin origin, boolean layer) {
    this(gammaInit, epsilon, origin, layer, false, 0);
  }

  /** A group norm in {@code groups} groups. */
  public static BatchNormSpec groupNorm(int groups, double epsilon, Origin origin) {
    return new BatchNormSpec(1.0, epsilon, origin, false, true, groups);
  }

  /** The annotation's simple name, for messages. */
  public String annotation() {
    return group() ? "GroupNorm" : layer ? "LayerNorm" : "BatchNorm";
  }
}
