package org.skipwire.processor;

import com.google.auto.service.AutoService;
import java.io.IOException;
import java.io.Writer;
import java.util.Set;
import java.util.TreeSet;
import javax.annotation.processing.AbstractProcessor;
import javax.annotation.processing.Processor;
import javax.annotation.processing.RoundEnvironment;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.Element;
import javax.lang.model.element.TypeElement;
import javax.tools.Diagnostic;
import javax.tools.FileObject;
import javax.tools.StandardLocation;
import org.skipwire.SkipwireGenerated;

/**
 * Registers every generated graph as a {@code org.skipwire.runtime.SkipwireModel} service, so a
 * program can list the networks without a hand-kept list. Like AutoService, it collects over all
 * rounds and writes one sorted file in the last.
 */
@AutoService(Processor.class)
public final class NetworkIndexProcessor extends AbstractProcessor {
  static final String SERVICE_FILE = "META-INF/services/org.skipwire.runtime.SkipwireModel";

  private final Set<String> graphs = new TreeSet<>();

  @Override
  public Set<String> getSupportedAnnotationTypes() {
    return Set.of(SkipwireGenerated.class.getCanonicalName());
  }

  @Override
  public SourceVersion getSupportedSourceVersion() {
    return SourceVersion.latestSupported();
  }

  @Override
  public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment round) {
    for (Element e : round.getElementsAnnotatedWith(SkipwireGenerated.class)) {
      if (e instanceof TypeElement type) {
        graphs.add(processingEnv.getElementUtils().getBinaryName(type).toString());
      }
    }
    if (round.processingOver() && !graphs.isEmpty()) {
      try {
        FileObject file =
            processingEnv
                .getFiler()
                .createResource(StandardLocation.CLASS_OUTPUT, "", SERVICE_FILE);
        try (Writer w = file.openWriter()) {
          for (String graph : graphs) {
            w.write(graph);
            w.write('\n');
          }
        }
      } catch (IOException e) {
        processingEnv
            .getMessager()
            .printMessage(
                Diagnostic.Kind.ERROR,
                "[skipwire/index] could not write " + SERVICE_FILE + ": " + e);
      }
    }
    return false;
  }
}
