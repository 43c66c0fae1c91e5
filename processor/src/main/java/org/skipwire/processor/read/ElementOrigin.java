package org.skipwire.processor.read;

import java.util.Map;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.Element;
import javax.lang.model.element.ExecutableElement;
import org.skipwire.processor.model.Origin;

/**
 * An {@link Origin} backed by javac's model: the element, and where known the annotation and the
 * written value, so that an error underlines the narrowest token.
 */
public record ElementOrigin(Element element, AnnotationMirror mirror, AnnotationValue value)
    implements Origin {

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
}
