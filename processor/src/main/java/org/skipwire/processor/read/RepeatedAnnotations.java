package org.skipwire.processor.read;

import com.sun.source.tree.AnnotationTree;
import com.sun.source.tree.AssignmentTree;
import com.sun.source.tree.ExpressionTree;
import com.sun.source.tree.IdentifierTree;
import com.sun.source.tree.NewArrayTree;
import com.sun.source.tree.Tree;
import com.sun.source.util.TreePath;
import com.sun.source.util.Trees;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.TypeElement;
import javax.tools.Diagnostic;

/**
 * Puts an error on one of several repeated annotations ({@code @Variant} written twice), which
 * {@link javax.annotation.processing.Messager} cannot: javac synthesises their container, which has
 * no tree, and then reports at the element. The i-th value of the container is the i-th annotation
 * of that type written on the element, so the tree API finds it, and the attribute inside it.
 */
public final class RepeatedAnnotations {
  private RepeatedAnnotations() {}

  /**
   * Prints {@code text} at {@code at} if it lies inside a synthesised container, and says whether
   * it did.
   */
  public static boolean print(Trees trees, ElementOrigin at, String text) {
    if (trees == null || at.mirror() == null || at.value() == null) {
      return false;
    }
    AnnotationMirror container = at.mirror();
    Map<? extends ExecutableElement, ? extends AnnotationValue> values =
        container.getElementValues();
    if (values.size() != 1 || !(values.values().iterator().next().getValue() instanceof List<?>)) {
      return false;
    }
    List<?> repeated = (List<?>) values.values().iterator().next().getValue();
    int index = -1;
    String attribute = null;
    int entry = -1;
    for (int i = 0; i < repeated.size() && index < 0; i++) {
      AnnotationValue one = (AnnotationValue) repeated.get(i);
      if (one == at.value()) {
        index = i;
      } else if (one.getValue() instanceof AnnotationMirror nested) {
        for (Map.Entry<? extends ExecutableElement, ? extends AnnotationValue> e :
            nested.getElementValues().entrySet()) {
          if (e.getValue() == at.value()) {
            index = i;
            attribute = e.getKey().getSimpleName().toString();
          } else if (e.getValue().getValue() instanceof List<?> entries) {
            // One entry of an array attribute, e.g. the 0 of blocks = {3, 0, 6, 3}.
            for (int j = 0; j < entries.size(); j++) {
              if (entries.get(j) == at.value()) {
                index = i;
                attribute = e.getKey().getSimpleName().toString();
                entry = j;
              }
            }
          }
        }
      }
    }
    if (index < 0) {
      return false;
    }
    TreePath path;
    try {
      path = trees.getPath(at.element());
    } catch (RuntimeException e) {
      return false;
    }
    if (path == null || !(path.getLeaf() instanceof com.sun.source.tree.ClassTree type)) {
      return false;
    }
    TypeElement containerType = (TypeElement) container.getAnnotationType().asElement();
    List<AnnotationTree> written = new ArrayList<>();
    TreePath modifiers = new TreePath(path, type.getModifiers());
    for (AnnotationTree a : type.getModifiers().getAnnotations()) {
      String name = qualifiedName(trees, new TreePath(modifiers, a));
      if (name.contentEquals(containerType.getQualifiedName())) {
        return false; // the container is written out: javac finds its values itself
      }
      if (name.equals(repeatedName(container))) {
        written.add(a);
      }
    }
    if (index >= written.size()) {
      return false;
    }
    Tree target = written.get(index);
    if (attribute != null) {
      for (ExpressionTree argument : written.get(index).getArguments()) {
        if (argument instanceof AssignmentTree assignment
            && assignment.getVariable() instanceof IdentifierTree id
            && id.getName().contentEquals(attribute)) {
          target = assignment.getExpression();
          if (entry >= 0
              && target instanceof NewArrayTree array
              && array.getInitializers() != null
              && entry < array.getInitializers().size()) {
            target = array.getInitializers().get(entry);
          }
        }
      }
    }
    trees.printMessage(Diagnostic.Kind.ERROR, text, target, path.getCompilationUnit());
    return true;
  }

  /** The qualified name of the annotation the container repeats, or null. */
  private static String repeatedName(AnnotationMirror container) {
    List<?> repeated = (List<?>) container.getElementValues().values().iterator().next().getValue();
    if (repeated.isEmpty()
        || !(((AnnotationValue) repeated.get(0)).getValue() instanceof AnnotationMirror first)) {
      return null;
    }
    return ((TypeElement) first.getAnnotationType().asElement()).getQualifiedName().toString();
  }

  /**
   * The qualified name of a written annotation's type, as javac resolved it (an import or a
   * qualified name alike); its text only where javac has no element for it.
   */
  private static String qualifiedName(Trees trees, TreePath annotation) {
    Tree type = ((AnnotationTree) annotation.getLeaf()).getAnnotationType();
    try {
      if (trees.getElement(new TreePath(annotation, type)) instanceof TypeElement t) {
        return t.getQualifiedName().toString();
      }
    } catch (RuntimeException e) {
      // fall through to the text
    }
    return type.toString();
  }
}
