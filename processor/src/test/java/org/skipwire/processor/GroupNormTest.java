package org.skipwire.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.skipwire.processor.Sources.assertNothingGenerated;
import static org.skipwire.processor.Sources.compile;
import static org.skipwire.processor.Sources.source;

import com.google.testing.compile.Compilation;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * {@code @GroupNorm}: read where {@code @BatchNorm} stands, checked (groups in range and dividing
 * the channels), lowered to skipwire's {@code GroupNormalization} and generated; the weight before
 * it keeps its bias.
 */
class GroupNormTest {

  private static final Path GOLDENS = Path.of("src/test/resources/goldens/GroupNormTest");

  /** A CIFAR-style ResNet with group norm after every convolution, projection in stage 2. */
  private static final String TINY_GN =
      """
      /** Group norm in place of batch norm; the projection shortcut keeps its own batch norm. */
      @Network(name = "tiny-gn", input = @Input(channels = 3, height = 16, width = 16))
      public class TinyGroupNorm {
        @Conv(kernel = 3, filters = 16) @GroupNorm(groups = 4) @Activation(RELU) Layer stem;
        @Stage(blocks = 1, width = 16) Basic stage1;
        @Stage(blocks = 1, width = 32, stride = 2) Basic stage2;
        @GlobalAvgPool Layer pool;
        @Dense(units = 10) @Output(loss = MCXENT) Layer fc;
      }

      @ResidualBlock @Shortcut(PROJECTION)
      class Basic {
        @Conv(kernel = 3, stride = STAGE) @GroupNorm(groups = 8) @Activation(RELU) Layer conv1;
        @Conv(kernel = 3) @GroupNorm(groups = 8, epsilon = 1e-6) Layer conv2;
      }
      """;

  @Test
  void groupNormNetwork(TestInfo test) throws IOException {
    Compilation c = compile(source("TinyGroupNorm", TINY_GN));

    assertThat(c).succeededWithoutWarnings();
    String actual =
        c.generatedSourceFile("demo.TinyGroupNormGraph")
            .orElseThrow()
            .getCharContent(true)
            .toString();
    Path golden =
        GOLDENS
            .resolve(test.getTestMethod().orElseThrow().getName())
            .resolve("demo.TinyGroupNormGraph.java");
    if (System.getProperty("skipwire.updateGoldens") != null) {
      Files.createDirectories(golden.getParent());
      Files.writeString(golden, actual, StandardCharsets.UTF_8);
    }
    assertEquals(Files.readString(golden, StandardCharsets.UTF_8), actual, "golden " + golden);
  }

  /**
   * The rule: batch norm subtracts one mean per channel and so cancels a per-channel bias before
   * it; group norm subtracts one mean per group of channels, which a per-channel bias moves only by
   * the group's average, so every convolution before a group norm keeps its bias. Counted by hand:
   * stem 3*16*9 + 16 + GN 32; stage1 2 x (16*16*9 + 16 + 32); stage2 32*16*9 + 32 + 64 and 32*32*9
   * + 32 + 64, and the projection 16*32 without bias (batch norm follows) + BN 64 (+ 64 running
   * statistics); fc 32*10 + 10.
   */
  @Test
  void aConvolutionBeforeGroupNormKeepsItsBias() throws IOException {
    Compilation c = compile(source("TinyGroupNorm", TINY_GN));

    String graph =
        c.generatedSourceFile("demo.TinyGroupNormGraph")
            .orElseThrow()
            .getCharContent(true)
            .toString();
    long trainable =
        (3 * 16 * 9 + 16 + 32)
            + 2 * (16 * 16 * 9 + 16 + 32)
            + (16 * 32 * 9 + 32 + 64)
            + (32 * 32 * 9 + 32 + 64)
            + (16 * 32 + 64)
            + (32 * 10 + 10);
    assertEquals(20_106, trainable);
    assertTrue(graph.contains("TRAINABLE_PARAMS = 20_106L;"), graph);
    assertTrue(graph.contains("TOTAL_PARAMS = 20_170L;"), graph);
    assertTrue(graph.contains(".groups(8)"), graph);
  }

