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
  /** {@code x * sigmoid(x)}: Swish (Ramachandran et al. 2017), SiLU in PyTorch. */
  SWISH,
  /** {@code min(max(x, 0), 6)}: MobileNetV2's ReLU, bounded for low-precision inference. */
  RELU6
}
