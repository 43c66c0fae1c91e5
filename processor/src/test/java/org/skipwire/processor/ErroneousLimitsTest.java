package org.skipwire.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.skipwire.processor.Sources.assertNothingGenerated;
import static org.skipwire.processor.Sources.compile;
import static org.skipwire.processor.Sources.source;

import com.google.testing.compile.Compilation;
import java.io.IOException;
import java.time.Duration;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;

/**
 * Values no network needs but a typo or a generator writes: refused in bounded time with one {@code
 * [skipwire/too-large]} error naming the value and the limit, never a hang, an overflowed shape or
 * a stack overflow.
 */
class ErroneousLimitsTest {

  /** Generous: the machine running CI may be loaded; a hang or a stack overflow never ends. */
  private static final Duration BOUND = Duration.ofSeconds(60);

  @Test
  void aStageOfHalfAnIntOfBlocksFailsFast() throws IOException {
    JavaFileObject src =
        source(
            "Endless",
            """
            @Network(input = @Input(channels = 3, height = 8, width = 8))
            class Endless {
              @Stage(blocks = Integer.MAX_VALUE / 2, width = 4) Plain body;
              @GlobalAvgPool Layer gap;
              @Dense(units = 2) @Output Layer out;
            }
            @ResidualBlock
            class Plain { @Conv(kernel = 3) Layer c; }
            """);
    Compilation c = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> compile(src));
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/too-large] body: blocks = 1073741823 is larger than the limit 10,000")
        .inFile(src)
        .onLineContaining("Plain body;");
    assertNothingGenerated(src);
  }

  @Test
  void nestedStagesMultiplyAndTheVertexCountIsBounded() throws IOException {
    JavaFileObject src =
        source(
            "Nested",
            """
            @Network(input = @Input(channels = 3, height = 8, width = 8))
            class Nested {
              @Stage(blocks = 10000, width = 4) Outer body;
              @GlobalAvgPool Layer gap;
              @Dense(units = 2) @Output Layer out;
            }
            @Sequential
            class Outer { @Stage(blocks = 10000) Plain inner; }
            @ResidualBlock
            class Plain { @Conv(kernel = 3) Layer c; }
            """);
    Compilation c = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> compile(src));
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining("[skipwire/too-large] Nested: vertices = up to ")
        .inFile(src)
        .onLineContaining("@Network");
    assertNothingGenerated(src);
  }

  @Test
  void aWidthThatWouldOverflowIsRefusedWithItsLimit() throws IOException {
    JavaFileObject src =
        source(
            "Wide",
            """
            @Network(input = @Input(channels = 3, height = 8, width = 8))
            class Wide {
              @Stage(blocks = 1, width = 60000) Fat body;
              @GlobalAvgPool Layer gap;
              @Dense(units = 2) @Output Layer out;
            }
            @ResidualBlock
            class Fat { @Conv(kernel = 1, width = 1000) Layer c; }
            """);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/too-large] body.b0.c: filters = 60000000 is larger than the limit 65,536")
        .inFile(src)
        .onLineContaining("Layer c;");
    assertNothingGenerated(src);
  }

  @Test
  void aDeclaredSizePastTheLimitIsRefused() throws IOException {
    JavaFileObject src =
        source(
            "Huge",
            """
            @Network(input = @Input(channels = 3, height = 8, width = 8))
            class Huge {
              @Conv(kernel = 3, filters = 2000000000) Layer conv;
              @GlobalAvgPool Layer gap;
              @Dense(units = 2) @Output Layer out;
            }
            """);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/too-large] conv: filters = 2000000000 is larger than the limit 65,536")
        .inFile(src)
        .onLineContaining("filters = 2000000000");
    assertNothingGenerated(src);
  }

  /** Found by the fuzz test (seed -4298141990685097099L): ND4J crashed the JVM natively. */
  @Test
  void attentionOverAVeryLongSequenceIsRefused() throws IOException {
    JavaFileObject src =
        source(
            "LongAttention",
            """
            @Network(input = @Input(channels = 3, length = 65536))
            class LongAttention {
              @SelfAttention(heads = 1) Layer attend;
              @GlobalAvgPool Layer gap;
              @Dense(units = 5) @Output(loss = MSE) Layer out;
            }
            """);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/too-large] attend: length x length x heads = 4294967296 is larger than the"
                + " limit 67,108,864; attend over a shorter sequence")
        .inFile(src)
        .onLineContaining("Layer attend;");
    assertNothingGenerated(src);
  }

  /** Ten thousand pre-activation blocks: a chain of sums the bias rule once walked recursively. */
  @Test
  void tenThousandPreActivationBlocksCompile() {
    JavaFileObject src =
        source(
            "Deep",
            """
            @Network(input = @Input(channels = 4, height = 4, width = 4))
            class Deep {
              @Conv(kernel = 3, filters = 4) Layer stem;
              @Stage(blocks = 10000, width = 4) Pre body;
              @BatchNorm @Activation(RELU) Layer post;
              @GlobalAvgPool Layer gap;
              @Dense(units = 2) @Output Layer out;
            }
            @ResidualBlock(preActivation = true) @Shortcut(IDENTITY)
            class Pre { @BatchNorm @Activation(RELU) @Conv(kernel = 3) Layer c; }
            """);
    Compilation c = assertTimeoutPreemptively(BOUND, () -> compile(src));
    assertThat(c).succeededWithoutWarnings();
    assertThat(c).generatedSourceFile("demo.DeepGraph");
  }
}
