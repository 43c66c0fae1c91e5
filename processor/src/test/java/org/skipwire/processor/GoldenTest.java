package org.skipwire.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.skipwire.processor.Sources.compile;
import static org.skipwire.processor.Sources.source;

import com.google.testing.compile.Compilation;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.tools.JavaFileObject;
import javax.tools.StandardLocation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The generated source, compared as text with files under {@code src/test/resources/goldens}:
 * layout is part of what users read. Run with {@code -Dskipwire.updateGoldens} to rewrite them, and
 * review the diff.
 */
class GoldenTest {

  private static final Path GOLDENS = Path.of("src/test/resources/goldens/GoldenTest");

  private static void assertGolden(Compilation c, TestInfo test, String qualifiedName)
      throws IOException {
    assertThat(c).succeededWithoutWarnings();
    JavaFileObject generated = c.generatedSourceFile(qualifiedName).orElseThrow();
    String actual = generated.getCharContent(true).toString();
    Path golden =
        GOLDENS
            .resolve(test.getTestMethod().orElseThrow().getName())
            .resolve(qualifiedName + ".java");
    if (System.getProperty("skipwire.updateGoldens") != null) {
      Files.createDirectories(golden.getParent());
      Files.writeString(golden, actual, StandardCharsets.UTF_8);
    }
    assertEquals(Files.readString(golden, StandardCharsets.UTF_8), actual, "golden " + golden);
  }

  @Test
  void basicBlockNetwork(TestInfo test) throws IOException {
    Compilation c =
        compile(
            source(
                "TinyResNet",
                """
                /** A CIFAR-style ResNet-8: zero-pad shortcuts in one stage, projections in the next. */
                @Network(name = "tiny-resnet", input = @Input(channels = 3, height = 32, width = 32))
                public class TinyResNet {
                  @Conv(kernel = 3, filters = 16) @BatchNorm @Activation(RELU) Layer stem;
                  @Stage(blocks = 1, width = 16) Basic stage1;
                  @Stage(blocks = 1, width = 32, stride = 2) @Shortcut(ZERO_PAD) Basic stage2;
                  @Stage(blocks = 1, width = 64, stride = 2) Basic stage3;
                  @GlobalAvgPool Layer pool;
                  @Dense(units = 10) @Output(loss = MCXENT) Layer fc;
                }

                @ResidualBlock @Shortcut(PROJECTION)
                class Basic {
                  @Conv(kernel = 3, stride = STAGE) @BatchNorm @Activation(RELU) Layer conv1;
                  @Conv(kernel = 3) @BatchNorm(gammaInit = 0) Layer conv2;
                }
                """));
    assertGolden(c, test, "demo.TinyResNetGraph");
  }

  @Test
  void bottleneckNetwork(TestInfo test) throws IOException {
    Compilation c =
        compile(
            source(
                "TinyBottleneck",
                """
                @Network(input = @Input(channels = 3, height = 64, width = 64))
                public class TinyBottleneck {
                  @Conv(kernel = 7, stride = 2, filters = 16) @BatchNorm @Activation(RELU) Layer stem;
                  @MaxPool(kernel = 3, stride = 2) Layer pool;
                  @Stage(blocks = 2, width = 16) Neck conv2;
                  @Stage(blocks = 1, width = 32, stride = 2) Neck conv3;
                  @GlobalAvgPool Layer avgpool;
                  @Dense(units = 100) @Output Layer fc;
                }

                @ResidualBlock
                class Neck {
                  @Conv(kernel = 1) @BatchNorm @Activation(RELU) Layer reduce;
                  @Conv(kernel = 3, stride = STAGE) @BatchNorm @Activation(RELU) Layer conv;
                  @Conv(kernel = 1, width = 4) @BatchNorm Layer expand;
                }
                """));
    assertGolden(c, test, "demo.TinyBottleneckGraph");
  }

