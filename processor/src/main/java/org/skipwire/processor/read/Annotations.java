package org.skipwire.processor.read;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.Element;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.util.Elements;

/** Reads annotation values off javac's model, defaults included, without loading classes. */
final class Annotations {
  private final Elements elements;

  Annotations(Elements elements) {
    this.elements = elements;
  }

  static Optional<AnnotationMirror> find(Element element, Class<?> annotation) {
    for (AnnotationMirror m : element.getAnnotationMirrors()) {
      TypeElement type = (TypeElement) m.getAnnotationType().asElement();
      if (type.getQualifiedName().contentEquals(annotation.getCanonicalName())) {
        return Optional.of(m);
      }
    }
    return Optional.empty();
  }

  static boolean has(Element element, Class<?> annotation) {
    return find(element, annotation).isPresent();
  }

  /**
   * The attribute's value as the given type. A value javac could not resolve (an unknown constant)
   * arrives as something else, often the string {@code "<error>"}; javac reports that itself.
   */
  private <T> T value(AnnotationMirror mirror, String name, Class<T> type) {
    for (Map.Entry<? extends ExecutableElement, ? extends AnnotationValue> e :
        elements.getElementValuesWithDefaults(mirror).entrySet()) {
      if (e.getKey().getSimpleName().contentEquals(name)) {
        Object value = e.getValue().getValue();
        if (!type.isInstance(value)) {
          throw new NetworkReader.UnresolvedType(name + " = " + value);
        }
        return type.cast(value);
      }
    }
    throw new IllegalArgumentException("no attribute " + name + " on " + mirror);
  }

  int intValue(AnnotationMirror mirror, String name) {
    return value(mirror, name, Integer.class);
  }

  double doubleValue(AnnotationMirror mirror, String name) {
    return value(mirror, name, Number.class).doubleValue();
  }

  boolean booleanValue(AnnotationMirror mirror, String name) {
    return value(mirror, name, Boolean.class);
  }

  String stringValue(AnnotationMirror mirror, String name) {
    return value(mirror, name, String.class);
  }

  /** An array attribute's elements, in the order written. */
  @SuppressWarnings("unchecked")
  List<AnnotationValue> listValue(AnnotationMirror mirror, String name) {
    return (List<AnnotationValue>) value(mirror, name, List.class);
  }

  AnnotationMirror annotationValue(AnnotationMirror mirror, String name) {
    return value(mirror, name, AnnotationMirror.class);
  }

  <E extends Enum<E>> E enumValue(AnnotationMirror mirror, String name, Class<E> type) {
    VariableElement constant = value(mirror, name, VariableElement.class);
    return Enum.valueOf(type, constant.getSimpleName().toString());
  }
}
