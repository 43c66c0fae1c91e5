package org.skipwire.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.skipwire.processor.Sources.assertNothingGenerated;
import static org.skipwire.processor.Sources.compile;
import static org.skipwire.processor.Sources.source;

import com.google.testing.compile.Compilation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;
import org.skipwire.processor.read.DslAnnotation;

/** The annotation registry: complete, and each connection read as itself. */
class DslAnnotationTest {

  /**
   * Every annotation type of the annotations module is in the registry, so the processor claims it
   * and the misplacement check sees it; only {@code @Input} (written inside {@code @Network} only)
   * and the runtime's {@code @SkipwireGenerated} are not the DSL's.
   */
  @Test
  void theRegistryHoldsEveryAnnotationOfTheDsl() throws IOException {
    Set<String> declared = new TreeSet<>();
    Pattern annotation = Pattern.compile("public @interface (\\w+)");
    try (var files = Files.list(Path.of("../annotations/src/main/java/org/skipwire"))) {
      for (Path file : files.toList()) {
        Matcher m = annotation.matcher(Files.readString(file));
        if (m.find()) {
          declared.add("org.skipwire." + m.group(1));
        }
      }
    }
    declared.removeAll(Set.of("org.skipwire.Input", "org.skipwire.SkipwireGenerated"));
    assertEquals(declared, new TreeSet<>(DslAnnotation.supportedTypes()));
    assertEquals(declared, new TreeSet<>(new SkipwireProcessor().getSupportedAnnotationTypes()));
  }

  /** What each connection's generated graph contains that no other connection's does. */
  private static final Map<DslAnnotation, String> MARKS =
      Map.of(
          DslAnnotation.RESIDUAL_BLOCK, "ElementWiseVertex",
          DslAnnotation.DENSE_CONNECT, "MergeVertex",
          DslAnnotation.HIGHWAY_GATE, "HighwayGateVertex",
          DslAnnotation.SHAKE_SHAKE, "ShakeShakeVertex",
          DslAnnotation.SEQUENTIAL, "");

  /**
   * Each connection annotation becomes its own connection: none falls through to another (the
   * reader once made every connection it did not name a highway).
   */
  @Test
  void eachConnectionAnnotationIsReadAsItself() throws IOException {
    List<DslAnnotation> connections = DslAnnotation.in(DslAnnotation.Place.CONNECTION);
    assertEquals(MARKS.keySet(), Set.copyOf(connections), "a connection without a test here");
    for (DslAnnotation connection : connections) {
      String attributes = connection == DslAnnotation.DENSE_CONNECT ? "(growthRate = 4)" : "";
      JavaFileObject src =
          source(
              "Joined",
              """
              @Network(input = @Input(channels = 8, height = 8, width = 8))
              class Joined {
                @Stage(blocks = 1, width = 8) Unit stage;
                @GlobalAvgPool Layer gap;
                @Dense(units = 2) @Output Layer out;
              }
              @%s%s
              class Unit { @Conv(kernel = 3) @Activation(RELU) Layer conv; }
              """
                  .formatted(connection.type().getSimpleName(), attributes));
      Compilation c = compile(src);
      assertThat(c).succeeded();
      String graph =
          c.generatedSourceFile("demo.JoinedGraph").orElseThrow().getCharContent(true).toString();
      for (Map.Entry<DslAnnotation, String> other : MARKS.entrySet()) {
        if (other.getValue().isEmpty()
            || (connection == DslAnnotation.SHAKE_SHAKE
                && other.getKey() == DslAnnotation.RESIDUAL_BLOCK)) {
          continue; // Shake-Shake adds its shortcut with a sum too
        }
        boolean expected = other.getKey() == connection;
        assertEquals(
            expected,
            graph.contains(other.getValue()),
            connection + " generates " + (expected ? "no " : "a ") + other.getValue());
      }
    }
  }

  /** An annotation of the user's own on a class does not make it a block of any kind. */
  @Test
  void anUnknownAnnotationDoesNotMakeABlock() throws IOException {
    JavaFileObject src =
        source(
            "Unknown",
            """
            @Network(input = @Input(channels = 8, height = 8, width = 8))
            class Unknown {
              @Stage(blocks = 1, width = 8) Gated stage;
              @GlobalAvgPool Layer gap;
              @Dense(units = 2) @Output Layer out;
            }
            @interface Gate {}
            @Gate
            class Gated { @Conv(kernel = 3) @Activation(RELU) Layer conv; }
            """);
    Compilation c = compile(src);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/not-a-step] stage: field type Gated is neither Layer nor a @ResidualBlock"
                + " class")
        .inFile(src)
        .onLineContaining("Gated stage;");
    assertNothingGenerated(src);
  }

  /** The registry's places are what the misplacement check and the reader read by. */
  @Test
  void everyAnnotationHasOnePlace() {
    Set<DslAnnotation> placed =
        java.util.Arrays.stream(DslAnnotation.Place.values())
            .flatMap(p -> DslAnnotation.in(p).stream())
            .collect(Collectors.toSet());
    assertEquals(Set.of(DslAnnotation.values()), placed);
    assertFalse(DslAnnotation.in(DslAnnotation.Place.OP).isEmpty());
    assertTrue(
        DslAnnotation.in(DslAnnotation.Place.OP).stream()
            .noneMatch(a -> DslAnnotation.in(DslAnnotation.Place.LAYER).contains(a)));
  }
}
