package org.skipwire.runtime.impl;

/**
 * A batch-normalization helper that can apply the ReLU after the normalisation in the same pass,
 * and mask the gradient by it in its backward pass: what a {@link BatchNormReluLayer} asks of its
 * helper before it applies the ReLU itself. skipwire's oneDNN helper is one ({@code
 * dnnl_fuse_norm_relu} channels-last, a binary primitive's ReLU post-op in channels-first
 * inference).
 */
public interface ReluFusingHelper {

  /** From now on, also apply the ReLU where this helper can (a layout it fuses). */
  void fuseRelu();

  /** Whether the last forward pass applied the ReLU too. */
  boolean fusedForward();

  /** Whether the last training forward pass applied the ReLU, so that its backprop masks by it. */
  boolean fusedBackward();
}
