package org.skipwire.processor.model;

/** A {@code @BatchNorm} as declared. */
public record BatchNormSpec(double gammaInit, double epsilon, Origin origin) {}
