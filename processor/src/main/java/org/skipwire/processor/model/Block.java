package org.skipwire.processor.model;

import java.util.List;
import org.skipwire.ShortcutKind;

/**
 * A block class: its branch, in field order, and how it connects the branch to its input.
 *
 * @param simpleName the class's simple name, for messages and comments
 * @param shortcut the class's {@code @Shortcut}, {@link ShortcutKind#AUTO} when absent
 */
public record Block(
    String qualifiedName,
    String simpleName,
    Origin origin,
    boolean preActivation,
    ShortcutKind shortcut,
    List<Step> body) {

  public Block {
    body = List.copyOf(body);
  }
}
