package org.skipwire;

/**
 * The type of a field that declares one layer step. It is a marker: the annotations on the field
 * say what the step is, and nothing ever assigns the field.
 */
public interface Layer {
  /**
   * For {@code stride}: the stride of the enclosing {@link Stage} in the first block of the stage,
   * and 1 in every block after it.
   */
  int STAGE = -1;
}
