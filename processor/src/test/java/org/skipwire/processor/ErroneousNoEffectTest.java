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
 * Annotations and values that would change nothing where they stand are errors, each at what the
 * user wrote: text, file, line, nothing generated.
 */
class ErroneousNoEffectTest {

  @Test
  void layerAnnotationsWithoutEffectAreErrors() throws IOException {
    JavaFileObject src =
        source(
            "Idle",
            """
            @Network(input = @Input(channels = 3, height = 8, width = 8))
            class Idle {
              @Conv(kernel = 3, filters = 8) @Activation(Nonlinearity.IDENTITY) Layer stem;
              @MaxPool(kernel = 1) Layer pool;
              @Upsample(scale = 1) Layer up;
              @Conv(kernel = 3, filters = 8) @Dropout(0) Layer dropped;
              @GlobalAvgPool Layer gap;
              @Dense(units = 2) @Activation(Nonlinearity.IDENTITY) @Output(loss = MSE) Layer out;
            }
            """);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(4);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/no-effect] stem: @Activation(IDENTITY) has no effect: the identity changes"
                + " nothing (it matters only on an @Output, in place of the loss's default);"
                + " remove it")
        .inFile(src)
        .onLineContaining("Layer stem;");
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/no-effect] pool: @MaxPool(kernel = 1) at stride 1 without padding has no"
                + " effect: each window is one value; give a larger kernel or stride, or remove it")
        .inFile(src)
        .onLineContaining("Layer pool;");
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/no-effect] up: @Upsample(scale = 1) has no effect: it keeps the height and"
                + " width; give a scale of 2 or more, or remove it")
        .inFile(src)
        .onLineContaining("Layer up;");
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/no-effect] dropped: @Dropout(0) has no effect: it drops nothing; give a"
                + " rate in (0, 1), or remove it")
        .inFile(src)
        .onLineContaining("Layer dropped;");
    assertNothingGenerated(src);
  }

  @Test
  void stageValuesNoLayerTakesAreErrors() throws IOException {
    JavaFileObject src =
        source(
            "Unstrided",
            """
            @Network(input = @Input(channels = 8, height = 8, width = 8))
            class Unstrided {
              @Stage(blocks = 2, width = 8, stride = 2) Plain down;
              @Stage(blocks = 2, width = 8, dilationGrowth = 2) Plain wide;
              @Stage(blocks = 1, width = 8, dilationGrowth = 3) Dilated once;
              @Stage(blocks = 1) @Shortcut(PROJECTION) Straight line;
              @GlobalAvgPool Layer gap;
              @Dense(units = 2) @Output Layer out;
            }
            @ResidualBlock
            class Plain { @Conv(kernel = 3) @BatchNorm @Activation(RELU) Layer conv; }
            @ResidualBlock
            class Dilated { @Conv(kernel = 3, dilation = STAGE) @BatchNorm Layer conv; }
            @Sequential
            class Straight { @Conv(kernel = 3) @Activation(RELU) Layer conv; }
            """);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(4);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/no-effect] down: @Stage(stride = 2) has no effect: no layer of block Plain"
                + " says stride = STAGE; put stride = STAGE on the layer that should stride, or"
                + " remove it")
        .inFile(src)
        .onLineContaining("Plain down;");
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/no-effect] wide: @Stage(dilationGrowth = 2) has no effect: no layer of"
                + " block Plain says dilation = STAGE; put dilation = STAGE on the layers that"
                + " should dilate, or remove it")
        .inFile(src)
        .onLineContaining("Plain wide;");
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/no-effect] once: @Stage(dilationGrowth = 3) has no effect: the stage's one"
                + " block dilates by dilationGrowth^0 = 1; give more blocks, or remove it")
        .inFile(src)
        .onLineContaining("Dilated once;");
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/no-effect] line: @Shortcut has no effect on a stage of block Straight: only"
                + " @ResidualBlock and @ShakeShake blocks have a shortcut; remove it")
        .inFile(src)
        .onLineContaining("Straight line;");
    assertNothingGenerated(src);
  }

  @Test
  void blockOptionsWithoutEffectAreErrors() throws IOException {
    JavaFileObject src =
        source(
            "Unmixed",
            """
            @Network(input = @Input(channels = 8, height = 8, width = 8))
            class Unmixed {
              @Stage(blocks = 1, width = 8) Lonely a;
              @Stage(blocks = 1, width = 8) PreLinear b;
              @GlobalAvgPool Layer gap;
              @Dense(units = 2) @Output Layer out;
            }
            @ResidualBlock @Shortcut(NONE) @ReZero
            class Lonely { @Conv(kernel = 3) @BatchNorm @Activation(RELU) Layer conv; }
            @ResidualBlock(preActivation = true,
                activation = Nonlinearity.IDENTITY)
            class PreLinear { @Conv(kernel = 3) @BatchNorm @Activation(RELU) Layer conv; }
            """);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(2);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/no-effect] block Lonely: @ReZero has no effect with @Shortcut(NONE): there"
                + " is no shortcut to mix the branch with; remove it, or give the block a shortcut")
        .inFile(src)
        .onLineContaining("@ReZero");
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/no-effect] block PreLinear: activation = IDENTITY has no effect in a"
                + " pre-activation block: nothing follows its sum; remove it, or make the block"
                + " post-activation")
        .inFile(src)
        .onLineContaining("activation = Nonlinearity.IDENTITY)");
    assertNothingGenerated(src);
  }

  @Test
  void stochasticDepthWithoutEffectIsAnError() throws IOException {
    JavaFileObject none =
        source(
            "Undropped",
            """
            @Network(input = @Input(channels = 8, height = 8, width = 8))
            @StochasticDepth
            class Undropped {
              @Conv(kernel = 3, filters = 8) Layer stem;
              @GlobalAvgPool Layer gap;
              @Dense(units = 2) @Output Layer out;
            }
            """);
    Compilation c = compile(none);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/no-effect] @StochasticDepth has no effect on Undropped: its trunk has no"
                + " stage of @ResidualBlock blocks to drop; remove it")
        .inFile(none)
        .onLineContaining("@StochasticDepth");
    assertNothingGenerated(none);

    JavaFileObject sure =
        source(
            "Survivor",
            """
            @Network(input = @Input(channels = 8, height = 8, width = 8))
            @StochasticDepth(finalSurvival = 1.0)
            class Survivor {
              @Stage(blocks = 2, width = 8) Plain stage;
              @GlobalAvgPool Layer gap;
              @Dense(units = 2) @Output Layer out;
            }
            @ResidualBlock
            class Plain { @Conv(kernel = 3) @BatchNorm @Activation(RELU) Layer conv; }
            """);
    c = compile(sure);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/no-effect] @StochasticDepth(finalSurvival = 1.0) has no effect on"
                + " Survivor: every block survives; give a probability below 1, or remove it")
        .inFile(sure)
        .onLineContaining("finalSurvival = 1.0");
    assertNothingGenerated(sure);
  }

  @Test
  void aGateKernelOnFlatVectorsIsAnError() throws IOException {
    JavaFileObject src =
        source(
            "FlatGate",
            """
            @Network(input = @Input(channels = 16))
            class FlatGate {
              @Stage(blocks = 2) Gate gates;
              @Dense(units = 2) @Output Layer out;
            }
            @HighwayGate(gateKernel = 5)
            class Gate { @Dense(width = 1) @Activation(RELU) Layer h; }
            """);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/no-effect] block Gate: @HighwayGate(gateKernel = 5) has no effect on flat"
                + " vectors [16]: a dense gate has no kernel; remove it")
        .inFile(src)
        .onLineContaining("gateKernel = 5");
    assertNothingGenerated(src);
  }

  @Test
  void theSameAnnotationsWithAnEffectCompile() {
    JavaFileObject src =
        source(
            "Busy",
            """
            @Network(input = @Input(channels = 3, height = 8, width = 8))
            @StochasticDepth(finalSurvival = 0.8)
            class Busy {
              @Conv(kernel = 3, filters = 8) Layer stem;
              @MaxPool(kernel = 1, stride = 2) Layer pick;
              @Upsample(scale = 2) Layer up;
              @Stage(blocks = 2, width = 8, stride = 2, dilationGrowth = 2) Strided down;
              @Conv(kernel = 3, filters = 8) @Dropout(0.1) Layer dropped;
              @GlobalAvgPool Layer gap;
              @Dense(units = 2) @Activation(Nonlinearity.IDENTITY) @Output(loss = MSE) Layer out;
            }
            @ResidualBlock @ReZero
            class Strided {
              @Conv(kernel = 3, stride = STAGE, dilation = STAGE) @BatchNorm @Activation(RELU)
              Layer conv;
            }
            """);
    assertThat(compile(src)).succeededWithoutWarnings();
  }
}
