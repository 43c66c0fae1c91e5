package org.skipwire.processor.model;

/** One field of a network's trunk or of a block's branch, in declaration order. */
public sealed interface Step permits LayerStep, StageStep {
  /** The field name. */
  String name();

  /** The field. */
  Origin origin();

  /** One method per kind of step, so that a new kind is a compile error wherever steps are read. */
  interface Visitor<R> {
    R visitLayer(LayerStep layer);

    R visitStage(StageStep stage);
  }

  /** Calls the visitor's method for this step. */
  <R> R accept(Visitor<R> v);
}
