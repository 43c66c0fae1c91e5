package org.skipwire.processor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.testing.compile.JavaFileObjects;
import java.io.IOException;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.skipwire.Loss;
import org.skipwire.Nonlinearity;
import org.skipwire.runtime.SkipwireModel;

/**
 * Random declarations from a seeded generator over the whole DSL, extreme and invalid values,
 * nesting and cycles included, each compiled in-process with the processors. For each: no exception
 * or internal error, every error on a line of the declaration, nothing generated for a network with
 * an error, and for a clean one a generated source that compiles, whose DL4J graph builds,
 * initialises, runs a forward pass and a training step on a batch of two, and that is the same
 * bytes when generated again.
 *
 * <p>{@code -Dskipwire.fuzzCases=5000 -Dskipwire.fuzzSeed=1} runs a longer campaign (the README has
 * the command). A failing case prints its seed; it becomes a regression test in {@link #SEEDS}.
 */
class DeclarationFuzzTest {

  private static final int CASES = Integer.getInteger("skipwire.fuzzCases", 60);
  private static final long SEED = Long.getLong("skipwire.fuzzSeed", 20261203L);

  /**
   * Seeds of cases that once failed, found before the generator drew its {@code extra} choices: run
   * first on every build, each as the declaration it wrote then.
   */
  private static final long[] LEGACY_SEEDS = {
    -4298141990685097099L, // attention over 65,536 steps: ND4J crashed the JVM; now too-large
    -2021240938982884604L, // 68 GB to train (a 65,536-channel projection): OOM; now too-large
  };

  /** Seeds of cases that once failed since, run next on every build. */
  private static final long[] SEEDS = {};

  /**
   * Estimated training bytes ({@code TRAINING_BYTES_FIXED + 2 x TRAINING_BYTES_PER_EXAMPLE}) up to
   * which a clean network is built and trained here; above it, it is only compiled. The processor
   * refuses past 16 GiB for one example; this keeps the fuzz JVM's native memory bounded far below
   * that, whatever the generator draws.
   */
  private static final long MEMORY_BUDGET = 256L << 20;

  private static JavaCompiler compiler;
  private static StandardJavaFileManager files;

  @BeforeAll
  static void compiler() {
    compiler = ToolProvider.getSystemJavaCompiler();
    files = compiler.getStandardFileManager(null, Locale.ROOT, null);
  }

  @AfterAll
  static void close() throws IOException {
    files.close();
  }

  /** Declarations compiled together: javac's start-up is paid once per batch. */
  private static final int BATCH = 25;

