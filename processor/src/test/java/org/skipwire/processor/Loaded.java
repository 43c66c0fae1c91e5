package org.skipwire.processor;

import com.google.testing.compile.Compilation;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import javax.tools.JavaFileObject;
import javax.tools.StandardLocation;
import org.skipwire.runtime.SkipwireModel;

/** The classes of a compilation, loaded, so a test can run what the processor generated. */
final class Loaded extends ClassLoader {
  private final Map<String, byte[]> classes = new HashMap<>();

  Loaded(Compilation compilation) throws IOException {
    super(Loaded.class.getClassLoader());
    for (JavaFileObject file : compilation.generatedFiles()) {
      if (file.getKind() != JavaFileObject.Kind.CLASS) {
        continue;
      }
      // compile-testing names class outputs /CLASS_OUTPUT/demo/TinyGraph.class.
      String path = file.toUri().getPath();
      String prefix = "/" + StandardLocation.CLASS_OUTPUT.getName() + "/";
      String name = path.substring(path.indexOf(prefix) + prefix.length());
      name = name.substring(0, name.length() - ".class".length()).replace('/', '.');
      try (InputStream in = file.openInputStream()) {
        classes.put(name, in.readAllBytes());
      }
    }
  }

  @Override
  protected Class<?> findClass(String name) throws ClassNotFoundException {
    byte[] bytes = classes.get(name);
    if (bytes == null) {
      throw new ClassNotFoundException(name);
    }
    return defineClass(name, bytes, 0, bytes.length);
  }

  /** A new instance of the generated graph class {@code qualifiedName}. */
  SkipwireModel model(String qualifiedName) throws ReflectiveOperationException {
    return (SkipwireModel) loadClass(qualifiedName).getDeclaredConstructor().newInstance();
  }
}
