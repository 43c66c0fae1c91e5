package org.skipwire.processor.read;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.Element;
import javax.lang.model.element.ExecutableElement;
import org.skipwire.processor.model.Origin;

/**
 * An {@link Origin} backed by javac's model: the element, and where known the annotation and the
 * written value, so that an error underlines the narrowest token.
 *
 * @param given attributes whose value a family member gives in its {@code @Variant} rather than
 *     here (a {@code VARIANT} placeholder): an error about the value goes where it was written
 */
public record ElementOrigin(
    Element element, AnnotationMirror mirror, AnnotationValue value, Map<String, Origin> given)
    implements Origin {

  public ElementOrigin {
    given = Map.copyOf(given);
  }

  public ElementOrigin(Element element, AnnotationMirror mirror, AnnotationValue value) {
    this(element, mirror, value, Map.of());
  }

  public static ElementOrigin of(Element element) {
    return new ElementOrigin(element, null, null);
  }

  public static ElementOrigin of(Element element, AnnotationMirror mirror) {
    return new ElementOrigin(element, mirror, null);
  }

  /**
   * {@inheritDoc} At a value that is itself an annotation (a {@code @Variant} inside its repeated
   * container), the attribute is that annotation's: javac finds nested values in the tree too.
   */
  @Override
  public Origin attribute(String name) {
    Origin substituted = given.get(name);
    if (substituted != null) {
      return substituted;
    }
    if (mirror == null) {
      return this;
    }
    AnnotationMirror owner =
        value != null && value.getValue() instanceof AnnotationMirror nested ? nested : mirror;
    for (Map.Entry<? extends ExecutableElement, ? extends AnnotationValue> e :
        owner.getElementValues().entrySet()) {
      if (e.getKey().getSimpleName().contentEquals(name)) {
        return new ElementOrigin(element, mirror, e.getValue());
      }
    }
    return this;
  }

  /** The same origin, with {@code attribute}'s value given at {@code at} instead. */
  ElementOrigin giving(String attribute, Origin at) {
    Map<String, Origin> more = new HashMap<>(given);
    more.put(attribute, at);
    return new ElementOrigin(element, mirror, value, more);
  }

  /**
   * The {@code index}-th entry of an array attribute as written, or the attribute if it has no such
   * entry (javac's messager finds entries of an array in the tree).
   */
  Origin entry(String attribute, int index) {
    Origin whole = attribute(attribute);
    if (whole instanceof ElementOrigin at
        && at.value() != null
        && at.value().getValue() instanceof List<?> entries
        && index < entries.size()
        && entries.get(index) instanceof AnnotationValue one) {
      return new ElementOrigin(element, mirror, one);
    }
    return whole;
  }
}
