package org.skipwire;

/** Element-wise nonlinearities, named as DL4J's {@code Activation} enum names them. */
public enum Nonlinearity {
  IDENTITY,
  RELU,
  LEAKYRELU,
  ELU,
  SIGMOID,
  TANH,
  SOFTMAX,
  GELU,
  SWISH
}