  /**
   * {@code @Conv(bias = false)} says otherwise: no bias before the group norm (3*16*9 + 32), and
   * none on a sequence convolution either (4*12*3 + 24); the output layer keeps its own.
   */
  @Test
  void aDeclarationCanDropTheBias() throws IOException {
    Compilation c =
        compile(
            source(
                "NoBias",
                """
                @Network(input = @Input(channels = 3, height = 8, width = 8))
                class NoBias {
                  @Conv(kernel = 3, filters = 16, bias = false) @GroupNorm(groups = 4) Layer stem;
                  @GlobalAvgPool Layer gap;
                  @Dense(units = 2) @Output Layer out;
                }
                """),
            source(
                "SeqNoBias",
                """
                @Network(input = @Input(channels = 4, length = 16))
                class SeqNoBias {
                  @Conv(kernel = 3, filters = 12, bias = false) @GroupNorm(groups = 3) Layer c;
                  @GlobalAvgPool Layer gap;
                  @Dense(units = 2) @Output Layer out;
                }
                """));

    assertThat(c).succeededWithoutWarnings();
    String flat =
        c.generatedSourceFile("demo.NoBiasGraph").orElseThrow().getCharContent(true).toString();
    assertTrue(flat.contains("TRAINABLE_PARAMS = " + (3 * 16 * 9 + 32 + 16 * 2 + 2) + "L;"), flat);
    assertTrue(flat.contains(".hasBias(false)"), flat);
    String seq =
        c.generatedSourceFile("demo.SeqNoBiasGraph").orElseThrow().getCharContent(true).toString();
    assertTrue(seq.contains("TRAINABLE_PARAMS = " + (4 * 12 * 3 + 24 + 12 * 2 + 2) + "L;"), seq);
  }

  @Test
  void groupNormOnASequenceCompiles() {
    Compilation c =
        compile(
            source(
                "SeqGroupNorm",
                """
                @Network(input = @Input(channels = 4, length = 16))
                class SeqGroupNorm {
                  @Conv(kernel = 3, filters = 12) @GroupNorm(groups = 3) @Activation(RELU) Layer c;
                  @GlobalAvgPool Layer gap;
                  @Dense(units = 2) @Output Layer out;
                }
                """));

    assertThat(c).succeededWithoutWarnings();
  }

  @Test
  void channelsThatDoNotDivideByTheGroupsAreAnError() throws IOException {
    assertOneError(
        "Indivisible",
        """
        @Network(input = @Input(channels = 3, height = 8, width = 8))
        class Indivisible {
          @Conv(kernel = 3, filters = 24)
              @GroupNorm(groups = 16) @Activation(RELU) Layer stem;
          @GlobalAvgPool Layer gap;
          @Dense(units = 2) @Output Layer out;
        }
        """,
        "[skipwire/norm-groups] stem: group norm cannot split the 24 channels of [24, 8, 8] into 16"
            + " groups; the channels must divide by the groups (e.g. groups = 12 or 24)",
        "@GroupNorm(groups = 16)");
  }

  @Test
  void moreGroupsThanChannelsInABlockAreAnError() throws IOException {
    assertOneError(
        "TooMany",
        """
        @Network(input = @Input(channels = 8, height = 8, width = 8))
        class TooMany {
          @Stage(blocks = 2, width = 8) Unit body;
          @GlobalAvgPool Layer gap;
          @Dense(units = 2) @Output Layer out;
        }
        @ResidualBlock
        class Unit {
          @Conv(kernel = 3) @GroupNorm(groups = 32) Layer c;
        }
        """,
        "[skipwire/norm-groups] body.b0.c: group norm cannot split the 8 channels of [8, 8, 8] into"
            + " 32 groups; the channels must divide by the groups (use at most 8, e.g. groups = 8)",
        "@GroupNorm(groups = 32)");
  }

  @Test
  void groupsBelowOneAreOutOfRange() throws IOException {
    assertOneError(
        "NoGroups",
        """
        @Network(input = @Input(channels = 3, height = 8, width = 8))
        class NoGroups {
          @Conv(kernel = 3, filters = 8)
              @GroupNorm(groups = 0) Layer stem;
          @GlobalAvgPool Layer gap;
          @Dense(units = 2) @Output Layer out;
        }
        """,
        "[skipwire/out-of-range] stem: groups = 0 must be at least 1",
        "@GroupNorm(groups = 0)");
  }

  @Test
  void groupNormAndBatchNormOnOneFieldAreAnError() throws IOException {
    assertOneError(
        "TwoNorms",
        """
        @Network(input = @Input(channels = 3, height = 8, width = 8))
        class TwoNorms {
          @Conv(kernel = 3, filters = 8) @BatchNorm
              @GroupNorm(groups = 2) Layer stem;
          @GlobalAvgPool Layer gap;
          @Dense(units = 2) @Output Layer out;
        }
        """,
        "[skipwire/misplaced] @GroupNorm and @BatchNorm both normalise stem; keep one",
        "@GroupNorm(groups = 2)");
  }

  @Test
  void groupNormOnTheOutputIsAnError() throws IOException {
    assertOneError(
        "NormedOutput",
        """
        @Network(input = @Input(channels = 3, height = 8, width = 8))
        class NormedOutput {
          @GlobalAvgPool Layer gap;
          @Dense(units = 4) @Output
              @GroupNorm(groups = 2) Layer out;
        }
        """,
        "[skipwire/misplaced] @GroupNorm cannot share a field with @Output",
        "@GroupNorm(groups = 2)");
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
}
