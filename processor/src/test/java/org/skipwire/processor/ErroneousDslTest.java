package org.skipwire.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static org.skipwire.processor.Sources.assertNothingGenerated;
import static org.skipwire.processor.Sources.compile;
import static org.skipwire.processor.Sources.source;

import com.google.testing.compile.Compilation;
import java.io.IOException;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;

/** Errors of the DSL's placeholders and families: text, file, line, nothing generated. */
class ErroneousDslTest {

  private static final String BLOCK =
      """
      @ResidualBlock
      class Basic {
        @Conv(kernel = 3, stride = STAGE) @BatchNorm @Activation(RELU) Layer conv1;
        @Conv(kernel = 3) @BatchNorm Layer conv2;
      }
      """;

  @Test
  void stageWhereItMeansNothingIsNamedNotPrintedAsMinusOne() throws IOException {
    JavaFileObject src =
        source(
            "Staged",
            """
            @Network(input = @Input(channels = 8, height = 8, width = 8))
            class Staged {
              @Stage(blocks = 2, width = 8, stride = STAGE) Basic stage;
              @GlobalAvgPool Layer gap;
              @Dense(units = 2) @Output Layer out;
            }
            @ResidualBlock
            class Basic {
              @Conv(kernel = STAGE, stride = STAGE) @BatchNorm @Activation(RELU) Layer conv1;
              @Conv(kernel = 3) @BatchNorm Layer conv2;
            }
            """);
    Compilation c = compile(src);
    assertThat(c).hadErrorCount(2);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/out-of-range] stage: stride = STAGE must be at least 1; STAGE takes the"
                + " enclosing stage's value and works only for stride or dilation in a block")
        .inFile(src)
        .onLineContaining("Basic stage;");
    assertThat(c)
        .hadErrorContaining("[skipwire/out-of-range] conv1: kernel = STAGE must be at least 1; STAGE")
        .inFile(src)
        .onLineContaining("kernel = STAGE");
    assertNothingGenerated(src);
  }
}