  @Test
  void randomDeclarationsCompileCleanlyOrFailOnALine() throws Exception {
    List<String> failures = new ArrayList<>();
    int clean = 0;
    int compileOnly = 0;
    Random seeds = new Random(SEED);
    List<Long> all = new ArrayList<>();
    for (long s : LEGACY_SEEDS) {
      all.add(s);
    }
    for (long s : SEEDS) {
      all.add(s);
    }
    for (int i = 0; i < CASES; i++) {
      all.add(seeds.nextLong());
    }
    for (int start = 0; start < all.size() && failures.size() < 5; start += BATCH) {
      List<Long> batch = all.subList(start, Math.min(all.size(), start + BATCH));
      List<String> sources = new ArrayList<>();
      for (int k = 0; k < batch.size(); k++) {
        long seed = batch.get(k);
        boolean legacy = start + k < LEGACY_SEEDS.length;
        sources.add(
            new Generator(new Random(seed), k, legacy ? null : new Random(~seed)).network());
      }
      Result first;
      try {
        first = compile(sources);
      } catch (RuntimeException e) {
        failures.add("batch from seed " + batch.get(0) + "L: javac threw " + e);
        continue;
      }
      Result second = (start / BATCH) % 4 == 0 ? compile(sources) : null;
      List<Integer> runnable = new ArrayList<>();
      for (int k = 0; k < batch.size(); k++) {
        try {
          if (checkDiagnostics(first, second, k, sources.get(k))) {
            runnable.add(k);
          }
        } catch (AssertionError | Exception e) {
          failures.add("seed " + batch.get(k) + "L: " + e + "\n" + sources.get(k));
        }
      }
      // javac writes no classes when any file of the batch has an error: compile the clean ones.
      Result classes = first;
      if (!first.errors.isEmpty() && !runnable.isEmpty()) {
        List<String> only = new ArrayList<>();
        for (int k = 0; k < sources.size(); k++) {
          only.add(runnable.contains(k) ? sources.get(k) : null);
        }
        classes = compile(only);
      }
      try (URLClassLoader loader =
          new URLClassLoader(
              new java.net.URL[] {classes.classes.toUri().toURL()},
              DeclarationFuzzTest.class.getClassLoader())) {
        for (int k : runnable) {
          try {
            Class<?> type = loader.loadClass("demo.Fuzz" + k + "Graph");
            long bytes =
                type.getField("TRAINING_BYTES_FIXED").getLong(null)
                    + 2 * type.getField("TRAINING_BYTES_PER_EXAMPLE").getLong(null);
            if (bytes > MEMORY_BUDGET) {
              compileOnly++;
              continue;
            }
            SkipwireModel model = (SkipwireModel) type.getDeclaredConstructor().newInstance();
            // Printed before running: a native crash in ND4J kills the JVM, and this names the
            // case.
            System.out.println("fuzz: running seed " + batch.get(k) + "L");
            System.out.flush();
            run(model);
            clean++;
          } catch (AssertionError | Exception e) {
            failures.add("seed " + batch.get(k) + "L: " + e + "\n" + sources.get(k));
          }
        }
        // A long campaign that cannot finish still says how far it got and what it found.
        System.out.printf(
            Locale.ROOT,
            "fuzz: %d of %d declarations checked, %d failing%n",
            Math.min(all.size(), start + BATCH),
            all.size(),
            failures.size());
      } finally {
        first.delete();
        if (second != null) {
          second.delete();
        }
        if (classes != first) {
          classes.delete();
        }
      }
    }
    if (!failures.isEmpty()) {
      fail(failures.size() + " failing declarations:\n\n" + String.join("\n\n", failures));
    }
    System.out.printf(
        Locale.ROOT,
        "fuzz: %d declarations, %d clean and run in DL4J, %d clean and over the memory budget%n",
        all.size(),
        clean,
        compileOnly);
    // The generator must reach clean networks, not only errors: else the DL4J half tests nothing.
    assertTrue(clean >= all.size() / 10, clean + " clean of " + all.size());
  }

  /**
   * Checks the diagnostics and generated files of declaration {@code k} of a batch; whether its
   * file compiled clean, so its graph can run.
   */
  private static boolean checkDiagnostics(Result first, Result second, int k, String source)
      throws Exception {
    String file = "Fuzz" + k + ".java";
    String graph = "Fuzz" + k + "Graph.java";
    int unrelated = lineOf(source, "class NotABlock");
    boolean networkErrors = false;
    boolean anyErrors = false;
    for (Diagnostic<? extends JavaFileObject> d : first.errors) {
      String text = d.getMessage(Locale.ROOT);
      assertTrue(!text.contains("internal-error"), text);
      assertTrue(d.getSource() != null && d.getLineNumber() > 0, "no line: " + text);
      assertTrue(
          !d.getSource().getName().endsWith("Graph.java"), "error in generated code: " + text);
      if (d.getSource().getName().endsWith("/" + file)) {
        anyErrors = true;
        networkErrors |= d.getLineNumber() != unrelated;
      }
    }
    List<Path> generated =
        first.generated.stream().filter(p -> p.getFileName().toString().equals(graph)).toList();
    if (networkErrors) {
      assertEquals(List.of(), generated, "generated although the network has errors");
      return false;
    }
    assertEquals(
        1,
        generated.size(),
        () ->
            "one graph for a clean network; generated "
                + first.generated
                + ", errors "
                + first.errors);
    if (second != null) {
      Path again =
          second.generated.stream()
              .filter(p -> p.getFileName().toString().equals(graph))
              .findFirst()
              .orElseThrow();
      assertArrayEquals(
          Files.readAllBytes(generated.get(0)), Files.readAllBytes(again), "deterministic");
    }
    return !anyErrors; // with a misplaced annotation elsewhere in its file, it cannot run
  }

