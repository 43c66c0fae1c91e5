package org.skipwire.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static org.skipwire.processor.Sources.assertNothingGenerated;
import static org.skipwire.processor.Sources.compile;
import static org.skipwire.processor.Sources.source;

import com.google.testing.compile.Compilation;
import java.io.IOException;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;

/**
 * The compile-time errors of the residual toolbox (stochastic depth, grouped convolution,
 * squeeze-excitation, dropout, ReZero and gated skips): text, file, line, nothing generated.
 */
class ErroneousToolboxTest {

  private static final String BLOCK =
      """
      @ResidualBlock
      class Basic {
        @Conv(kernel = 3, stride = STAGE) @BatchNorm @Activation(RELU) Layer conv1;
        @Conv(kernel = 3) @BatchNorm Layer conv2;
      }
      """;

  @Test
  void survivalOutsideZeroToOneIsAnErrorOnTheValue() throws IOException {
    JavaFileObject src =
        source(
            "Doomed",
            """
            @StochasticDepth(finalSurvival = 0.0)
            @Network(input = @Input(channels = 8, height = 8, width = 8))
            class Doomed {
              @Stage(blocks = 2, width = 8) Basic stage;
              @GlobalAvgPool Layer gap;
              @Dense(units = 2) @Output Layer out;
            }
            """
                + BLOCK);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/out-of-range] @StochasticDepth: finalSurvival = 0.0 must be in (0, 1]: "
                + "it is the probability that the last block survives")
        .inFile(src)
        .onLineContaining("finalSurvival = 0.0");
    assertNothingGenerated(src);
  }

  @Test
  void channelsThatDoNotDivideIntoGroupsAreAnError() throws IOException {
    JavaFileObject src =
        source(
            "Ragged",
            """
            @Network(input = @Input(channels = 24, height = 8, width = 8))
            class Ragged {
              @Stage(blocks = 1, width = 48) Grouped stage;
              @GlobalAvgPool Layer gap;
              @Dense(units = 2) @Output Layer out;
            }
            @ResidualBlock
            class Grouped {
              @Conv(kernel = 3, groups = 32) @BatchNorm Layer conv;
            }
            """);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/groups] stage.b0.conv: a convolution from [24, 8, 8] to [48, 8, 8] "
                + "cannot have 32 groups: both channel counts must divide by it")
        .inFile(src)
        .onLineContaining("groups = 32");
    assertNothingGenerated(src);
  }

  @Test
  void squeezeExcitationReductionLargerThanTheChannelsIsAnError() throws IOException {
    JavaFileObject src =
        source(
            "Oversqueezed",
            """
            @Network(input = @Input(channels = 8, height = 8, width = 8))
            class Oversqueezed {
              @Stage(blocks = 1, width = 8) Excited stage;
              @GlobalAvgPool Layer gap;
              @Dense(units = 2) @Output Layer out;
            }
            @ResidualBlock
            @SqueezeExcite(reduction = 16)
            class Excited {
              @Conv(kernel = 3) @BatchNorm Layer conv;
            }
            """);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/se-reduction] stage.b0: squeeze-excitation reduction 16 leaves no channel "
                + "of [8, 8, 8]; use at most its channels")
        .inFile(src)
        .onLineContaining("reduction = 16");
    assertNothingGenerated(src);
  }

  @Test
  void dropoutRateOfOneIsAnError() throws IOException {
    JavaFileObject src =
        source(
            "Silent",
            """
            @Network(input = @Input(channels = 8))
            class Silent {
              @Dense(units = 8) @Activation(RELU) @Dropout(1.0) Layer hidden;
              @Dense(units = 2) @Output Layer out;
            }
            """);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining("[skipwire/out-of-range] hidden: dropout = 1.0 must be in [0, 1)")
        .inFile(src)
        .onLineContaining("@Dropout(1.0)");
  }

  @Test
  void residualOptionsOnOtherClassesAreErrors() throws IOException {
    JavaFileObject src =
        source(
            "Options",
            """
            @ReZero
            class NotABlock {}

            @StochasticDepth
            class NotANetwork {}
            """);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(2);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/misplaced] @ReZero applies to @ResidualBlock classes; NotABlock is not a "
                + "@ResidualBlock")
        .inFile(src)
        .onLineContaining("@ReZero");
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/misplaced] @StochasticDepth applies to @Network classes; NotANetwork is not "
                + "a @Network")
        .inFile(src)
        .onLineContaining("@StochasticDepth");
  }
}