  @Test
  void preActivationNetwork(TestInfo test) throws IOException {
    Compilation c =
        compile(
            source(
                "TinyPreAct",
                """
                @Network(input = @Input(channels = 3, height = 16, width = 16))
                public class TinyPreAct {
                  @Conv(kernel = 3, filters = 16) Layer stem;
                  @Stage(blocks = 2, width = 16) PreAct stage1;
                  @Stage(blocks = 1, width = 32, stride = 2) PreAct stage2;
                  @BatchNorm @Activation(RELU) Layer post;
                  @GlobalAvgPool Layer pool;
                  @Dense(units = 10) @Output Layer fc;
                }

                @ResidualBlock(preActivation = true)
                class PreAct {
                  @BatchNorm @Activation(RELU) @Conv(kernel = 3, stride = STAGE) Layer conv1;
                  @BatchNorm @Activation(RELU) @Conv(kernel = 3) Layer conv2;
                }
                """));
    assertGolden(c, test, "demo.TinyPreActGraph");
  }

  @Test
  void denseNetwork(TestInfo test) throws IOException {
    Compilation c =
        compile(
            source(
                "TinyDenseNet",
                """
                /** Two dense blocks of a BC-style DenseNet with growth rate 4. */
                @Network(input = @Input(channels = 3, height = 16, width = 16))
                public class TinyDenseNet {
                  @Conv(kernel = 3, filters = 8) Layer stem;
                  @Stage(blocks = 2) Unit block1;
                  @Transition(compression = 0.5) Layer transition1;
                  @Stage(blocks = 2) Unit block2;
                  @BatchNorm @Activation(RELU) Layer norm;
                  @GlobalAvgPool Layer pool;
                  @Dense(units = 10) @Output Layer fc;
                }

                @DenseConnect(growthRate = 4)
                class Unit {
                  @BatchNorm @Activation(RELU) @Conv(kernel = 1, width = 4) Layer bottleneck;
                  @BatchNorm @Activation(RELU) @Conv(kernel = 3) Layer conv;
                }
                """));
    assertGolden(c, test, "demo.TinyDenseNetGraph");
  }

  @Test
  void highwayNetwork(TestInfo test) throws IOException {
    Compilation c =
        compile(
            source(
                "TinyHighway",
                """
                /** A highway MLP, and a convolutional highway stage with an independent carry gate. */
                @Network(input = @Input(channels = 2, height = 8, width = 8))
                public class TinyHighway {
                  @Conv(kernel = 3, filters = 4) @BatchNorm @Activation(RELU) Layer stem;
                  @Stage(blocks = 1) ConvGate conv;
                  @GlobalAvgPool Layer pool;
                  @Stage(blocks = 2) DenseGate dense;
                  @Dense(units = 3) @Output Layer fc;
                }

                @HighwayGate(gateBias = -1.0, independentCarry = true, gateKernel = 1)
                class ConvGate { @Conv(kernel = 3) @BatchNorm @Activation(RELU) Layer transform; }

                @HighwayGate
                class DenseGate { @Dense(width = 1) @Activation(RELU) Layer transform; }
                """));
    assertGolden(c, test, "demo.TinyHighwayGraph");
  }

  @Test
  void squeezeExcitationAndStochasticDepthNetwork(TestInfo test) throws IOException {
    Compilation c =
        compile(
            source(
                "TinySE",
                """
                /** Three SE blocks with stochastic depth: survival 5/6, 4/6 and 1/2 down the trunk. */
                @StochasticDepth(finalSurvival = 0.5)
                @Network(input = @Input(channels = 3, height = 16, width = 16))
                public class TinySE {
                  @Conv(kernel = 3, filters = 16) @BatchNorm @Activation(RELU) Layer stem;
                  @Stage(blocks = 2, width = 16) Excited stage1;
                  @Stage(blocks = 1, width = 32, stride = 2) Excited stage2;
                  @GlobalAvgPool Layer pool;
                  @Dense(units = 10) @Output Layer fc;
                }

                @ResidualBlock
                @SqueezeExcite(reduction = 4)
                class Excited {
                  @Conv(kernel = 3, stride = STAGE) @BatchNorm @Activation(RELU) @Dropout(0.2) Layer conv1;
                  @Conv(kernel = 3) @BatchNorm Layer conv2;
                }
                """));
    assertGolden(c, test, "demo.TinySEGraph");
  }

