package org.skipwire.processor.model;

import java.util.List;

/**
 * A block class: its branch, in field order, and how it connects the branch to its input.
 *
 * @param simpleName the class's simple name, for messages and comments
 * @param origin the connection annotation on the class
 */
public record Block(
    String qualifiedName,
    String simpleName,
    Origin origin,
    Connection connection,
    List<Step> body) {

  public Block {
    body = List.copyOf(body);
  }
}
