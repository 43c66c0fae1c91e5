package org.skipwire.processor.read;

import java.util.List;
import java.util.Set;
import javax.annotation.processing.RoundEnvironment;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.Modifier;
import org.skipwire.Network;
import org.skipwire.ResidualBlock;
import org.skipwire.Shortcut;
import org.skipwire.Stage;
import org.skipwire.StochasticDepth;
import org.skipwire.Variant;
import org.skipwire.Variants;
import org.skipwire.processor.diag.Message;
import org.skipwire.processor.diag.Problem;

/**
 * Finds DSL annotations where no network will ever read them: on fields of classes that are neither
 * a network nor a block, on static fields, and {@code @Shortcut} on a class that is not a block.
 * Annotations javac's {@code @Target} already rejects never get here.
 */
public final class MisplacedCheck {
  private final List<Problem> problems;

  public MisplacedCheck(List<Problem> problems) {
    this.problems = problems;
  }

  public void check(RoundEnvironment round) {
    List<Class<?>> fieldAnnotations = new java.util.ArrayList<>(NetworkReader.LAYER_ANNOTATIONS);
    fieldAnnotations.add(Stage.class);
    for (Class<?> annotation : fieldAnnotations) {
      @SuppressWarnings("unchecked")
      Class<? extends java.lang.annotation.Annotation> a =
          (Class<? extends java.lang.annotation.Annotation>) annotation;
      for (Element e : round.getElementsAnnotatedWith(a)) {
        checkField(e, annotation);
      }
    }
    for (Class<?> option : NetworkReader.RESIDUAL_OPTIONS) {
      @SuppressWarnings("unchecked")
      Class<? extends java.lang.annotation.Annotation> a =
          (Class<? extends java.lang.annotation.Annotation>) option;
      for (Element e : round.getElementsAnnotatedWith(a)) {
        if (!Annotations.has(e, ResidualBlock.class)) {
          report(e, option, Message.RESIDUAL_ONLY, option.getSimpleName(), e.getSimpleName());
        }
      }
    }
    for (Element e : round.getElementsAnnotatedWith(StochasticDepth.class)) {
      if (!Annotations.has(e, Network.class)) {
        report(
            e, StochasticDepth.class, Message.NETWORK_ONLY, "StochasticDepth", e.getSimpleName());
      }
    }
    for (Element e : round.getElementsAnnotatedWithAny(Set.of(Variant.class, Variants.class))) {
      if (!Annotations.has(e, Network.class)) {
        Class<?> which = Annotations.has(e, Variant.class) ? Variant.class : Variants.class;
        report(e, which, Message.NETWORK_ONLY, "Variant", e.getSimpleName());
      }
    }
    for (Element e : round.getElementsAnnotatedWith(Shortcut.class)) {
      if (e.getKind() == ElementKind.FIELD) {
        checkField(e, Shortcut.class);
      } else if (!Annotations.has(e, ResidualBlock.class)) {
        report(e, Shortcut.class, Message.SHORTCUT_PLACE, e.getSimpleName());
      }
    }
  }

  private void checkField(Element field, Class<?> annotation) {
    Element owner = field.getEnclosingElement();
    String at = annotation.getSimpleName();
    if (field.getModifiers().contains(Modifier.STATIC)) {
      report(field, annotation, Message.STATIC_FIELD, at, field.getSimpleName());
    } else if (!Annotations.has(owner, Network.class) && !NetworkReader.isBlock(owner)) {
      report(field, annotation, Message.FIELD_OWNER, at, owner.getSimpleName());
    }
  }

  private void report(Element element, Class<?> annotation, Message message, Object... args) {
    AnnotationMirror mirror = Annotations.find(element, annotation).orElse(null);
    problems.add(message.at(new ElementOrigin(element, mirror, null), args));
  }
}
