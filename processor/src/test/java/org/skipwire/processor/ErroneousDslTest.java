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
import java.util.List;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;

/** Errors of the DSL's placeholders and families: text, file, line, nothing generated. */
class ErroneousDslTest {

  private static final String BLOCK =
      """
      @ResidualBlock
      class Basic {
        @Conv(kernel = 3, stride = STAGE) @BatchNorm @Activation(RELU) Layer conv1;
        @Conv(kernel = 3) @BatchNorm Layer conv2;
      }
      """;

  @Test
  void stageWhereItMeansNothingIsNamedNotPrintedAsMinusOne() throws IOException {
    JavaFileObject src =
        source(
            "Staged",
            """
            @Network(input = @Input(channels = 8, height = 8, width = 8))
            class Staged {
              @Stage(blocks = 2, width = 8, stride = STAGE) Basic stage;
              @GlobalAvgPool Layer gap;
              @Dense(units = 2) @Output Layer out;
            }
            @ResidualBlock
            class Basic {
              @Conv(kernel = STAGE, stride = STAGE) @BatchNorm @Activation(RELU) Layer conv1;
              @Conv(kernel = 3) @BatchNorm Layer conv2;
            }
            """);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(2);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/out-of-range] stage: stride = STAGE must be at least 1; STAGE takes the"
                + " enclosing stage's value and works only for stride or dilation in a block")
        .inFile(src)
        .onLineContaining("Basic stage;");
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/out-of-range] conv1: kernel = STAGE must be at least 1; STAGE")
        .inFile(src)
        .onLineContaining("kernel = STAGE");
    assertNothingGenerated(src);
  }

  private static final String FAMILY_HEADER =
      """
      import static org.skipwire.Layer.VARIANT;

      """;

  private static JavaFileObject family(String name, String body) {
    return source(name, FAMILY_HEADER + body);
  }

  @Test
  void aFamilyGeneratesOneGraphPerMember() {
    JavaFileObject src =
        family(
            "Tiny",
            """
            @Network(input = @Input(channels = 3, height = 8, width = 8))
            @Variant(name = "tiny-a", className = "TinyA", blocks = {1, 1}, widths = {8, 16})
            @Variant(name = "tiny-b", blocks = {2, 3}, widths = {8, 8}, shortcut = ZERO_PAD,
                classes = 5)
            public class Tiny {
              @Conv(kernel = 3, filters = 8) @BatchNorm @Activation(RELU) Layer stem;
              @Stage(blocks = VARIANT, width = VARIANT) Basic s1;
              @Stage(blocks = VARIANT, width = VARIANT, stride = 2) Basic s2;
              @GlobalAvgPool Layer gap;
              @Dense(units = 2) @Output Layer out;
            }
            """
                + BLOCK);
    Compilation c = compile(src);
    assertThat(c).succeededWithoutWarnings();
    String a = text(c, "demo.TinyAGraph");
    String b = text(c, "demo.TinyBGraph");
    assertTrue(a.contains("NAME = \"tiny-a\""), a);
    assertTrue(b.contains("NAME = \"tiny-b\""), b);
    // tiny-a: one block per stage, a projection into s2 (8 -> 16 channels): stem 216 + 16, s1
    // 2 x (576 + 16), s2 1,152 + 32 + 2,304 + 32 + 128 + 32, fc 34.
    assertTrue(a.contains("TRAINABLE_PARAMS = 5_130L"), a);
    assertFalse(a.contains("ZeroPadChannelsVertex"), a);
    // tiny-b: 2 and 3 blocks at 8 channels, zero padding across the stride, 5 classes.
    assertTrue(b.contains("TRAINABLE_PARAMS = 6_197L"), b);
    assertTrue(b.contains("ZeroPadChannelsVertex"), b);
    assertTrue(b.contains("s2.b2"), b);
    assertTrue(b.contains("output [5]"), b);
    assertEquals(2, c.generatedSourceFiles().size());
  }

  private static String text(Compilation c, String qualifiedName) {
    try {
      return c.generatedSourceFile(qualifiedName).orElseThrow().getCharContent(true).toString();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void anErrorInOneMemberNamesTheMember() throws IOException {
    JavaFileObject src =
        family(
            "Fam",
            """
            @Network(input = @Input(channels = 8, height = 8, width = 8))
            @Variant(name = "fam-ok", blocks = {1})
            @Variant(name = "fam-bad", blocks = {0})
            @Variant(name = "fam-worse", blocks = {-3})
            class Fam {
              @Stage(blocks = VARIANT, width = 8) Basic stage;
              @GlobalAvgPool Layer gap;
              @Dense(units = 2) @Output Layer out;
            }
            """
                + BLOCK);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(2);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/out-of-range] in variant fam-bad: stage: blocks = 0 must be at least 1")
        .inFile(src)
        .onLineContaining("fam-bad");
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/out-of-range] in variant fam-worse: stage: blocks = -3 must be at least 1")
        .inFile(src)
        .onLineContaining("fam-worse");
    assertNothingGenerated(src);
  }

  /** The 1-based number of the one line of {@code src} containing {@code line}. */
  private static long line(JavaFileObject src, String line) throws IOException {
    List<String> lines = src.getCharContent(true).toString().lines().toList();
    List<Integer> found =
        java.util.stream.IntStream.range(0, lines.size())
            .filter(i -> lines.get(i).contains(line))
            .boxed()
            .toList();
    assertEquals(1, found.size(), line);
    return found.get(0) + 1;
  }

  /** The 1-based column of {@code token} on the one line of {@code src} containing {@code line}. */
  private static long column(JavaFileObject src, String line, String token) throws IOException {
    String text =
        src.getCharContent(true).toString().lines().toList().get((int) line(src, line) - 1);
    return text.indexOf(token, text.indexOf(line)) + 1;
  }

  @Test
  void aValueOutOfRangeInAVariantIsReportedOnItsArrayEntry() throws IOException {
    JavaFileObject src =
        family(
            "Ranged",
            """
            @Network(input = @Input(channels = 8, height = 8, width = 8))
            @Variant(name = "r-ok", blocks = {1, 1}, widths = {8, 8})
            @Variant(name = "r-zero", blocks = {1, 1}, widths = {8, 0})
            @Variant(name = "r-deep", blocks = {1, 20000}, widths = {8, 8})
            @Variant(name = "r-wide", blocks = {1, 1}, widths = {8, 8}, classes = 70000)
            class Ranged {
              @Stage(blocks = VARIANT, width = VARIANT) Basic s1;
              @Stage(blocks = VARIANT, width = VARIANT) Basic s2;
              @GlobalAvgPool Layer gap;
              @Dense(units = 2) @Output Layer out;
            }
            """
                + BLOCK);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(3);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/missing-width] in variant r-zero: s2: @Stage of block Basic needs width ="
                + " w, the stage's channels")
        .inFile(src)
        .onLine(line(src, "r-zero"))
        .atColumn(column(src, "r-zero", "0}"));
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/too-large] in variant r-deep: s2: blocks = 20000 is larger than the limit"
                + " 10,000; no network needs more")
        .inFile(src)
        .onLine(line(src, "r-deep"))
        .atColumn(column(src, "r-deep", "20000"));
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/too-large] in variant r-wide: out: units = 70000 is larger than the limit"
                + " 65,536; no network needs more")
        .inFile(src)
        .onLine(line(src, "r-wide"))
        .atColumn(column(src, "r-wide", "70000"));
    assertNothingGenerated(src);
  }

  @Test
  void aValueOutOfRangeInASingleVariantIsReportedOnItsArrayEntry() throws IOException {
    JavaFileObject src =
        family(
            "Solo",
            """
            @Network(input = @Input(channels = 8, height = 8, width = 8))
            @Variant(name = "single", blocks = {1, -2})
            class Solo {
              @Stage(blocks = VARIANT, width = 8) Basic s1;
              @Stage(blocks = VARIANT, width = 8) Basic s2;
              @GlobalAvgPool Layer gap;
              @Dense(units = 2) @Output Layer out;
            }
            """
                + BLOCK);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining("[skipwire/out-of-range] s2: blocks = -2 must be at least 1")
        .inFile(src)
        .onLine(line(src, "@Variant(name = \"single\""))
        .atColumn(column(src, "@Variant(name = \"single\"", "-2"));
    assertNothingGenerated(src);
  }

  @Test
  void anErrorInEveryMemberIsReportedOnceWithoutMemberNames() throws IOException {
    JavaFileObject src =
        family(
            "Same",
            """
            @Network(input = @Input(channels = 8, height = 8, width = 8))
            @Variant(name = "same-1", blocks = {1})
            @Variant(name = "same-2", blocks = {2})
            class Same {
              @Stage(blocks = VARIANT, width = 16, stride = 2) @Shortcut(IDENTITY) Basic stage;
              @GlobalAvgPool Layer gap;
              @Dense(units = 2) @Output Layer out;
            }
            """
                + BLOCK);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/identity-shortcut] stage.b0: identity shortcut cannot carry [8, 8, 8] to"
                + " [16, 4, 4]")
        .inFile(src)
        .onLineContaining("Basic stage;");
    assertNothingGenerated(src);
  }

  @Test
  void valuesThatDoNotMatchThePlaceholdersAreAnErrorOnTheVariant() throws IOException {
    JavaFileObject src =
        family(
            "Counted",
            """
            @Network(input = @Input(channels = 8, height = 8, width = 8))
            @Variant(name = "counted-a", blocks = {1, 2, 3})
            @Variant(name = "counted-b", blocks = {1, 2}, widths = {8, 8})
            class Counted {
              @Stage(blocks = VARIANT, width = 8) Basic s1;
              @Stage(blocks = VARIANT, width = 8) Basic s2;
              @GlobalAvgPool Layer gap;
              @Dense(units = 2) @Output Layer out;
            }
            """
                + BLOCK);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(2);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/variant-values] @Variant(name = \"counted-a\") gives 3 blocks for the 2"
                + " stages with blocks = VARIANT; give one per stage")
        .inFile(src)
        .onLineContaining("blocks = {1, 2, 3}");
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/variant-unused] @Variant(name = \"counted-b\") sets widths, but no @Stage"
                + " says width = VARIANT; remove it")
        .inFile(src)
        .onLineContaining("widths = {8, 8}");
    assertNothingGenerated(src);
  }

  @Test
  void aPlaceholderWithoutVariantsOrInABlockIsAnError() throws IOException {
    JavaFileObject src =
        family(
            "Loose",
            """
            @Network(input = @Input(channels = 8, height = 8, width = 8))
            class Loose {
              @Stage(blocks = VARIANT, width = 8) Basic stage;
              @Stage(blocks = 1) Outer nested;
              @GlobalAvgPool Layer gap;
              @Dense(units = 2) @Output Layer out;
            }
            @Sequential
            class Outer {
              @Stage(blocks = 1, width = VARIANT) Basic inner;
            }
            """
                + BLOCK);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(2);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/variant-missing] stage: blocks = VARIANT needs @Variant on network Loose to"
                + " give each member's value; give a number")
        .inFile(src)
        .onLineContaining("Basic stage;");
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/variant-in-block] inner: width = VARIANT belongs on a stage of the network;"
                + " block Outer is the same in every member")
        .inFile(src)
        .onLineContaining("Basic inner;");
    assertNothingGenerated(src);
  }

  @Test
  void overridesWithoutEffectAreErrors() throws IOException {
    JavaFileObject src =
        family(
            "Idle",
            """
            @Network(name = "idle", input = @Input(channels = 8, height = 8, width = 8))
            @Variant(name = "idle-a", shortcut = ZERO_PAD, growthRate = 12)
            class Idle {
              @Stage(blocks = 1, width = 8) @Shortcut(PROJECTION) Basic stage;
              @GlobalAvgPool Layer gap;
              @Dense(units = 2) @Output Layer out;
            }
            """
                + BLOCK);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/family-name] @Network(name = \"idle\") has no effect on a family: each"
                + " @Variant names its member; remove it")
        .inFile(src)
        .onLineContaining("name = \"idle\"");
    JavaFileObject fixed =
        family(
            "Idle",
            """
            @Network(input = @Input(channels = 8, height = 8, width = 8))
            @Variant(name = "idle-a", shortcut = ZERO_PAD, growthRate = 12,
                classes = 4)
            class Idle {
              @Stage(blocks = 1, width = 8) @Shortcut(PROJECTION) Basic stage;
              @GlobalAvgPool Layer gap;
              @Dense(units = 2) @Output Layer out;
            }
            """
                + BLOCK);
    c = compile(fixed);
    assertThat(c).hadErrorCount(2);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/variant-unused] @Variant(name = \"idle-a\") sets shortcut, but every"
                + " residual stage of Idle sets its own @Shortcut; remove it")
        .inFile(fixed)
        .onLineContaining("shortcut = ZERO_PAD");
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/variant-unused] @Variant(name = \"idle-a\") sets growthRate, but Idle has"
                + " no dense stage; remove it")
        .inFile(fixed)
        .onLineContaining("shortcut = ZERO_PAD");
    assertNothingGenerated(fixed);
  }

  @Test
  void membersNeedTheirOwnNamesAndClasses() throws IOException {
    JavaFileObject src =
        family(
            "Twins",
            """
            @Network(input = @Input(channels = 8, height = 8, width = 8))
            @Variant(name = "twin", blocks = 1)
            @Variant(name = "twin", className = "Other", blocks = 2)
            @Variant(name = "twin-c", className = "Other", blocks = 3)
            @Variant(name = "4th", blocks = 4)
            class Twins {
              @Stage(blocks = VARIANT, width = 8) Basic stage;
              @GlobalAvgPool Layer gap;
              @Dense(units = 2) @Output Layer out;
            }
            """
                + BLOCK);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(3);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/duplicate-name] network name \"twin\" is also used by another @Variant of"
                + " Twins")
        .inFile(src)
        .onLineContaining("className = \"Other\", blocks = 2");
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/variant-class] @Variant(name = \"twin-c\"): className \"Other\" is also"
                + " another @Variant's; each member needs its own class")
        .inFile(src)
        .onLineContaining("blocks = 3");
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/variant-class] @Variant(name = \"4th\"): className \"4th\" is not a Java"
                + " class name")
        .inFile(src)
        .onLineContaining("name = \"4th\"");
    assertNothingGenerated(src);
  }

  @Test
  void aVariantOnAClassThatIsNotANetworkIsMisplaced() throws IOException {
    JavaFileObject src =
        source(
            "Stray",
            """
            @Variant(name = "stray")
            class Stray {}
            """);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/misplaced] @Variant applies to @Network classes; Stray is not a @Network")
        .inFile(src)
        .onLineContaining("@Variant");
    assertNothingGenerated(src);
  }
}
