package org.skipwire;

/**
 * The type of a field that declares one layer step. It is a marker: the annotations on the field
 * say what the step is, and nothing ever assigns the field.
 */
public interface Layer {
  /**
   * For {@code stride}: the stride of the enclosing {@link Stage} in the first block of the stage,
   * and 1 in every block after it. For {@link Conv#dilation()}: block i of the enclosing stage
   * dilates by {@code Stage.dilationGrowth}<sup>i</sup> (1, 2, 4, ... for growth 2).
   */
  int STAGE = -1;

  /**
   * For {@link Stage#blocks()} and {@link Stage#width()} on a field of a network family: each
   * {@link Variant} gives the value, the i-th placeholder of that attribute (in field order) taking
   * the i-th entry of {@link Variant#blocks()} or {@link Variant#widths()}.
   */
  int VARIANT = -2;

  /**
   * For {@link Conv#groups()}: as many groups as the convolution has input channels, a depthwise
   * convolution (MobileNet), whatever that number is where the block stands. Without {@code
   * filters} or {@code width} it keeps its input's channels.
   */
  int DEPTHWISE = -3;
}