  @Test
  void preNormResidualNetwork(TestInfo test) throws IOException {
    Compilation c =
        compile(
            source(
                "TinyPreNorm",
                """
                /** Pre-norm residual blocks as in a transformer: x + F(LN(x)), then a final LN. */
                @Network(input = @Input(channels = 32))
                public class TinyPreNorm {
                  @Stage(blocks = 2, width = 32) PreNorm blocks;
                  @LayerNorm Layer norm;
                  @Dense(units = 4) @Output Layer out;
                }

                @ResidualBlock(preActivation = true)
                class PreNorm {
                  @LayerNorm @Dense(width = 2) Layer expand;
                  @Activation(RELU) @Dense(width = 1) Layer contract;
                }
                """));
    assertGolden(c, test, "demo.TinyPreNormGraph");
  }

  @Test
  void temporalConvolutionNetwork(TestInfo test) throws IOException {
    Compilation c =
        compile(
            source(
                "TinyTcn",
                """
                /** Causal dilated residual blocks (dilations 1, 2, 4) and the last step. */
                @Network(input = @Input(channels = 1, length = 24))
                public class TinyTcn {
                  @Stage(blocks = 3, width = 8, dilationGrowth = 2) Temporal tcn;
                  @LastStep Layer last;
                  @Dense(units = 1) @Output(loss = MSE) Layer next;
                }

                @ResidualBlock
                class Temporal {
                  @Conv(kernel = 3, dilation = STAGE, causal = true) @LayerNorm @Activation(RELU) @Dropout(0.1) Layer conv1;
                  @Conv(kernel = 3, dilation = STAGE, causal = true) @LayerNorm @Activation(RELU) Layer conv2;
                }
                """));
    assertGolden(c, test, "demo.TinyTcnGraph");
  }

  @Test
  void transformerEncoderNetwork(TestInfo test) throws IOException {
    Compilation c =
        compile(
            source(
                "TinyTransformer",
                """
                /** Two pre-norm encoder layers over 6 steps of 5 features, d_model 8, 2 heads. */
                @Network(input = @Input(channels = 5, length = 6))
                public class TinyTransformer {
                  @Dense(units = 8) Layer embed;
                  @PositionEmbedding Layer position;
                  @Stage(blocks = 2, width = 8) Encoder encoder;
                  @LayerNorm Layer norm;
                  @GlobalAvgPool Layer pool;
                  @Dense(units = 3) @Output Layer out;
                }

                @Sequential
                class Encoder {
                  @Stage(blocks = 1) Attention attention;
                  @Stage(blocks = 1) FeedForward feedForward;
                }

                @ResidualBlock(preActivation = true)
                class Attention {
                  @LayerNorm @SelfAttention(heads = 2) Layer attention;
                }

                @ResidualBlock(preActivation = true)
                class FeedForward {
                  @LayerNorm @Dense(width = 4) Layer expand;
                  @Activation(RELU) @Dense(width = 1) Layer contract;
                }
                """));
    assertGolden(c, test, "demo.TinyTransformerGraph");
  }

  @Test
  void everyGeneratedGraphIsRegisteredAsAService() throws IOException {
    Compilation c =
        compile(
            source(
                "Alpha",
                """
                @Network(input = @Input(channels = 4))
                public class Alpha { @Dense(units = 2) @Output Layer out; }
                """),
            source(
                "Beta",
                """
                @Network(input = @Input(channels = 4))
                public class Beta { @Dense(units = 8) @Activation(RELU) Layer hidden; @Dense(units = 2) @Output Layer out; }
                """));
    assertThat(c).succeededWithoutWarnings();
    String services =
        c.generatedFile(
                StandardLocation.CLASS_OUTPUT,
                "",
                "META-INF/services/org.skipwire.runtime.SkipwireModel")
            .orElseThrow()
            .getCharContent(true)
            .toString();
    assertEquals("demo.AlphaGraph\ndemo.BetaGraph\n", services);
  }
}
