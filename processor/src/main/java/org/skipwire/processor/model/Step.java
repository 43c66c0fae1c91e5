package org.skipwire.processor.model;

/** One field of a network's trunk or of a block's branch, in declaration order. */
public sealed interface Step permits LayerStep, StageStep {
  /** The field name. */
  String name();

  /** The field. */
  Origin origin();
}
