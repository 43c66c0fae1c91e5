package org.skipwire.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.skipwire.processor.Sources.assertNothingGenerated;
import static org.skipwire.processor.Sources.compile;
import static org.skipwire.processor.Sources.source;

import com.google.testing.compile.Compilation;
import java.io.IOException;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;

/**
 * Each compile-time error on a real compilation: its text, its file and line, and that nothing was
 * generated for the invalid network.
 */
class ErroneousNetworksTest {

  @Test
  void identityShortcutAcrossStrideIsAnError() throws IOException {
    JavaFileObject src =
        source(
            "Tiny",
            """
            @Network(input = @Input(channels = 8, height = 8, width = 8))
            class Tiny {
              @Stage(blocks = 1, width = 16, stride = 2) Plain down;
              @GlobalAvgPool Layer gap;
              @Dense(units = 2) @Output(loss = MCXENT) Layer out;
            }
            @ResidualBlock @Shortcut(IDENTITY)
            class Plain { @Conv(kernel = 3, stride = STAGE) Layer c; }
            """);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/identity-shortcut] down.b0: identity shortcut cannot carry "
                + "[8, 8, 8] to [16, 4, 4]; use @Shortcut(PROJECTION) or ZERO_PAD")
        .inFile(src)
        .onLineContaining("Plain down;");
    assertNothingGenerated(src);
  }

  @Test
  void identityShortcutSetOnTheStageFieldOverridesTheBlock() throws IOException {
    JavaFileObject src =
        source(
            "Over",
            """
            @Network(input = @Input(channels = 8, height = 8, width = 8))
            class Over {
              @Stage(blocks = 2, width = 8) Block keep;
              @Stage(blocks = 1, width = 16) @Shortcut(IDENTITY) Block widen;
              @GlobalAvgPool Layer gap;
              @Dense(units = 2) @Output Layer out;
            }
            @ResidualBlock @Shortcut(PROJECTION)
            class Block { @Conv(kernel = 3) @BatchNorm Layer c; }
            """);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining("widen.b0: identity shortcut cannot carry [8, 8, 8] to [16, 8, 8]")
        .inFile(src)
        .onLineContaining("Block widen;");
  }

  @Test
  void zeroPadShortcutCannotDropChannels() throws IOException {
    JavaFileObject src =
        source(
            "Shrink",
            """
            @Network(input = @Input(channels = 16, height = 8, width = 8))
            class Shrink {
              @Stage(blocks = 1, width = 8, stride = 2) Narrow narrow;
              @GlobalAvgPool Layer gap;
              @Dense(units = 2) @Output Layer out;
            }
            @ResidualBlock @Shortcut(ZERO_PAD)
            class Narrow { @Conv(kernel = 3, stride = STAGE) @BatchNorm Layer c; }
            """);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/zero-pad-shrinks] narrow.b0: zero-pad shortcut cannot carry "
                + "[16, 8, 8] to [8, 4, 4]: it cannot drop channels; use @Shortcut(PROJECTION)")
        .inFile(src)
        .onLineContaining("Narrow narrow;");
    assertNothingGenerated(src);
  }

  @Test
  void kernelLargerThanItsInputIsReportedOnTheKernel() throws IOException {
    JavaFileObject src =
        source(
            "Big",
            """
            @Network(input = @Input(channels = 1, height = 5, width = 5))
            class Big {
              @Conv(kernel = 3, filters = 4, padding = 0) Layer first;
              @Conv(kernel = 7, filters = 4, padding = 1) Layer second;
              @GlobalAvgPool Layer gap;
              @Dense(units = 2) @Output Layer out;
            }
            """);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/kernel-too-large] second: kernel 7 is larger than its padded "
                + "input [4, 3, 3] (padding 1)")
        .inFile(src)
        .onLineContaining("kernel = 7");
    assertNothingGenerated(src);
  }

  @Test
  void spatialSizeCollapsingInsideABlockIsReportedInTheBlockWithItsPath() throws IOException {
    JavaFileObject src =
        source(
            "Collapse",
            """
            @Network(input = @Input(channels = 4, height = 4, width = 4))
            class Collapse {
              @Stage(blocks = 3, width = 4) Shrinking shrink;
              @GlobalAvgPool Layer gap;
              @Dense(units = 2) @Output Layer out;
            }
            @ResidualBlock
            class Shrinking {
              @Conv(kernel = 2, stride = 2, padding = 0) @BatchNorm Layer halve;
            }
            """);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/kernel-too-large] shrink.b2.halve: kernel 2 is larger than its "
                + "padded input [4, 1, 1] (padding 0)")
        .inFile(src)
        .onLineContaining("Layer halve;");
    assertNothingGenerated(src);
  }

  @Test
  void widthAndFiltersTogetherIsAnErrorOnTheWidth() throws IOException {
    JavaFileObject src =
        source(
            "Both",
            """
            @Network(input = @Input(channels = 3, height = 8, width = 8))
            class Both {
              @Stage(blocks = 1, width = 8) Twice twice;
              @GlobalAvgPool Layer gap;
              @Dense(units = 2) @Output Layer out;
            }
            @ResidualBlock
            class Twice {
              @Conv(kernel = 3,
                    width = 2, filters = 128) @BatchNorm Layer conv;
            }
            """);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/width-and-filters] conv: @Conv sets both width = 2 and filters = 128; keep"
                + " one")
        .inFile(src)
        .onLineContaining("width = 2, filters = 128");
    assertNothingGenerated(src);
  }

  @Test
  void networkWithoutOutputIsAnErrorOnTheClass() throws IOException {
    JavaFileObject src =
        source(
            "Headless",
            """
            @Network(input = @Input(channels = 3, height = 8, width = 8))
            class Headless {
              @Conv(kernel = 3, filters = 8) Layer conv;
              @GlobalAvgPool Layer gap;
            }
            """);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/no-output] network Headless has no @Output step; end the trunk "
                + "with @Dense(units = n) @Output")
        .inFile(src)
        .onLineContaining("@Network");
    assertNothingGenerated(src);
  }

  @Test
  void outputBeforeTheEndIsAnError() throws IOException {
    JavaFileObject src =
        source(
            "Early",
            """
            @Network(input = @Input(channels = 4))
            class Early {
              @Dense(units = 2) @Output Layer out;
              @Dense(units = 2) Layer after;
            }
            """);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/output-not-last] out: @Output must be the last step of the trunk; after"
                + " follows it")
        .inFile(src)
        .onLineContaining("Layer out;");
  }

  @Test
  void blockThatContainsItselfIsAnError() throws IOException {
    JavaFileObject src =
        source(
            "Loop",
            """
            @Network(input = @Input(channels = 4, height = 8, width = 8))
            class Loop {
              @Stage(blocks = 1, width = 4) Ouroboros snake;
              @GlobalAvgPool Layer gap;
              @Dense(units = 2) @Output Layer out;
            }
            @ResidualBlock
            class Ouroboros {
              @Conv(kernel = 3) Layer conv;
              @Stage(blocks = 1, width = 4) Ouroboros tail;
            }
            """);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/block-cycle] block Ouroboros contains itself: Ouroboros -> Ouroboros")
        .inFile(src)
        .onLineContaining("Ouroboros tail;");
    assertNothingGenerated(src);
  }

  @Test
  void blockThatContainsItselfThroughAnotherIsAnError() throws IOException {
    JavaFileObject src =
        source(
            "Ring",
            """
            @Network(input = @Input(channels = 4, height = 8, width = 8))
            class Ring {
              @Stage(blocks = 1, width = 4) Ping ping;
              @GlobalAvgPool Layer gap;
              @Dense(units = 2) @Output Layer out;
            }
            @ResidualBlock
            class Ping { @Stage(blocks = 1, width = 4) Pong pong; }
            @ResidualBlock
            class Pong { @Stage(blocks = 1, width = 4) Ping back; }
            """);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/block-cycle] block Ping contains itself: Ping -> Pong -> Ping")
        .inFile(src)
        .onLineContaining("Ping back;");
    assertNothingGenerated(src);
  }

  @Test
  void layerAnnotationOutsideANetworkOrBlockIsAnError() throws IOException {
    JavaFileObject src =
        source(
            "Stray",
            """
            class Stray {
              @Conv(kernel = 3, filters = 8) Layer lost;
            }
            """);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/misplaced] @Conv applies to fields of a @Network or block "
                + "class; Stray is neither")
        .inFile(src)
        .onLineContaining("Layer lost;");
  }

  @Test
  void stageOnALayerAndConvOnAStageAreErrors() throws IOException {
    JavaFileObject src =
        source(
            "Mixed",
            """
            @Network(input = @Input(channels = 4, height = 8, width = 8))
            class Mixed {
              @Stage(blocks = 2, width = 4) Layer notABlock;
              @Conv(kernel = 3) @Stage(blocks = 1, width = 4) Unit notALayer;
              @GlobalAvgPool Layer gap;
              @Dense(units = 2) @Output Layer out;
            }
            @ResidualBlock
            class Unit { @Conv(kernel = 3) Layer conv; }
            """);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(2);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/misplaced] @Stage applies to block fields; notABlock is a Layer")
        .inFile(src)
        .onLineContaining("Layer notABlock;");
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/misplaced] @Conv applies to Layer fields; notALayer is a Unit stage")
        .inFile(src)
        .onLineContaining("Unit notALayer;");
    assertNothingGenerated(src);
  }

  @Test
  void networkOnAnInterfaceIsAnError() throws IOException {
    JavaFileObject src =
        source(
            "Shape",
            """
            @Network(input = @Input(channels = 4))
            interface Shape {}
            """);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/misplaced] @Network applies to classes; Shape is an interface")
        .inFile(src)
        .onLineContaining("@Network");
  }

  @Test
  void shortcutOnAClassThatIsNoBlockIsAnError() throws IOException {
    JavaFileObject src =
        source(
            "Loose",
            """
            @Shortcut(PROJECTION)
            class Loose {}
            """);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/misplaced] @Shortcut applies to @ResidualBlock classes and their stage "
                + "fields; Loose is not a @ResidualBlock")
        .inFile(src)
        .onLineContaining("@Shortcut(PROJECTION)");
  }

  @Test
  void fieldOfAnotherTypeIsNotAStep() throws IOException {
    JavaFileObject src =
        source(
            "Odd",
            """
            @Network(input = @Input(channels = 4))
            class Odd {
              String notes;
              @Dense(units = 2) @Output Layer out;
            }
            """);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/not-a-step] notes: field type String is neither Layer nor a "
                + "@ResidualBlock class; make it a Layer or a block stage, or make it static")
        .inFile(src)
        .onLineContaining("String notes;");
  }

  @Test
  void everyErrorIsReportedInOnePass() throws IOException {
    JavaFileObject src =
        source(
            "Many",
            """
            @Network(input = @Input(channels = 8, height = 16, width = 16))
            class Many {
              @Stage(blocks = 1, width = 16, stride = 2) Same first;
              @Stage(blocks = 1, width = 32, stride = 2) Same second;
              @GlobalAvgPool Layer gap;
              @Dense(units = 2) @Output Layer out;
            }
            @ResidualBlock @Shortcut(IDENTITY)
            class Same { @Conv(kernel = 3, stride = STAGE) @BatchNorm Layer c; }

            @Network(name = "other", input = @Input(channels = 3, height = 16, width = 16))
            class Other {
              @Conv(kernel = 3, width = 2) Layer noBase;
              @MaxPool(kernel = 0) Layer zero;
            }
            """);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(5);
    assertThat(c)
        .hadErrorContaining("first.b0: identity shortcut cannot carry [8, 16, 16] to [16, 8, 8]")
        .inFile(src)
        .onLineContaining("Same first;");
    assertThat(c)
        .hadErrorContaining("second.b0: identity shortcut cannot carry [16, 8, 8] to [32, 4, 4]")
        .inFile(src)
        .onLineContaining("Same second;");
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/width-outside-block] noBase: width = 2 is a multiple of a "
                + "block's base width, and the trunk has none; use filters = n")
        .inFile(src)
        .onLineContaining("Layer noBase;");
    assertThat(c)
        .hadErrorContaining("[skipwire/out-of-range] zero: kernel = 0 must be at least 1")
        .inFile(src)
        .onLineContaining("Layer zero;");
    assertThat(c)
        .hadErrorContaining("[skipwire/no-output] network Other has no @Output step")
        .inFile(src)
        .onLineContaining("name = \"other\"");
    assertNothingGenerated(src);
  }

  @Test
  void aBrokenNetworkDoesNotStopAValidOneBesideIt() throws IOException {
    JavaFileObject src =
        source(
            "Pair",
            """
            @Network(input = @Input(channels = 4))
            class Good {
              @Dense(units = 2) @Output Layer out;
            }
            @Network(name = "bad", input = @Input(channels = 4))
            class Bad {
              @Dense(units = 2) Layer hidden;
            }
            """);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining("network Bad has no @Output")
        .inFile(src)
        .onLineContaining("name = \"bad\"");
    assertEquals(1, Sources.generatedSources(src).size(), "GoodGraph only");
  }

  @Test
  void anUnresolvableValueIsJavacsErrorAndTheNetworkIsReportedNotGenerated() throws IOException {
    JavaFileObject src =
        source(
            "Typo",
            """
            @Network(input = @Input(channels = 4, height = 8, width = 8))
            class Typo {
              @Conv(kernel = KERNEL, filters = 8) Layer conv;
              @GlobalAvgPool Layer gap;
              @Dense(units = 2) @Output Layer out;
            }
            """);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(2);
    assertThat(c).hadErrorContaining("cannot find symbol").inFile(src).onLineContaining("KERNEL");
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/unresolved-type] network demo.Typo is not generated: {kernel = <error>} does"
                + " not resolve after the last round")
        .inFile(src)
        .onLineContaining("class Typo");
    assertNothingGenerated(src);
  }
}
