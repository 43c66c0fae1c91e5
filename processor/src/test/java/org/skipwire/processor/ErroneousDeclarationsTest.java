package org.skipwire.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static com.google.testing.compile.Compiler.javac;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.skipwire.processor.Sources.assertNothingGenerated;
import static org.skipwire.processor.Sources.compile;
import static org.skipwire.processor.Sources.source;

import com.google.testing.compile.Compilation;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;
import org.skipwire.processor.diag.Message;

/**
 * Declarations the reader refuses before any shape is known, and the processor's own flow: names
 * that collide, internal errors, networks that must not be generated.
 */
class ErroneousDeclarationsTest {

  private static final String TAIL =
      """
        @GlobalAvgPool Layer gap;
        @Dense(units = 2) @Output Layer out;
      }
      """;

  @Test
  void aTrunkConvolutionNeedsFilters() throws IOException {
    JavaFileObject src =
        source(
            "Sizeless",
            """
            @Network(input = @Input(channels = 4, height = 8, width = 8))
            class Sizeless {
              @Conv(kernel = 3) Layer conv;
            """
                + TAIL);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining("[skipwire/missing-size] conv: @Conv on the trunk needs filters = n")
        .inFile(src)
        .onLineContaining("Layer conv;");
    assertNothingGenerated(src);
  }

