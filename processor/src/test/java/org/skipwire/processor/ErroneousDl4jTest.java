package org.skipwire.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.skipwire.processor.Sources.assertNothingGenerated;
import static org.skipwire.processor.Sources.compile;
import static org.skipwire.processor.Sources.source;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.JavaFileObjects;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import javax.tools.Diagnostic;
import javax.tools.JavaFileObject;
import org.deeplearning4j.exception.DL4JInvalidConfigException;
import org.deeplearning4j.util.OutputLayerUtil;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.skipwire.Loss;
import org.skipwire.Nonlinearity;

/**
 * Declarations that are sound in shape but that DL4J 1.0.0-M2.1 refuses at {@code build()} or
 * {@code init()}, or that cannot train: a compile error at what the user wrote, with the fix,
 * instead of a DL4J exception at run time.
 */
class ErroneousDl4jTest {

  @Test
  void sigmoidWithMulticlassCrossEntropyIsAnErrorAtTheOutput() throws IOException {
    JavaFileObject src =
        source(
            "Sig",
            """
            @Network(input = @Input(channels = 4))
            class Sig {
              @Dense(units = 3)
              @Activation(Nonlinearity.SIGMOID)
              @Output
              Layer out;
            }
            """);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/output-activation] out: loss MCXENT needs the output activation SOFTMAX, got"
                + " SIGMOID (DL4J refuses the pair); remove @Activation(SIGMOID), or use"
                + " @Output(loss = XENT) for independent yes/no outputs")
        .inFile(src)
        .onLineContaining("@Output");
    assertNothingGenerated(src);
  }

  @Test
  void aPerPixelOutputIsCheckedToo() throws IOException {
    JavaFileObject src =
        source(
            "Seg",
            """
            @Network(input = @Input(channels = 3, height = 8, width = 8))
            class Seg {
              @Conv(kernel = 3, filters = 4) Layer c;
              @Conv(kernel = 1, filters = 2) @Activation(SOFTMAX)
              @Output(loss = XENT)
              Layer out;
            }
            """);
    Compilation c = compile(src);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/output-activation] out: loss XENT needs the output activation SIGMOID, got"
                + " SOFTMAX (DL4J refuses the pair); remove @Activation(SOFTMAX), or use"
                + " @Output(loss = MCXENT) for one class out of several")
        .inFile(src)
        .onLineContaining("@Output");
  }

  @Test
  void softmaxOverOneOutputIsAnError() throws IOException {
    JavaFileObject src =
        source(
            "One",
            """
            @Network(input = @Input(channels = 4))
            class One {
              @Dense(units = 1)
              @Output
              Layer out;
            }
            """);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/softmax-one-output] out: softmax over one output is always 1.0 (DL4J"
                + " refuses it); use 2 units or more, or @Activation(SIGMOID) @Output(loss = XENT)"
                + " for one yes/no output")
        .inFile(src)
        .onLineContaining("@Output");
    assertNothingGenerated(src);
  }

  /**
   * Every pair of output activation and loss, with three outputs and with one: the processor
   * refuses exactly what DL4J's own validation refuses ({@code OutputLayerUtil}, asked here), and
   * also GELU with a loss on probabilities, which DL4J lets through and whose first training step
   * takes the logarithm of a negative number.
   */
  @Test
  void theProcessorRefusesWhatDl4jRefuses() throws IOException {
    List<JavaFileObject> sources = new ArrayList<>();
    List<String> names = new ArrayList<>();
    TreeSet<String> expected = new TreeSet<>();
    for (int units : new int[] {3, 1}) {
      for (Nonlinearity a : Nonlinearity.values()) {
        for (Loss l : Loss.values()) {
          String name = "P" + a + l + units;
          names.add(name);
          sources.add(
              JavaFileObjects.forSourceString(
                  "demo." + name,
                  Sources.HEADER
                      + "@Network(name = \"p-"
                      + names.size()
                      + "\", input = @Input(channels = 4))\nclass "
                      + name
                      + " {\n  @Dense(units = "
                      + units
                      + ") @Activation(Nonlinearity."
                      + a
                      + ") @Output(loss = "
                      + l
                      + ") Layer out;\n}\n"));
          boolean probabilities =
              l == Loss.MCXENT || l == Loss.NEGATIVELOGLIKELIHOOD || l == Loss.XENT;
          if (dl4jRefuses(a, l, units) || (a == Nonlinearity.GELU && probabilities)) {
            expected.add(name);
          }
        }
      }
    }
    Compilation c = compile(sources.toArray(JavaFileObject[]::new));
    TreeSet<String> refused = new TreeSet<>();
    for (Diagnostic<? extends JavaFileObject> d : c.errors()) {
      String text = d.getMessage(Locale.ROOT);
      assertTrue(
          text.contains("[skipwire/output-activation]")
              || text.contains("[skipwire/softmax-one-output]"),
          text);
      String file = d.getSource().getName();
      refused.add(file.substring(file.lastIndexOf('/') + 1, file.length() - ".java".length()));
    }
    assertEquals(expected, refused);
    assertEquals(expected.size(), c.errors().size());
    assertTrue(expected.size() > 20, "the table tests something: " + expected.size());
  }

  private static boolean dl4jRefuses(Nonlinearity a, Loss l, int units) {
    try {
      OutputLayerUtil.validateOutputLayerConfiguration(
          "out",
          units,
          false,
          Activation.valueOf(a.name()).getActivationFunction(),
          LossFunctions.LossFunction.valueOf(l.name()).getILossFunction());
      return false;
    } catch (DL4JInvalidConfigException e) {
      return true;
    }
  }

  @Test
  void aFieldNamedInputCollidesWithTheGraphInput() throws IOException {
    JavaFileObject src =
        source(
            "In",
            """
            @Network(input = @Input(channels = 4))
            class In {
              @Dense(units = 8) Layer input;
              @Dense(units = 3) @Output Layer out;
            }
            """);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/vertex-name] input: DL4J vertex name \"input\" is the name of the network's"
                + " input, and DL4J refuses the graph; rename the field input")
        .inFile(src)
        .onLineContaining("Layer input;");
    assertNothingGenerated(src);
  }

  @Test
  void aBlockFieldNamedLikeAVertexOfItsConnectionIsAnError() throws IOException {
    JavaFileObject src =
        source(
            "Named",
            """
            @Network(input = @Input(channels = 4, height = 8, width = 8))
            class Named {
              @Stage(blocks = 2, width = 8) Unit body;
              @GlobalAvgPool Layer gap;
              @Dense(units = 3) @Output Layer out;
            }
            @ResidualBlock
            class Unit {
              @Conv(kernel = 3) Layer first;
              @Conv(kernel = 3) Layer shortcut;
            }
            """);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/vertex-name] body.b0.shortcut: DL4J vertex name \"body.b0.shortcut\" is"
                + " taken twice, by the conv 3x3 and the conv 1x1 vertex, and DL4J refuses the"
                + " graph; rename the field shortcut")
        .inFile(src)
        .onLineContaining("Layer shortcut;");
    assertNothingGenerated(src);
  }

  /**
   * Found by the fuzz test (seed -2021240938982884604): within every size limit, and 68 GB to
   * train, a shake-shake block's projection shortcut from 65,536 channels to 65,536. The fuzz JVM
   * grew past 19 GB and the kernel killed it.
   */
  @Test
  void aNetworkTooLargeToTrainOnAnyMachineIsRefused() throws IOException {
    JavaFileObject src =
        source(
            "Huge",
            """
            @Network(input = @Input(channels = 65536, height = 8, width = 8))
            class Huge {
              @AvgPool(kernel = 2, stride = 2) Layer s0;
              @Stage(blocks = 1, width = 4) Shaken s2;
              @GlobalAvgPool Layer gap;
              @Dense(units = 5) @Output Layer out;
            }
            @ShakeShake
            class Shaken {
              @AvgPool(kernel = 2, stride = 2) Layer f0;
            }
            """);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/too-large] Huge: estimated training memory for one example ="
                + " 68,783,439,992 bytes (68,727,341,136 for parameters, gradients and updater"
                + " state, 56,098,856 per example) is larger than the limit 17,179,869,184")
        .inFile(src)
        .onLineContaining("@Network");
    assertNothingGenerated(src);
  }
}
