package org.skipwire.processor.model;

import org.skipwire.Loss;

/** An {@code @Output} as declared. */
public record OutputSpec(Loss loss, Origin origin) {}
