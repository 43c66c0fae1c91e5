package org.skipwire.processor.model;

/**
 * A {@code @BatchNorm}, or a {@code @LayerNorm} ({@code layer} true), as declared: the
 * normalisation of a step.
 */
public record BatchNormSpec(double gammaInit, double epsilon, Origin origin, boolean layer) {

  /** A batch norm. */
  public BatchNormSpec(double gammaInit, double epsilon, Origin origin) {
    this(gammaInit, epsilon, origin, false);
  }
}
