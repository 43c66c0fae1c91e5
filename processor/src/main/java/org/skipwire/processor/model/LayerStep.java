package org.skipwire.processor.model;

import org.skipwire.Nonlinearity;

/**
 * A {@code Layer} field: an optional weight or pooling op, an optional batch norm and an optional
 * activation. The enclosing block decides their order (post-activation: weight, norm, activation;
 * pre-activation: norm, activation, weight).
 *
 * @param weight the op with a kernel or weights, or null for a pure norm/activation step
 * @param batchNorm null when the field has no {@code @BatchNorm}
 * @param activation null when the field has no {@code @Activation}
 * @param activationOrigin the {@code @Activation} annotation, or the field
 * @param output null unless the field is the network's {@code @Output}
 * @param dropout null unless the field has {@code @Dropout}
 */
public record LayerStep(
    String name,
    Origin origin,
    Op weight,
    BatchNormSpec batchNorm,
    Nonlinearity activation,
    Origin activationOrigin,
    OutputSpec output,
    DropoutSpec dropout)
    implements Step {

  /** {@code @Dropout}: the probability of dropping a value of the step's output. */
  public record DropoutSpec(double rate, Origin origin) {}

  @Override
  public <R> R accept(Visitor<R> v) {
    return v.visitLayer(this);
  }
}
