package org.skipwire.processor.diag;

import java.util.List;
import org.skipwire.processor.model.Origin;

/**
 * One mistake in a declaration.
 *
 * @param message the catalogue entry
 * @param text the full message as javac prints it, id first
 * @param origin the narrowest place the user wrote that causes it
 * @param site the trunk field of the network being checked, where the report goes when {@code
 *     origin} lies outside this compilation (a block from a library); may equal {@code origin}
 */
public record Problem(
    Message message, String text, Origin origin, Origin site, List<String> members) {

  /** A problem of a network, or of every member of a family alike. */
  public Problem(Message message, String text, Origin origin, Origin site) {
    this(message, text, origin, site, List.of());
  }

  /** The same problem, reported at {@code newSite} if its origin is outside this compilation. */
  public Problem withSite(Origin newSite) {
    return new Problem(message, text, origin, newSite, members);
  }

  /**
   * The same problem in the named members of a family: {@code [skipwire/id] in variant resnet101:
   * ...}, so the member an error belongs to is never a guess.
   */
  public Problem inMembers(List<String> members) {
    String prefix = "[skipwire/" + message.id() + "] ";
    String rest = text.startsWith(prefix) ? text.substring(prefix.length()) : text;
    String which =
        (members.size() == 1 ? "in variant " : "in variants ") + String.join(", ", members);
    return new Problem(message, prefix + which + ": " + rest, origin, site, List.copyOf(members));
  }
}