  @Test
  void aBlockFieldNeedsAStage() throws IOException {
    JavaFileObject src =
        source(
            "Stageless",
            """
            @Network(input = @Input(channels = 4, height = 8, width = 8))
            class Stageless {
              Plain body;
            """
                + TAIL
                + """
                @ResidualBlock
                class Plain { @Conv(kernel = 3) Layer c; }
                """);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/block-needs-stage] body: a Plain field needs @Stage(blocks = n, width = w)")
        .inFile(src)
        .onLineContaining("Plain body;");
    assertNothingGenerated(src);
  }

  @Test
  void oneFieldHoldsOneOp() throws IOException {
    JavaFileObject src =
        source(
            "TwoOps",
            """
            @Network(input = @Input(channels = 4, height = 8, width = 8))
            class TwoOps {
              @Conv(kernel = 3, filters = 8) @MaxPool(kernel = 2) Layer both;
            """
                + TAIL);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining("[skipwire/two-ops] both: one field holds one op")
        .inFile(src)
        .onLineContaining("Layer both;");
    assertNothingGenerated(src);
  }

  @Test
  void aBlockNeedsSteps() throws IOException {
    JavaFileObject src =
        source(
            "Hollow",
            """
            @Network(input = @Input(channels = 4, height = 8, width = 8))
            class Hollow {
              @Stage(blocks = 1, width = 4) Nothing body;
            """
                + TAIL
                + """
                @ResidualBlock
                class Nothing {}
                """);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining("[skipwire/empty-block] block Nothing has no steps")
        .inFile(src)
        .onLineContaining("@ResidualBlock");
    assertNothingGenerated(src);
  }

  @Test
  void aNetworkNeedsSteps() throws IOException {
    JavaFileObject src =
        source(
            "Void",
            """
            @Network(input = @Input(channels = 4, height = 8, width = 8))
            class Void {}
            """);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining("[skipwire/empty-network] network Void has no steps")
        .inFile(src)
        .onLineContaining("@Network(input");
    assertNothingGenerated(src);
  }

  @Test
  void aNetworkNameIsLowerCaseWithoutSpaces() throws IOException {
    JavaFileObject src =
        source(
            "Spaced",
            """
            @Network(name = "My Net", input = @Input(channels = 4, height = 8, width = 8))
            class Spaced {
              @Conv(kernel = 3, filters = 8) Layer conv;
            """
                + TAIL);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining("[skipwire/bad-name] network name \"My Net\"")
        .inFile(src)
        .onLineContaining("\"My Net\"");
    assertNothingGenerated(src);
  }

  @Test
  void twoNetworksCannotShareAName() throws IOException {
    JavaFileObject first =
        source(
            "First",
            """
            @Network(name = "net", input = @Input(channels = 4, height = 8, width = 8))
            class First {
              @Conv(kernel = 3, filters = 8) Layer conv;
            """
                + TAIL);
    JavaFileObject second =
        source(
            "Second",
            """
            @Network(name = "net", input = @Input(channels = 4, height = 8, width = 8))
            class Second {
              @Conv(kernel = 3, filters = 8) Layer conv;
            """
                + TAIL);
    Compilation c = compile(first, second);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/duplicate-name] network name \"net\" is also used by demo.First")
        .inFile(second)
        .onLineContaining("class Second");
  }

  @Test
  void nestedNetworksOfTheSameNameInTwoClassesBothGenerate() throws IOException {
    JavaFileObject a =
        source(
            "A",
            """
            class A {
              @Network(name = "a-net", input = @Input(channels = 4, height = 8, width = 8))
              static class Net {
                @Conv(kernel = 3, filters = 8) Layer conv;
                @GlobalAvgPool Layer gap;
                @Dense(units = 2) @Output Layer out;
              }
            }
            """);
    JavaFileObject b =
        source(
            "B",
            """
            class B {
              @Network(name = "b-net", input = @Input(channels = 4, height = 8, width = 8))
              static class Net {
                @Conv(kernel = 3, filters = 8) Layer conv;
                @GlobalAvgPool Layer gap;
                @Dense(units = 2) @Output Layer out;
              }
            }
            """);
    Compilation c = compile(a, b);
    assertThat(c).succeededWithoutWarnings();
    assertThat(c).generatedSourceFile("demo.A_NetGraph");
    assertThat(c).generatedSourceFile("demo.B_NetGraph");
  }

  @Test
  void aGraphClassNameThatIsTakenIsAnError() throws IOException {
    JavaFileObject src =
        source(
            "Net",
            """
            @Network(input = @Input(channels = 4, height = 8, width = 8))
            class Net {
              @Conv(kernel = 3, filters = 8) Layer conv;
            """
                + TAIL
                + """
                class NetGraph {}
                """);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/graph-class-taken] cannot write demo.NetGraph for network demo.Net: a type"
                + " of that name exists")
        .inFile(src)
        .onLineContaining("class Net {");
    assertNothingGenerated(src);
  }

  @Test
  void aMisplacedAnnotationInABlockKeepsItsNetworkFromBeingGenerated() throws IOException {
    JavaFileObject src =
        source(
            "Tainted",
            """
            @Network(input = @Input(channels = 4, height = 8, width = 8))
            class Tainted {
              @Stage(blocks = 1, width = 4) Plain body;
            """
                + TAIL
                + """
                @ResidualBlock
                class Plain {
                  @Conv(kernel = 3) Layer c;
                  @Conv(kernel = 3) static Layer shared;
                }
                """);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining("[skipwire/misplaced] @Conv applies to instance fields")
        .inFile(src)
        .onLineContaining("static Layer shared;");
    assertNothingGenerated(src);
  }

  @Test
  void anExceptionInTheCheckerIsAnInternalErrorOnTheNetworkWithAShortTrace() {
    JavaFileObject src =
        source(
            "Crash",
            """
            @Network(input = @Input(channels = 4, height = 8, width = 8))
            class Crash {
              @Conv(kernel = 3, filters = 8) Layer conv;
            """
                + TAIL);
    SkipwireProcessor failing =
        new SkipwireProcessor(
            network -> {
              throw new IllegalStateException("checker failed on " + network.simpleName());
            });
    Compilation c = javac().withProcessors(failing).compile(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/internal-error] internal error while processing demo.Crash:"
                + " java.lang.IllegalStateException: checker failed on Crash; please report it")
        .inFile(src)
        .onLineContaining("class Crash");
    String text = c.errors().get(0).getMessage(null);
    assertEquals(true, text.lines().count() <= 15, text);
  }

  /** Compiles {@code body} and asserts one error containing {@code text} on {@code line}. */
  private static void assertOneError(String name, String body, String text, String line)
      throws IOException {
    JavaFileObject src = source(name, body);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c).hadErrorContaining(text).inFile(src).onLineContaining(line);
    assertNothingGenerated(src);
  }

  @Test
  void aZeroPadShortcutNeedsFeatureMaps() throws IOException {
    assertOneError(
        "FlatPad",
        """
        @Network(input = @Input(channels = 8))
        class FlatPad {
          @Stage(blocks = 1, width = 16) @Shortcut(ZERO_PAD) Wide body;
          @Dense(units = 2) @Output Layer out;
        }
        @ResidualBlock
        class Wide { @Dense(width = 1) Layer d; }
        """,
        "[skipwire/zero-pad-flat] body.b0: zero-pad shortcut needs image feature maps, not [8] to"
            + " [16]",
        "Wide body;");
  }

  @Test
  void aShortcutCannotCarryAShrinkThatIsNoStride() throws IOException {
    assertOneError(
        "Valid",
        """
        @Network(input = @Input(channels = 4, height = 8, width = 8))
        class Valid {
          @Stage(blocks = 1, width = 8) Unpadded body;
          @GlobalAvgPool Layer gap;
          @Dense(units = 2) @Output Layer out;
        }
        @ResidualBlock
        class Unpadded { @Conv(kernel = 3, padding = 0) Layer c; }
        """,
        "[skipwire/shortcut-stride] body.b0: no shortcut can carry [4, 8, 8] to [8, 6, 6]",
        "Unpadded body;");
  }

  @Test
  void anOutputNeedsADenseLayer() throws IOException {
    assertOneError(
        "Bare",
        """
        @Network(input = @Input(channels = 4, height = 8, width = 8))
        class Bare {
          @GlobalAvgPool Layer gap;
          @Output Layer out;
        }
        """,
        "[skipwire/output-needs-dense] out: @Output needs @Dense(units = n)",
        "Layer out;");
  }

  @Test
  void anOutputBelongsOnTheTrunk() throws IOException {
    assertOneError(
        "Inner",
        """
        @Network(input = @Input(channels = 4, height = 8, width = 8))
        class Inner {
          @Stage(blocks = 1, width = 4) Ending body;
          @GlobalAvgPool Layer gap;
          @Dense(units = 2) @Output Layer out;
        }
        @ResidualBlock
        class Ending { @Conv(kernel = 3) @Output Layer c; }
        """,
        "[skipwire/output-in-block] c: @Output belongs on the network's last field, not in block"
            + " Ending",
        "@Output Layer c;");
  }

  @Test
  void aConcatBelongsOnTheTrunk() throws IOException {
    assertOneError(
        "Joined",
        """
        @Network(input = @Input(channels = 4, height = 8, width = 8))
        class Joined {
          @Conv(kernel = 3, filters = 4) Layer first;
          @Stage(blocks = 1, width = 4) Joining body;
          @GlobalAvgPool Layer gap;
          @Dense(units = 2) @Output Layer out;
        }
        @ResidualBlock
        class Joining {
          @Conv(kernel = 3) Layer a;
          @Concat(from = "first") Layer c;
        }
        """,
        "[skipwire/concat-in-block] c: @Concat names trunk steps and belongs on a field of the"
            + " network, not of block Joining",
        "Layer c;");
  }

  @Test
  void aLayerFieldNeedsAnOp() throws IOException {
    assertOneError(
        "Idle",
        """
        @Network(input = @Input(channels = 4, height = 8, width = 8))
        class Idle {
          Layer nothing;
          @GlobalAvgPool Layer gap;
          @Dense(units = 2) @Output Layer out;
        }
        """,
        "[skipwire/empty-step] nothing: a Layer field needs @Conv",
        "Layer nothing;");
  }

  /**
   * Every id of the catalogue is asserted by some compile-testing test: a test source of this
   * module quotes {@code [skipwire/<id>]} and compiles. A new message without a test fails here.
   */
  @Test
  void everyMessageIdHasACompileTestingTest() throws IOException {
    List<Path> tests;
    try (var walk = java.nio.file.Files.walk(Path.of("src/test/java"))) {
      tests = walk.filter(p -> p.toString().endsWith(".java")).toList();
    }
    StringBuilder compiling = new StringBuilder();
    for (Path p : tests) {
      String text = java.nio.file.Files.readString(p);
      if (text.contains("compile(") && text.contains("hadErrorContaining")) {
        compiling.append(text);
      }
    }
    List<String> untested =
        java.util.Arrays.stream(Message.values())
            .map(Message::id)
            .distinct()
            .filter(id -> !compiling.toString().contains("[skipwire/" + id + "]"))
            .toList();
    assertEquals(List.of(), untested, "ids without a compile-testing test");
  }
}
