package org.skipwire.processor;

import static com.google.testing.compile.Compiler.javac;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.JavaFileObjects;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/** Test sources in the demo package, with the imports every declaration uses. */
final class Sources {
  private Sources() {}

  static final String HEADER =
      """
      package demo;

      import org.skipwire.*;
      import static org.skipwire.Layer.STAGE;
      import static org.skipwire.Loss.*;
      import static org.skipwire.Nonlinearity.RELU;
      import static org.skipwire.Nonlinearity.SOFTMAX;
      import static org.skipwire.ShortcutKind.*;

      """;

  /** A source file {@code demo.<name>} whose body follows the standard header. */
  static JavaFileObject source(String name, String body) {
    return JavaFileObjects.forSourceString("demo." + name, HEADER + body);
  }

  static Compilation compile(JavaFileObject... sources) {
    return javac()
        .withProcessors(new SkipwireProcessor(), new NetworkIndexProcessor())
        .compile(sources);
  }

  /**
   * The source files the processors write for these sources, even when compilation fails.
   * compile-testing hides generated files of a failed compilation, so this runs javac itself with a
   * fresh generated-sources directory.
   */
  /** Asserts that the processors write no source for these sources. */
  static void assertNothingGenerated(JavaFileObject... sources) throws IOException {
    org.junit.jupiter.api.Assertions.assertEquals(List.of(), generatedSources(sources));
  }

  static List<Path> generatedSources(JavaFileObject... sources) throws IOException {
    Path classes = Files.createTempDirectory("skipwire-classes");
    Path generated = Files.createTempDirectory("skipwire-generated");
    JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    try (StandardJavaFileManager files = compiler.getStandardFileManager(diagnostics, null, null)) {
      JavaCompiler.CompilationTask task =
          compiler.getTask(
              null,
              files,
              diagnostics,
              List.of(
                  "-d",
                  classes.toString(),
                  "-s",
                  generated.toString(),
                  "-classpath",
                  System.getProperty("java.class.path")),
              null,
              List.of(sources));
      task.setProcessors(List.of(new SkipwireProcessor(), new NetworkIndexProcessor()));
      task.call();
    }
    try (Stream<Path> walk = Files.walk(generated)) {
      return walk.filter(Files::isRegularFile).toList();
    }
  }
}
