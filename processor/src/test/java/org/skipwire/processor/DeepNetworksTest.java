package org.skipwire.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.skipwire.processor.Sources.compile;
import static org.skipwire.processor.Sources.source;

import com.google.testing.compile.Compilation;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.junit.jupiter.api.Test;
import org.skipwire.runtime.SkipwireModel;

/**
 * The deepest networks of the papers compile: the generated source grows with the number of block
 * configurations, not with depth, so it stays far below javac's 64 KB per method. Before, He et
 * al.'s ResNet-1202 generated a source that javac refused ({@code code too large}).
 */
class DeepNetworksTest {

  /** Lines of the generated class a deep network may take. */
  private static final int MAX_LINES = 400;

  @Test
  void resNet1202Compiles() throws Exception {
    Compilation c =
        compile(
            source(
                "CifarResNet1202",
                """
                /** He et al. 2015, CIFAR 6n+2 with n = 200, option A shortcuts. */
                @Network(name = "cifar-resnet1202", input = @Input(channels = 3, height = 32, width = 32))
                public class CifarResNet1202 {
                  @Conv(kernel = 3, filters = 16) @BatchNorm @Activation(RELU) Layer stem;
                  @Stage(blocks = 200, width = 16) @Shortcut(ZERO_PAD) Basic stage1;
                  @Stage(blocks = 200, width = 32, stride = 2) @Shortcut(ZERO_PAD) Basic stage2;
                  @Stage(blocks = 200, width = 64, stride = 2) @Shortcut(ZERO_PAD) Basic stage3;
                  @GlobalAvgPool Layer avgpool;
                  @Dense(units = 10) @Output Layer fc;
                }

                @ResidualBlock
                class Basic {
                  @Conv(kernel = 3, stride = STAGE) @BatchNorm @Activation(RELU) Layer conv1;
                  @Conv(kernel = 3) @BatchNorm Layer conv2;
                }
                """));
    SkipwireModel model = checked(c, "demo.CifarResNet1202Graph");
    assertEquals(19_421_274L, model.trainableParams());
    // stem (3), 600 blocks of 7 and a zero-pad vertex where each later stage starts, pool and fc
    assertEquals(3 + 600 * 7 + 2 + 2, model.vertices().size(), "vertices");
  }

  @Test
  void denseNet264Compiles() throws Exception {
    Compilation c =
        compile(
            source(
                "DenseNet264",
                """
                /** Huang et al. 2017: k = 32, blocks [6, 12, 64, 48], as torchvision's DenseNet(32, (6, 12, 64, 48), 64). */
                @Network(name = "densenet264", input = @Input(channels = 3, height = 224, width = 224))
                public class DenseNet264 {
                  @Conv(kernel = 7, stride = 2, filters = 64) @BatchNorm @Activation(RELU) Layer stem;
                  @MaxPool(kernel = 3, stride = 2) Layer pool;
                  @Stage(blocks = 6) Unit block1;
                  @Transition(compression = 0.5) Layer transition1;
                  @Stage(blocks = 12) Unit block2;
                  @Transition(compression = 0.5) Layer transition2;
                  @Stage(blocks = 64) Unit block3;
                  @Transition(compression = 0.5) Layer transition3;
                  @Stage(blocks = 48) Unit block4;
                  @BatchNorm @Activation(RELU) Layer norm5;
                  @GlobalAvgPool Layer avgpool;
                  @Dense(units = 1000) @Output Layer classifier;
                }

                @DenseConnect(growthRate = 32)
                class Unit {
                  @BatchNorm @Activation(RELU) @Conv(kernel = 1, width = 4) Layer bottleneck;
                  @BatchNorm @Activation(RELU) @Conv(kernel = 3) Layer conv;
                }
                """));
    SkipwireModel model = checked(c, "demo.DenseNet264Graph");
    assertEquals(33_337_704L, model.trainableParams());
  }

  /**
   * Asserts a clean compilation and a short source, loads the graph class, and builds its DL4J
   * configuration: one vertex per row of the table, the table's parameters summing to the total.
   */
  private static SkipwireModel checked(Compilation c, String graphClass) throws Exception {
    assertThat(c).succeededWithoutWarnings();
    String text = c.generatedSourceFile(graphClass).orElseThrow().getCharContent(true).toString();
    long lines = text.lines().count();
    assertTrue(lines <= MAX_LINES, graphClass + " has " + lines + " lines");
    SkipwireModel model = new Loaded(c).model(graphClass);
    ComputationGraphConfiguration conf = model.configuration();
    assertEquals(model.vertices().size(), conf.getVertices().size(), "vertices");
    assertEquals(
        model.totalParams(),
        model.vertices().stream().mapToLong(v -> v.params()).sum(),
        "the table's parameters");
    return model;
  }
}
