package org.skipwire.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.skipwire.processor.Sources.compile;
import static org.skipwire.processor.Sources.source;

import com.google.testing.compile.Compilation;
import java.io.IOException;
import java.util.List;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;

/**
 * The compile-time errors of sequence networks (temporal convolutions, attention,
 * {@code @LastStep}): text, file, line, and that nothing is generated.
 */
class ErroneousSequenceTest {

  private static Compilation compileFailing(JavaFileObject src) throws IOException {
    Compilation c = compile(src);
    assertEquals(List.of(), Sources.generatedSources(src), "nothing generated");
    return c;
  }

  private static final String TEMPORAL_BLOCK =
      """
      @ResidualBlock
      class Temporal {
        @Conv(kernel = 3, dilation = STAGE, causal = true) @LayerNorm @Activation(RELU) Layer conv1;
        @Conv(kernel = 3, dilation = STAGE, causal = true) @LayerNorm @Activation(RELU) Layer conv2;
      }
      """;

  @Test
  void lastStepThatCannotSeeTheWholeInputIsAnError() throws IOException {
    // Four blocks with dilations 1, 2, 4, 8 see 1 + 2 x 2 x 15 = 61 steps, not 64.
    JavaFileObject src =
        source(
            "Short",
            """
            @Network(input = @Input(channels = 1, length = 64))
            class Short {
              @Stage(blocks = 4, width = 8, dilationGrowth = 2) Temporal tcn;
              @LastStep Layer last;
              @Dense(units = 1) @Output(loss = MSE) Layer next;
            }
            """
                + TEMPORAL_BLOCK);
    Compilation c = compileFailing(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/receptive-field] last: @LastStep sees only the last 61 of the 64 input steps"
                + " (the receptive field of the layers before it); add blocks, a larger kernel or"
                + " faster dilation growth, or declare @Input(length = 61)")
        .inFile(src)
        .onLineContaining("@LastStep Layer last");
  }

  @Test
  void oneMoreBlockCoversTheInputAndCompiles() throws IOException {
    // Five blocks: 1 + 4 x 31 = 125 >= 64.
    JavaFileObject src =
        source(
            "Covered",
            """
            @Network(input = @Input(channels = 1, length = 64))
            class Covered {
              @Stage(blocks = 5, width = 8, dilationGrowth = 2) Temporal tcn;
              @LastStep Layer last;
              @Dense(units = 1) @Output(loss = MSE) Layer next;
            }
            """
                + TEMPORAL_BLOCK);
    assertThat(compile(src)).succeededWithoutWarnings();
  }

  @Test
  void attentionHeadsMustDivideTheChannels() throws IOException {
    JavaFileObject src =
        source(
            "Heads",
            """
            @Network(input = @Input(channels = 6, length = 10))
            class Heads {
              @Dense(units = 30) Layer embed;
              @Stage(blocks = 1, width = 30) Attention encoder;
              @GlobalAvgPool Layer pool;
              @Dense(units = 2) @Output Layer out;
            }

            @ResidualBlock(preActivation = true)
            class Attention {
              @LayerNorm @SelfAttention(heads = 4) Layer attention;
            }
            """);
    Compilation c = compileFailing(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/attention-heads] encoder.b0.attention: 4 attention heads cannot split the 30"
                + " channels of [30, 10]; the channels must divide by the heads")
        .inFile(src)
        .onLineContaining("@SelfAttention(heads = 4)");
  }

  @Test
  void attentionOnAnImageIsAnError() throws IOException {
    JavaFileObject src =
        source(
            "ImageAttention",
            """
            @Network(input = @Input(channels = 3, height = 8, width = 8))
            class ImageAttention {
              @SelfAttention(heads = 1) Layer attention;
              @GlobalAvgPool Layer pool;
              @Dense(units = 2) @Output Layer out;
            }
            """);
    Compilation c = compileFailing(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/needs-sequence] attention: @SelfAttention needs a sequence [channels,"
                + " length], got [3, 8, 8]; declare @Input(channels = c, length = t)")
        .inFile(src)
        .onLineContaining("@SelfAttention(heads = 1)");
  }

  @Test
  void causalConvolutionOnAnImageIsAnError() throws IOException {
    JavaFileObject src =
        source(
            "CausalImage",
            """
            @Network(input = @Input(channels = 3, height = 8, width = 8))
            class CausalImage {
              @Conv(kernel = 3, filters = 4, causal = true) Layer conv;
              @GlobalAvgPool Layer pool;
              @Dense(units = 2) @Output Layer out;
            }
            """);
    Compilation c = compileFailing(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/needs-sequence] conv: @Conv(causal = true) needs a sequence [channels,"
                + " length], got [3, 8, 8]")
        .inFile(src)
        .onLineContaining("causal = true");
  }

  @Test
  void causalConvolutionWithPaddingIsAnError() throws IOException {
    JavaFileObject src =
        source(
            "CausalPadding",
            """
            @Network(input = @Input(channels = 1, length = 16))
            class CausalPadding {
              @Conv(kernel = 3, dilation = 2, filters = 4, causal = true, padding = 1) Layer conv;
              @LastStep Layer last;
              @Dense(units = 1) @Output(loss = MSE) Layer out;
            }
            """);
    Compilation c = compileFailing(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/causal-padding] conv: a causal convolution pads (kernel - 1) x dilation = 4"
                + " steps on the left by itself; remove padding = 1")
        .inFile(src)
        .onLineContaining("padding = 1");
  }

  @Test
  void poolingASequenceIsAnError() throws IOException {
    JavaFileObject src =
        source(
            "SequencePool",
            """
            @Network(input = @Input(channels = 4, length = 16))
            class SequencePool {
              @MaxPool(kernel = 2) Layer pool;
              @LastStep Layer last;
              @Dense(units = 1) @Output(loss = MSE) Layer out;
            }
            """);
    Compilation c = compileFailing(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/needs-feature-map] pool: @MaxPool needs a feature map [channels, height,"
                + " width], got [4, 16]")
        .inFile(src)
        .onLineContaining("@MaxPool(kernel = 2)");
  }

  @Test
  void lastStepOfAFlatVectorIsAnError() throws IOException {
    JavaFileObject src =
        source(
            "FlatLast",
            """
            @Network(input = @Input(channels = 8))
            class FlatLast {
              @LastStep Layer last;
              @Dense(units = 1) @Output(loss = MSE) Layer out;
            }
            """);
    Compilation c = compileFailing(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/needs-sequence] last: @LastStep needs a sequence [channels, length], got"
                + " [8]")
        .inFile(src)
        .onLineContaining("@LastStep");
  }

  @Test
  void sequenceInputWithHeightIsAnError() throws IOException {
    JavaFileObject src =
        source(
            "Both",
            """
            @Network(input = @Input(channels = 1, height = 4, length = 16))
            class Both {
              @LastStep Layer last;
              @Dense(units = 1) @Output(loss = MSE) Layer out;
            }
            """);
    Compilation c = compileFailing(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/out-of-range] @Input: height = 4 must be 0 for a sequence input: it has"
                + " channels and a length")
        .inFile(src)
        .onLineContaining("height = 4");
  }

  @Test
  void dilationStageOutsideABlockIsAnError() throws IOException {
    JavaFileObject src =
        source(
            "TrunkDilation",
            """
            @Network(input = @Input(channels = 1, length = 16))
            class TrunkDilation {
              @Conv(kernel = 3, filters = 4, dilation = STAGE, causal = true) Layer conv;
              @LastStep Layer last;
              @Dense(units = 1) @Output(loss = MSE) Layer out;
            }
            """);
    Compilation c = compileFailing(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/stage-stride] conv: dilation = STAGE needs an enclosing @Stage; give a"
                + " number")
        .inFile(src)
        .onLineContaining("dilation = STAGE");
  }

  @Test
  void outputOnASequenceIsAnError() throws IOException {
    JavaFileObject src =
        source(
            "SequenceOut",
            """
            @Network(input = @Input(channels = 4, length = 16))
            class SequenceOut {
              @Dense(units = 1) @Output(loss = MSE) Layer out;
            }
            """);
    Compilation c = compileFailing(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/misplaced] out: @Output on a sequence [4, 16] is not supported; reduce it"
                + " first with @LastStep or @GlobalAvgPool")
        .inFile(src)
        .onLineContaining("@Output(loss = MSE)");
  }

  @Test
  void groupsOnASequenceAreAnError() throws IOException {
    JavaFileObject src =
        source(
            "SequenceGroups",
            """
            @Network(input = @Input(channels = 4, length = 16))
            class SequenceGroups {
              @Conv(kernel = 3, filters = 8, groups = 2) Layer conv;
              @LastStep Layer last;
              @Dense(units = 1) @Output(loss = MSE) Layer out;
            }
            """);
    Compilation c = compileFailing(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/misplaced] conv: groups apply to 2-D convolutions, not to the sequence"
                + " [4, 16]")
        .inFile(src)
        .onLineContaining("groups = 2");
  }

  @Test
  void groupedAndDilatedConvolutionIsAnError() throws IOException {
    JavaFileObject src =
        source(
            "GroupedDilated",
            """
            @Network(input = @Input(channels = 4, height = 16, width = 16))
            class GroupedDilated {
              @Conv(kernel = 3, filters = 8, groups = 2, dilation = 2) Layer conv;
              @GlobalAvgPool Layer pool;
              @Dense(units = 2) @Output Layer out;
            }
            """);
    Compilation c = compileFailing(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/misplaced] conv: a grouped convolution cannot also be dilated; keep one of"
                + " the two")
        .inFile(src)
        .onLineContaining("dilation = 2");
  }

  @Test
  void highwayGateOnASequenceIsAnError() throws IOException {
    JavaFileObject src =
        source(
            "SequenceHighway",
            """
            @Network(input = @Input(channels = 4, length = 16))
            class SequenceHighway {
              @Stage(blocks = 1) Gate gate;
              @LastStep Layer last;
              @Dense(units = 1) @Output(loss = MSE) Layer out;
            }

            @HighwayGate
            class Gate {
              @Conv(kernel = 3, causal = true) @Activation(RELU) Layer conv;
            }
            """);
    Compilation c = compileFailing(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/misplaced] gate.b0: a highway gate mixes feature maps or flat vectors, not"
                + " the sequence [4, 16]")
        .inFile(src)
        .onLineContaining("Gate gate");
  }
}
