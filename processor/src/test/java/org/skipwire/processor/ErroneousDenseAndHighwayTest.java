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
 * The compile-time errors of dense and highway connections: text, file, line, nothing generated.
 */
class ErroneousDenseAndHighwayTest {

  @Test
  void denseUnitThatChangesTheSpatialSizeIsAnError() throws IOException {
    JavaFileObject src =
        source(
            "Shrinking",
            """
            @Network(input = @Input(channels = 16, height = 8, width = 8))
            class Shrinking {
              @Stage(blocks = 2) Strided block;
              @GlobalAvgPool Layer gap;
              @Dense(units = 2) @Output Layer out;
            }
            @DenseConnect(growthRate = 4)
            class Strided { @BatchNorm @Activation(RELU) @Conv(kernel = 3, stride = 2) Layer conv; }
            """);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/dense-spatial] block.b0: a dense unit must keep its input's height and "
                + "width, but its branch maps [16, 8, 8] to [4, 4, 4]")
        .inFile(src)
        .onLineContaining("Strided block;");
    assertNothingGenerated(src);
  }

  @Test
  void growthRateBelowOneIsAnErrorOnTheValue() throws IOException {
    JavaFileObject src =
        source(
            "NoGrowth",
            """
            @Network(input = @Input(channels = 16, height = 8, width = 8))
            class NoGrowth {
              @Stage(blocks = 2) Flat block;
              @GlobalAvgPool Layer gap;
              @Dense(units = 2) @Output Layer out;
            }
            @DenseConnect(growthRate = 0)
            class Flat { @BatchNorm @Activation(RELU) @Conv(kernel = 3) Layer conv; }
            """);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining("[skipwire/out-of-range] Flat: growthRate = 0 must be at least 1")
        .inFile(src)
        .onLineContaining("growthRate = 0");
    assertNothingGenerated(src);
  }

  @Test
  void compressionOutsideZeroToOneIsAnError() throws IOException {
    JavaFileObject src =
        source(
            "Expand",
            """
            @Network(input = @Input(channels = 16, height = 8, width = 8))
            class Expand {
              @Transition(compression = 1.5) Layer transition;
              @GlobalAvgPool Layer gap;
              @Dense(units = 2) @Output Layer out;
            }
            """);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/out-of-range] transition: compression = 1.5 must be in (0, 1]")
        .inFile(src)
        .onLineContaining("compression = 1.5");
    assertNothingGenerated(src);
  }

  @Test
  void transitionThatLeavesNoChannelIsAnError() throws IOException {
    JavaFileObject src =
        source(
            "Empty",
            """
            @Network(input = @Input(channels = 3, height = 8, width = 8))
            class Empty {
              @Transition(compression = 0.25) Layer transition;
              @GlobalAvgPool Layer gap;
              @Dense(units = 2) @Output Layer out;
            }
            """);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/transition-empty] transition: compression 0.25 keeps floor(0.25 x 3) = 0 "
                + "channels; a transition must keep at least one")
        .inFile(src)
        .onLineContaining("compression = 0.25");
    assertNothingGenerated(src);
  }

  @Test
  void highwayBodyThatChangesTheShapeIsAnError() throws IOException {
    JavaFileObject src =
        source(
            "Wide",
            """
            @Network(input = @Input(channels = 32))
            class Wide {
              @Stage(blocks = 3) Widening highway;
              @Dense(units = 2) @Output Layer out;
            }
            @HighwayGate
            class Widening { @Dense(width = 2) @Activation(RELU) Layer transform; }
            """);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/highway-shape] highway.b0: a highway body must keep its input's shape, but "
                + "maps [32] to [64]; the gate mixes H(x) with x")
        .inFile(src)
        .onLineContaining("Widening highway;");
    assertNothingGenerated(src);
  }

  @Test
  void nonFiniteGateBiasIsAnError() throws IOException {
    JavaFileObject src =
        source(
            "Unbounded",
            """
            @Network(input = @Input(channels = 32))
            class Unbounded {
              @Stage(blocks = 1) Gate highway;
              @Dense(units = 2) @Output Layer out;
            }
            @HighwayGate(gateBias = Double.NEGATIVE_INFINITY)
            class Gate { @Dense(width = 1) @Activation(RELU) Layer transform; }
            """);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining("[skipwire/out-of-range] Gate: gateBias = -Infinity must be finite")
        .inFile(src)
        .onLineContaining("NEGATIVE_INFINITY");
    assertNothingGenerated(src);
  }

  @Test
  void blockWithTwoConnectionsIsAnError() throws IOException {
    JavaFileObject src =
        source(
            "Both",
            """
            @Network(input = @Input(channels = 32))
            class Both {
              @Stage(blocks = 1, width = 32) Confused block;
              @Dense(units = 2) @Output Layer out;
            }
            @ResidualBlock
            @HighwayGate
            class Confused { @Dense(width = 1) @Activation(RELU) Layer transform; }
            """);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/two-connections] block Confused has both @ResidualBlock and @HighwayGate")
        .inFile(src)
        .onLineContaining("@HighwayGate");
  }

  @Test
  void residualStageWithoutWidthIsAnError() throws IOException {
    JavaFileObject src =
        source(
            "Unsized",
            """
            @Network(input = @Input(channels = 8, height = 8, width = 8))
            class Unsized {
              @Stage(blocks = 1) Res block;
              @GlobalAvgPool Layer gap;
              @Dense(units = 2) @Output Layer out;
            }
            @ResidualBlock
            class Res { @Conv(kernel = 3) @BatchNorm Layer conv; }
            """);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining("[skipwire/missing-width] block: @Stage of block Res needs width = w")
        .inFile(src)
        .onLineContaining("Res block;");
  }
}
