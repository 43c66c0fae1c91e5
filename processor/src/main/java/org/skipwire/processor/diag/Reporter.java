package org.skipwire.processor.diag;

import com.sun.source.util.Trees;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.annotation.processing.Messager;
import javax.lang.model.element.Element;
import javax.lang.model.element.TypeElement;
import javax.tools.Diagnostic;
import org.skipwire.processor.read.ElementOrigin;
import org.skipwire.processor.read.RepeatedAnnotations;

/**
 * The one user of {@link Messager}. Puts each problem on its narrowest origin, or, when that lies
 * outside this compilation (a block from a library), on the trunk field being checked, naming the
 * other type. The same mistake reached twice (a block used by several stages) is reported once.
 */
public final class Reporter {
  private final Messager messager;
  private final Set<String> sourceTypes;
  private final Set<Key> reported = new HashSet<>();
  private final Trees trees;

  /**
   * @param sourceTypes qualified names of the top-level types compiled from source in this run
   */
  public Reporter(Messager messager, Set<String> sourceTypes) {
    this(messager, sourceTypes, null);
  }

  /**
   * @param trees javac's tree API, to place errors on one of several repeated annotations; null
   *     where the compiler has none
   */
  public Reporter(Messager messager, Set<String> sourceTypes, Trees trees) {
    this.messager = messager;
    this.sourceTypes = sourceTypes;
    this.trees = trees;
  }

  /**
   * One mistake at one place, in the same members of a family; javac's elements and mirrors compare
   * by identity.
   */
  private record Key(ElementOrigin at, Message message, List<String> members) {}

  public void report(Problem problem) {
    ElementOrigin at = (ElementOrigin) problem.origin();
    String text = problem.text();
    TypeElement owner = topLevel(at.element());
    if (owner != null
        && !sourceTypes.contains(owner.getQualifiedName().toString())
        && problem.site() instanceof ElementOrigin site) {
      text = text + " (in " + owner.getQualifiedName() + ")";
      at = site;
    }
    // The origin itself, not hash codes of its parts: two different places must never collide.
    Key key = new Key(at, problem.message(), problem.members());
    if (!reported.add(key)) {
      return;
    }
    if (!RepeatedAnnotations.print(trees, at, text)) {
      messager.printMessage(Diagnostic.Kind.ERROR, text, at.element(), at.mirror(), at.value());
    }
  }

  private static TypeElement topLevel(Element element) {
    TypeElement top = null;
    for (Element e = element; e != null; e = e.getEnclosingElement()) {
      if (e instanceof TypeElement t) {
        top = t;
      }
    }
    return top;
  }
}