  private static int lineOf(String source, String text) {
    List<String> lines = source.lines().toList();
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains(text)) {
        return i + 1;
      }
    }
    return -1;
  }

  /** Builds, initialises, one forward pass and one training step on a batch of two. */
  private static void run(SkipwireModel model) {
    ComputationGraph graph = model.create();
    assertEquals(model.totalParams(), graph.params().length(), "parameters");
    INDArray x = Nd4j.rand(shape(model.inputShape()));
    INDArray y = graph.outputSingle(x);
    assertArrayEquals(shape(model.outputShape()), y.shape(), "output shape");
    INDArray labels = Nd4j.rand(shape(model.outputShape()));
    graph.fit(new DataSet(x, labels));
    assertTrue(Double.isFinite(graph.score()), "score " + graph.score());
  }

  private static long[] shape(List<Integer> example) {
    long[] shape = new long[example.size() + 1];
    shape[0] = 2;
    for (int i = 0; i < example.size(); i++) {
      shape[i + 1] = example.get(i);
    }
    return shape;
  }

  private record Result(
      List<Diagnostic<? extends JavaFileObject>> errors,
      List<Path> generated,
      Path classes,
      Path sources) {
    void delete() throws IOException {
      for (Path dir : List.of(classes, sources)) {
        try (Stream<Path> walk = Files.walk(dir)) {
          for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
            Files.delete(p);
          }
        }
      }
    }
  }

  private static Result compile(List<String> sources) throws IOException {
    Path classes = Files.createTempDirectory("fuzz-classes");
    Path generated = Files.createTempDirectory("fuzz-generated");
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    List<JavaFileObject> units = new ArrayList<>();
    for (int k = 0; k < sources.size(); k++) {
      if (sources.get(k) != null) {
        units.add(JavaFileObjects.forSourceString("demo.Fuzz" + k, sources.get(k)));
      }
    }
    JavaCompiler.CompilationTask task =
        compiler.getTask(
            null,
            files,
            diagnostics,
            List.of(
                "-d",
                classes.toString(),
                "-s",
                generated.toString(),
                "-classpath",
                System.getProperty("java.class.path")),
            null,
            units);
    task.setProcessors(List.of(new SkipwireProcessor()));
    task.call();
    List<Diagnostic<? extends JavaFileObject>> errors =
        diagnostics.getDiagnostics().stream()
            .filter(d -> d.getKind() == Diagnostic.Kind.ERROR)
            .toList();
    List<Path> out;
    try (Stream<Path> walk = Files.walk(generated)) {
      out = walk.filter(Files::isRegularFile).toList();
    }
    return new Result(errors, out, classes, generated);
  }

  /**
   * Writes one random declaration: a network {@code Fuzz} and its blocks. Mostly plausible networks
   * (so that a good share is clean and reaches DL4J), with every so often a value out of range, an
   * extreme size, a misplaced annotation, a missing output, nesting or a cycle.
   */
  static final class Generator {
    private final Random r;
    private final StringBuilder blocks = new StringBuilder();
    private int blockCount;
    private boolean sequence;
    private boolean flat;
    private final int k;

    /**
     * Draws for the choices added after the first campaigns (every output activation and loss,
     * batch norm and dropout on sequences, pooling then dropout, names DL4J takes), kept apart from
     * {@link #r} so that a seed still writes the declaration it wrote then; null writes none of
     * them, as for the seeds in {@link #LEGACY_SEEDS}.
     */
    private final Random extra;

    Generator(Random r, int k, Random extra) {
      this.r = r;
      this.k = k;
      this.extra = extra;
    }

    private boolean chance(double p) {
      return r.nextDouble() < p;
    }

    /** With probability p a choice from {@link #extra}; never without it. */
    private boolean more(double p) {
      return extra != null && extra.nextDouble() < p;
    }

    private int pick(int... values) {
      return values[r.nextInt(values.length)];
    }

    /** Now and then a value no one should write. */
    private int wild(int normal) {
      if (!chance(0.04)) {
        return normal;
      }
      return pick(0, -1, -7, 1 << 16, 1 << 20, Integer.MAX_VALUE, Integer.MIN_VALUE, 1 << 30);
    }

    String network() {
      StringBuilder net =
          new StringBuilder(
              Sources.HEADER.replace(
                  "import static org.skipwire.Nonlinearity.RELU;",
                  "import static org.skipwire.Nonlinearity.RELU;\n"
                      + "import static org.skipwire.Nonlinearity.SIGMOID;\n"
                      + "import static org.skipwire.Nonlinearity.TANH;"));
      int kind = r.nextInt(10);
      sequence = kind >= 8;
      flat = kind == 7;
      String input =
          sequence
              ? "channels = " + wild(pick(1, 2, 3)) + ", length = " + wild(pick(4, 6, 8))
              : flat
                  ? "channels = " + wild(pick(3, 8, 12))
                  : "channels = "
                      + wild(pick(1, 2, 3))
                      + ", height = "
                      + wild(pick(4, 8))
                      + ", width = "
                      + wild(pick(4, 8));
      if (chance(0.05)) {
        net.append("@StochasticDepth(finalSurvival = ")
            .append(chance(0.8) ? "0.5" : "1.5")
            .append(")\n");
      }
      net.append("@Network(name = \"fuzz-").append(k).append("\", input = @Input(");
      net.append(input).append("))\n");
      net.append("public class Fuzz").append(k).append(" {\n");
      List<String> names = new ArrayList<>();
      int steps = 1 + r.nextInt(4);
      for (int i = 0; i < steps; i++) {
        String name = i == 0 && more(0.02) ? "input" : "s" + i;
        net.append("  ").append(step(names, false)).append(' ').append(name).append(";\n");
        names.add(name);
      }
      if (sequence && chance(0.8)) {
        net.append("  @LastStep Layer last;\n");
      } else if (!flat && chance(0.9)) {
        net.append("  @GlobalAvgPool Layer gap;\n");
        if (more(0.3)) {
          net.append("  @Dropout(0.1) Layer gapDrop;\n");
        }
        if (more(0.15)) {
          net.append(
              more(0.5) ? "  @BatchNorm Layer gapNorm;\n" : "  @Activation(TANH) Layer t;\n");
        }
      }
      if (chance(0.04)) {
        net.append("  @Conv(kernel = 3, filters = 4) static Layer misplaced;\n");
      }
      if (!chance(0.03)) {
        net.append("  ").append(output()).append(" Layer out;\n");
      }
      net.append("}\n").append(blocks);
      if (chance(0.03)) {
        net.append("@Shortcut(PROJECTION) class NotABlock").append(k).append(" {}\n");
      }
      return net.toString();
    }

    private String output() {
      int units = wild(pick(2, 3, 5));
      int kind = r.nextInt(4);
      if (more(0.25)) {
        // Any activation with any loss (DL4J refuses many pairs: the processor must too).
        Nonlinearity[] fns = Nonlinearity.values();
        Loss[] losses = Loss.values();
        String activation =
            more(0.3) ? "" : " @Activation(Nonlinearity." + fns[extra.nextInt(fns.length)] + ")";
        return "@Dense(units = "
            + (more(0.1) ? 1 : units)
            + ")"
            + activation
            + " @Output(loss = "
            + losses[extra.nextInt(losses.length)]
            + ")";
      }
      return switch (kind) {
        case 0 -> "@Dense(units = " + units + ") @Output(loss = MSE)";
        case 1 -> "@Dense(units = " + units + ") @Activation(SIGMOID) @Output(loss = XENT)";
        default -> "@Dense(units = " + units + ") @Activation(SOFTMAX) @Output";
      };
    }

    /** A trunk or block field: annotations and type. */
    private String step(List<String> earlier, boolean inBlock) {
      if (!inBlock && chance(0.4) && blockCount < 4) {
        return stage(false);
      }
      if (inBlock && chance(0.08) && blockCount < 4) {
        return stage(true);
      }
      return layer(earlier, inBlock) + " Layer";
    }

    private String stage(boolean nested) {
      String block = block();
      StringBuilder s = new StringBuilder("@Stage(blocks = ").append(wild(pick(1, 1, 2, 3)));
      if (!nested || chance(0.5)) {
        s.append(", width = ").append(wild(pick(2, 4, 6, 8)));
      }
      if (chance(0.3)) {
        s.append(", stride = ").append(wild(pick(1, 2)));
      }
      if (chance(0.05)) {
        s.append(", dilationGrowth = ").append(wild(2));
      }
      if (chance(0.05)) {
        s.append(", widen = ").append(wild(4));
      }
      s.append(")");
      if (chance(0.2)) {
        s.append(" @Shortcut(").append(pickKind()).append(")");
      }
      return s + " " + block;
    }

    private String pickKind() {
      return new String[] {"AUTO", "IDENTITY", "PROJECTION", "ZERO_PAD"}[r.nextInt(4)];
    }

    /** Declares a new block class and returns its name. */
    private String block() {
      String name = "F" + k + "B" + blockCount++;
      StringBuilder b = new StringBuilder();
      int connection = r.nextInt(10);
      if (connection < 5) {
        b.append("@ResidualBlock");
        if (chance(0.3)) {
          b.append("(preActivation = true)");
        }
        if (chance(0.2)) {
          b.append(" @Shortcut(").append(pickKind()).append(")");
        }
        if (chance(0.1)) {
          b.append(" @SqueezeExcite(reduction = ").append(wild(2)).append(")");
        }
        if (chance(0.08)) {
          b.append(chance(0.5) ? " @ReZero" : " @GatedSkip");
        }
      } else if (connection < 7) {
        b.append("@DenseConnect(growthRate = ").append(wild(pick(2, 4))).append(")");
      } else if (connection < 8) {
        b.append("@HighwayGate");
      } else if (connection < 9) {
        b.append("@Sequential");
      } else {
        b.append("@ShakeShake");
      }
      b.append("\nclass ").append(name).append(" {\n");
      int fields = chance(0.03) ? 0 : 1 + r.nextInt(3);
      List<String> earlier = new ArrayList<>();
      for (int i = 0; i < fields; i++) {
        String field = "f" + i;
        if (more(0.03)) {
          // Named like a vertex the block's connection adds.
          String[] taken = {"add", "shortcut", "gate", "concat", "droppath", "rezero", "shake"};
          field = taken[extra.nextInt(taken.length)];
        }
        if (chance(0.02)) {
          b.append("  @Stage(blocks = 1, width = 2) ").append(name).append(" self" + i + ";\n");
          continue;
        }
        b.append("  ").append(step(earlier, true)).append(' ').append(field).append(";\n");
        earlier.add(field);
      }
      b.append("}\n");
      blocks.append(b);
      return name;
    }

    private String layer(List<String> earlier, boolean inBlock) {
      List<String> parts = new ArrayList<>();
      String size = inBlock && chance(0.7) ? "width = " + wild(pick(1, 2)) : null;
      int op = r.nextInt(sequence ? 8 : 14);
      switch (op) {
        case 0, 1, 2, 3 -> {
          String conv = "@Conv(kernel = " + wild(pick(1, 3)) + ", ";
          conv += size != null ? size : "filters = " + wild(pick(2, 4, 6));
          if (chance(0.2)) {
            conv += ", stride = " + (inBlock && chance(0.5) ? "STAGE" : "" + wild(pick(1, 2)));
          }
          if (sequence && chance(0.3)) {
            conv += ", causal = true";
          }
          if (chance(0.05)) {
            conv += ", groups = " + wild(2);
          }
          if (chance(0.05)) {
            conv += ", dilation = " + wild(2);
          }
          if (more(0.1)) {
            conv += ", bias = false";
          }
          parts.add(conv + ")");
        }
        case 4, 5 ->
            parts.add("@Dense(" + (size != null ? size : "units = " + wild(pick(2, 5))) + ")");
        case 6 -> {
          if (!sequence && chance(0.5)) {
            parts.add("@LayerNorm");
          } else {
            parts.add("@Activation(" + (chance(0.5) ? "RELU" : "TANH") + ")");
          }
        }
        case 7 -> {
          if (sequence) {
            String attention = "@SelfAttention(heads = " + wild(pick(1, 2)) + ")";
            parts.add(more(0.2) ? "@BatchNorm" : more(0.2) ? "@Dropout(0.1)" : attention);
          } else {
            parts.add("@Dropout(" + (chance(0.9) ? "0.1" : "1.5") + ")");
          }
        }
        case 8, 9 ->
            parts.add(
                (chance(0.5) ? "@MaxPool" : "@AvgPool")
                    + "(kernel = "
                    + wild(2)
                    + ", stride = "
                    + wild(2)
                    + ")");
        case 10 -> parts.add("@Upsample(scale = " + wild(2) + ")");
        case 11 -> parts.add("@Transition(compression = " + (chance(0.9) ? "0.5" : "0.0") + ")");
        case 12 -> {
          if (!earlier.isEmpty() && !inBlock) {
            parts.add("@Concat(from = \"" + earlier.get(r.nextInt(earlier.size())) + "\")");
          } else {
            parts.add("@BatchNorm");
          }
        }
        default ->
            parts.add(
                "@TransposedConv(kernel = 2, stride = 2, "
                    + (size != null ? size : "filters = " + wild(pick(2, 4)))
                    + ")");
      }
      if ((sequence ? more(0.35) : chance(0.35)) && op <= 5) {
        // Now and then a group norm instead, its groups sometimes not dividing the channels.
        parts.add(more(0.25) ? "@GroupNorm(groups = " + (more(0.2) ? 3 : 2) + ")" : "@BatchNorm");
      }
      if (chance(0.35) && op <= 5) {
        parts.add("@Activation(RELU)");
      }
      return String.join(" ", parts);
    }
  }
}
