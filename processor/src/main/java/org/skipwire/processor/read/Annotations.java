package org.skipwire.processor.read;

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

  private Object value(AnnotationMirror mirror, String name) {
    for (Map.Entry<? extends ExecutableElement, ? extends AnnotationValue> e :
        elements.getElementValuesWithDefaults(mirror).entrySet()) {
      if (e.getKey().getSimpleName().contentEquals(name)) {
        return e.getValue().getValue();
      }
    }
    throw new IllegalArgumentException("no attribute " + name + " on " + mirror);
  }

  int intValue(AnnotationMirror mirror, String name) {
    return ((Number) value(mirror, name)).intValue();
  }

  double doubleValue(AnnotationMirror mirror, String name) {
    return ((Number) value(mirror, name)).doubleValue();
  }

  boolean booleanValue(AnnotationMirror mirror, String name) {
    return (Boolean) value(mirror, name);
  }

  String stringValue(AnnotationMirror mirror, String name) {
    return (String) value(mirror, name);
  }

  AnnotationMirror annotationValue(AnnotationMirror mirror, String name) {
    return (AnnotationMirror) value(mirror, name);
  }

  <E extends Enum<E>> E enumValue(AnnotationMirror mirror, String name, Class<E> type) {
    VariableElement constant = (VariableElement) value(mirror, name);
    return Enum.valueOf(type, constant.getSimpleName().toString());
  }
}
