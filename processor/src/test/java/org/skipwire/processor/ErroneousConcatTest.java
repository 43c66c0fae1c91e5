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

/** The compile-time errors of U-Net style {@code @Concat} skips: text, file, line. */
class ErroneousConcatTest {

  private static Compilation compileDecoder(JavaFileObject src) throws IOException {
    Compilation c = compile(src);
    assertEquals(List.of(), Sources.generatedSources(src), "nothing generated");
    return c;
  }

  @Test
  void unknownSourceIsAnErrorWithASuggestion() throws IOException {
    JavaFileObject src =
        source(
            "Typo",
            """
            @Network(input = @Input(channels = 1, height = 16, width = 16))
            class Typo {
              @Conv(kernel = 3, filters = 8) @BatchNorm @Activation(RELU) Layer enc1;
              @MaxPool(kernel = 2) Layer down;
              @TransposedConv(filters = 8) Layer up;
              @Concat(from = "enc2") Layer skip;
              @Conv(kernel = 1, filters = 2) @Output Layer out;
            }
            """);
    Compilation c = compileDecoder(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/concat-source] skip: @Concat(from = \"enc2\") names no earlier step; "
                + "did you mean \"enc1\"?")
        .inFile(src)
        .onLineContaining("from = \"enc2\"");
  }

  @Test
  void laterSourceIsAnError() throws IOException {
    JavaFileObject src =
        source(
            "Ahead",
            """
            @Network(input = @Input(channels = 1, height = 16, width = 16))
            class Ahead {
              @Conv(kernel = 3, filters = 8) @BatchNorm @Activation(RELU) Layer enc1;
              @Concat(from = "dec1") Layer skip;
              @Conv(kernel = 3, filters = 8) @BatchNorm @Activation(RELU) Layer dec1;
              @Conv(kernel = 1, filters = 2) @Output Layer out;
            }
            """);
    Compilation c = compileDecoder(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/concat-later] skip: @Concat(from = \"dec1\") names a step that comes later; "
                + "only earlier outputs exist yet")
        .inFile(src)
        .onLineContaining("from = \"dec1\"");
  }

  @Test
  void sourceOfAnotherSpatialSizeIsAnErrorNamingBothShapes() throws IOException {
    JavaFileObject src =
        source(
            "Mismatch",
            """
            @Network(input = @Input(channels = 1, height = 16, width = 16))
            class Mismatch {
              @Conv(kernel = 3, filters = 8) @BatchNorm @Activation(RELU) Layer enc1;
              @MaxPool(kernel = 2) Layer down1;
              @Conv(kernel = 3, filters = 16) @BatchNorm @Activation(RELU) Layer enc2;
              @MaxPool(kernel = 2) Layer down2;
              @TransposedConv(filters = 16) Layer up;
              @Concat(from = "enc1") Layer skip;
              @Conv(kernel = 1, filters = 2) @Output Layer out;
            }
            """);
    Compilation c = compileDecoder(src);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining(
            "[skipwire/concat-shape] skip: cannot concatenate [8, 16, 16] from enc1 to "
                + "[16, 8, 8]: height and width differ")
        .inFile(src)
        .onLineContaining("from = \"enc1\"");
  }
}
