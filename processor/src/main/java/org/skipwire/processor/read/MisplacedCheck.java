package org.skipwire.processor.read;

import java.util.List;
import javax.annotation.processing.RoundEnvironment;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.Modifier;
import org.skipwire.processor.diag.Message;
import org.skipwire.processor.diag.Problem;
import org.skipwire.processor.read.DslAnnotation.Place;

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
    for (DslAnnotation annotation : DslAnnotation.in(Place.OP, Place.LAYER, Place.STAGE)) {
      for (Element e : round.getElementsAnnotatedWith(annotation.type())) {
        checkField(e, annotation);
      }
    }
    for (DslAnnotation option : DslAnnotation.in(Place.RESIDUAL_OPTION)) {
      for (Element e : round.getElementsAnnotatedWith(option.type())) {
        if (!DslAnnotation.RESIDUAL_BLOCK.on(e)) {
          report(e, option, Message.RESIDUAL_ONLY, option.shownAs(), e.getSimpleName());
        }
      }
    }
    for (DslAnnotation option : DslAnnotation.in(Place.NETWORK_OPTION)) {
      for (Element e : round.getElementsAnnotatedWith(option.type())) {
        // An element with both @Variant and the container gets one message, at the @Variant.
        boolean reported = option == DslAnnotation.VARIANTS && DslAnnotation.VARIANT.on(e);
        if (!DslAnnotation.NETWORK.on(e) && !reported) {
          report(e, option, Message.NETWORK_ONLY, option.shownAs(), e.getSimpleName());
        }
      }
    }
    for (Element e : round.getElementsAnnotatedWith(DslAnnotation.SHORTCUT.type())) {
      if (e.getKind() == ElementKind.FIELD) {
        checkField(e, DslAnnotation.SHORTCUT);
      } else if (!DslAnnotation.RESIDUAL_BLOCK.on(e)) {
        report(e, DslAnnotation.SHORTCUT, Message.SHORTCUT_PLACE, e.getSimpleName());
      }
    }
  }

  private void checkField(Element field, DslAnnotation annotation) {
    Element owner = field.getEnclosingElement();
    String at = annotation.shownAs();
    if (field.getModifiers().contains(Modifier.STATIC)) {
      report(field, annotation, Message.STATIC_FIELD, at, field.getSimpleName());
    } else if (!DslAnnotation.NETWORK.on(owner) && !NetworkReader.isBlock(owner)) {
      report(field, annotation, Message.FIELD_OWNER, at, owner.getSimpleName());
    }
  }

  private void report(Element element, DslAnnotation annotation, Message message, Object... args) {
    AnnotationMirror mirror = annotation.find(element).orElse(null);
    problems.add(message.at(new ElementOrigin(element, mirror, null), args));
  }
}
