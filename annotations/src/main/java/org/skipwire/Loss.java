package org.skipwire;

/** Loss functions of an {@link Output} step, named as DL4J's {@code LossFunction} names them. */
public enum Loss {
  /** Multi-class cross entropy; use with a softmax output. */
  MCXENT,
  /** Negative log likelihood; use with a softmax output. */
  NEGATIVELOGLIKELIHOOD,
  /** Binary cross entropy per output; use with a sigmoid output. */
  XENT,
  /** Mean squared error; use for regression. */
  MSE,
  /** Mean absolute error; use for regression. */
  L1
}
