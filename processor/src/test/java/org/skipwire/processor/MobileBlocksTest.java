package org.skipwire.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.skipwire.processor.Sources.assertNothingGenerated;
import static org.skipwire.processor.Sources.compile;
import static org.skipwire.processor.Sources.source;

import com.google.testing.compile.Compilation;
import java.io.IOException;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;

/**
 * MobileNetV2's pieces: depthwise convolution without spelling the channels, expansion relative to
 * the block's input, a shortcut that is the identity where the shape is kept and absent elsewhere,
 * a linear bottleneck, ReLU6.
 */
class MobileBlocksTest {

  private static final String BLOCK =
      """
      @ResidualBlock(activation = Nonlinearity.IDENTITY)
      @Shortcut(IDENTITY_OR_NONE)
      class Inverted {
        @Conv(kernel = 1, expansion = 6) @BatchNorm @Activation(Nonlinearity.RELU6) Layer conv0;
        @Conv(kernel = 3, stride = STAGE, groups = Layer.DEPTHWISE) @BatchNorm
        @Activation(Nonlinearity.RELU6) Layer conv1;
        @Conv(kernel = 1) @BatchNorm Layer conv2;
      }
      """;

  @Test
  void invertedResidualsWireExpansionDepthwiseAndShortcutsWhereTheShapeIsKept() throws IOException {
    JavaFileObject src =
        source(
            "TinyMobile",
            """
            @Network(name = "tiny-mobile", input = @Input(channels = 8, height = 8, width = 8))
            public class TinyMobile {
              @Stage(blocks = 5, width = 16, stride = 2) Inverted stage;
              @GlobalAvgPool Layer gap;
              @Dense(units = 2) @Output Layer out;
            }
            """
                + BLOCK);
    Compilation c = compile(src);
    assertThat(c).succeededWithoutWarnings();
    String graph =
        c.generatedSourceFile("demo.TinyMobileGraph").orElseThrow().getCharContent(true).toString();
    if (System.getProperty("skipwire.print") != null) {
      System.out.println(graph);
    }
    // b0 changes the shape: no sum; b1..b4 add their input.
    assertFalse(graph.contains("\"stage.b0.add\""), graph);
    assertTrue(graph.contains("(g, \"stage.b1\", \"stage.b0.conv2.bn\")"), graph);
    // The loop over b2..b4 names each input after the last block's sum, not after b0's output.
    assertTrue(graph.contains("\"stage.b\" + (i - 1) + \".add\""), graph);
    assertFalse(graph.contains("\"stage.b\" + (i - 1) + \".conv2.bn\""), graph);
    // Expansion 6 of the block's input: 48 channels in b0 (8 in), 96 in the rest (16 in).
    assertTrue(graph.contains("[48, 8, 8]"), graph);
    assertTrue(graph.contains("[96, 4, 4]"), graph);
    // Depthwise: DL4J's own layer, one group per channel; no activation after the sum.
    assertTrue(graph.contains("DepthwiseConvolution2D.Builder"), graph);
    assertFalse(graph.contains(".relu\""), graph);
    assertTrue(graph.contains("Activation.RELU6"), graph);
  }

  @Test
  void expansionOnTheTrunkOrWithFiltersIsAnError() throws IOException {
    JavaFileObject src =
        source(
            "Expanded",
            """
            @Network(input = @Input(channels = 8, height = 8, width = 8))
            class Expanded {
              @Conv(kernel = 1, expansion = 6) Layer wide;
              @Stage(blocks = 1, width = 8) Bad stage;
              @GlobalAvgPool Layer gap;
              @Dense(units = 2) @Output Layer out;
            }
            @ResidualBlock
            class Bad {
              @Conv(kernel = 1, expansion = 6, filters = 48) @BatchNorm Layer conv;
            }
            """);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(2);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/expansion-outside-block] wide: expansion = 6 multiplies a block's input"
                + " channels, and the trunk has no block; use filters = n")
        .inFile(src)
        .onLineContaining("Layer wide;");
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/out-of-range] conv: expansion = 6 excludes filters: keep one")
        .inFile(src)
        .onLineContaining("filters = 48");
    assertNothingGenerated(src);
  }
}
