package org.skipwire.processor.model;

/**
 * Where a declaration came from, opaque to every stage but the reader, which maps it back to an
 * element, annotation and annotation value so that javac can underline the exact token. Tests of
 * the shape checker use plain stand-ins.
 */
public interface Origin {

  /**
   * The narrowest origin for one attribute of this origin's annotation: the written value if the
   * user wrote it, else this origin.
   */
  Origin attribute(String name);
}
