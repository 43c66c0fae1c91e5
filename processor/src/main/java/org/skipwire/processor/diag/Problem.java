package org.skipwire.processor.diag;

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
public record Problem(Message message, String text, Origin origin, Origin site) {

  /** The same problem, reported at {@code newSite} if its origin is outside this compilation. */
  public Problem withSite(Origin newSite) {
    return new Problem(message, text, origin, newSite);
  }
}
