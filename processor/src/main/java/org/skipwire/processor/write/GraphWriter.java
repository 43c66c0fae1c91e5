package org.skipwire.processor.write;

import static org.skipwire.processor.write.Dl4jNames.GRAPH_BUILDER;
import static org.skipwire.processor.write.Dl4jNames.GRAPH_CONFIGURATION;
import static org.skipwire.processor.write.Dl4jNames.GRAPH_WIRING;
import static org.skipwire.processor.write.Dl4jNames.INPUT_TYPE;
import static org.skipwire.processor.write.Dl4jNames.TRAINING;
import static org.skipwire.processor.write.Dl4jNames.VERTEX_INFO;

import com.palantir.javapoet.AnnotationSpec;
import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.JavaFile;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.ParameterizedTypeName;
import com.palantir.javapoet.TypeName;
import com.palantir.javapoet.TypeSpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import javax.lang.model.element.Modifier;
import org.skipwire.processor.model.Graph;
import org.skipwire.processor.model.Network;
import org.skipwire.processor.model.Shape;
import org.skipwire.processor.model.Vertex;
import org.skipwire.processor.shape.TrainingMemory;

/**
 * Writes {@code <Network>Graph}: the DL4J wiring of a checked {@link Graph}. Layer steps are
 * written where they stand; each distinct block configuration becomes one private method, called
 * once per instance with its name prefix (or in a loop over a stage's blocks), so the source grows
 * with the number of block configurations, not with depth. The same calls build the DL4J
 * configuration and the vertex table ({@code GraphWiring}). It never re-validates: every size it
 * writes was computed by the shape checker. Output is deterministic.
 */
public final class GraphWriter {
  private static final String PROCESSOR = "org.skipwire.processor.SkipwireProcessor";

  /**
   * Statements per generated method, far below javac's 64 KB of bytecode per method (a statement
   * here compiles to well under 200 bytes); longer bodies are split into numbered parts.
   */
  static final int MAX_STATEMENTS = 150;

  private static final List<String> RESERVED =
      List.of(
          "name",
          "declaration",
          "inputShape",
          "outputShape",
          "trainableParams",
          "totalParams",
          "vertices",
          "configuration",
          "create",
          "wire",
          "task",
          "loss",
          "inputKind");

  private GraphWriter() {}

  public static String className(Network network) {
    return network.graphName() + "Graph";
  }

  /** What the wiring method holds for one trunk step, in order. */
  private sealed interface Item {}

  /** A layer step's vertex, or a block instance written out where no method fits. */
  private record Inline(Vertex vertex) implements Item {}

  /** A call of a block method. */
  private record Call(BlockMethod method, BlockMethod.Instance instance) implements Item {}

  /**
   * A loop over blocks {@code from .. to - 1} of a stage: {@code method(g, stage + ".b" + i, stage
   * + ".b" + (i - 1) + output, args...)}.
   */
  private record Loop(
      BlockMethod method, String stage, int from, int to, String output, List<CodeBlock> args)
      implements Item {}

  public static JavaFile write(Graph graph) {
    return write(graph, className(graph.network()));
  }

  /** The graph class under {@code className}, for networks whose default name is taken. */
  public static JavaFile write(Graph graph, String className) {
    Network network = graph.network();
    TypeName integerList =
        ParameterizedTypeName.get(ClassName.get(List.class), ClassName.get(Integer.class));

    // Block methods: one per distinct configuration, named after the block.
    Map<String, BlockMethod> methods = new LinkedHashMap<>();
    Set<String> methodNames = new HashSet<>(RESERVED);
    List<List<Item>> sections = new ArrayList<>();
    for (Graph.Section section : graph.sections()) {
      List<Item> items = new ArrayList<>();
      for (Graph.BlockRun run : section.blocks()) {
        BlockMethod.Instance instance = BlockMethod.Instance.of(run);
        if (instance == null) {
          run.vertices().forEach(v -> items.add(new Inline(v)));
          continue;
        }
        BlockMethod method = methods.get(instance.key());
        if (method == null) {
          method = new BlockMethod(allocate(methodNames, lowerCamel(instance.block())), instance);
          methods.put(instance.key(), method);
        } else {
          method.instances.add(instance);
        }
        items.add(new Call(method, instance));
      }
      sections.add(items);
    }
    methods.values().forEach(BlockMethod::solve);
    List<List<Item>> wired = new ArrayList<>();
    for (List<Item> items : sections) {
      wired.add(loops(items));
    }

    TypeSpec.Builder type =
        TypeSpec.classBuilder(className)
            .addModifiers(Modifier.PUBLIC, Modifier.FINAL)
            .addSuperinterface(Dl4jNames.SKIPWIRE_MODEL)
            .addAnnotation(
                AnnotationSpec.builder(Dl4jNames.GENERATED)
                    .addMember("value", "$S", PROCESSOR)
                    .build())
            .addAnnotation(
                AnnotationSpec.builder(Dl4jNames.SKIPWIRE_GENERATED)
                    .addMember("value", "$S", network.qualifiedName())
                    .build())
            .addJavadoc("$L", javadoc(graph, wired));

    type.addField(
        FieldSpec.builder(String.class, "NAME", Modifier.PUBLIC, Modifier.STATIC, Modifier.FINAL)
            .addJavadoc("The name programs use for this network.\n")
            .initializer("$S", network.name())
            .build());
    type.addField(
        FieldSpec.builder(
                long.class, "TRAINABLE_PARAMS", Modifier.PUBLIC, Modifier.STATIC, Modifier.FINAL)
            .addJavadoc("Parameters the optimiser updates.\n")
            .initializer("$L", grouped(graph.trainableParams(), "_") + "L")
            .build());
    type.addField(
        FieldSpec.builder(
                long.class, "TOTAL_PARAMS", Modifier.PUBLIC, Modifier.STATIC, Modifier.FINAL)
            .addJavadoc(
                "All parameters, batch-norm running mean and variance included: {@code"
                    + " create().params().length()}.\n")
            .initializer("$L", grouped(graph.totalParams(), "_") + "L")
            .build());
    TrainingMemory memory = TrainingMemory.of(graph, Graph.INPUT);
    type.addField(
        FieldSpec.builder(
                long.class,
                "TRAINING_BYTES_FIXED",
                Modifier.PUBLIC,
                Modifier.STATIC,
                Modifier.FINAL)
            .addJavadoc(
                "Estimated bytes of parameters, gradients and Adam's state to train this network.\n")
            .initializer("$L", grouped(memory.fixedBytes(), "_") + "L")
            .build());
    type.addField(
        FieldSpec.builder(
                long.class,
                "TRAINING_BYTES_PER_EXAMPLE",
                Modifier.PUBLIC,
                Modifier.STATIC,
                Modifier.FINAL)
            .addJavadoc(
                "Estimated bytes of activations, their gradients and scratch per example of a"
                    + " training batch.\n")
            .initializer("$L", grouped(memory.perExampleBytes(), "_") + "L")
            .build());
    type.addField(
        FieldSpec.builder(
                integerList, "INPUT_SHAPE", Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
            .initializer("$T.of($L)", List.class, dims(network.input()))
            .build());
    type.addField(
        FieldSpec.builder(
                integerList, "OUTPUT_SHAPE", Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
            .initializer("$T.of($L)", List.class, dims(graph.outputShape()))
            .build());

    type.addMethod(getter("name", TypeName.get(String.class), CodeBlock.of("NAME")));
    type.addMethod(
        getter(
            "declaration",
            TypeName.get(String.class),
            CodeBlock.of("$S", network.qualifiedName())));
    type.addMethod(getter("inputShape", integerList, CodeBlock.of("INPUT_SHAPE")));
    type.addMethod(getter("outputShape", integerList, CodeBlock.of("OUTPUT_SHAPE")));
    type.addMethod(getter("trainableParams", TypeName.LONG, CodeBlock.of("TRAINABLE_PARAMS")));
    type.addMethod(getter("totalParams", TypeName.LONG, CodeBlock.of("TOTAL_PARAMS")));
    type.addMethods(ModelFacts.methods(graph));
    type.addMethod(
        MethodSpec.methodBuilder("configuration")
            .addAnnotation(Override.class)
            .addModifiers(Modifier.PUBLIC)
            .returns(GRAPH_CONFIGURATION)
            .addParameter(TRAINING, "training")
            .addStatement(
                "$T graph =$W training.builder().graphBuilder().addInputs($S)"
                    + ".setInputTypes($L)",
                GRAPH_BUILDER,
                VertexCode.INPUT,
                inputType(network.input()))
            .addStatement("wire(new $T(graph))", GRAPH_WIRING)
            .addStatement("return graph.setOutputs($S).build()", graph.output())
            .build());
    type.addMethod(
        MethodSpec.methodBuilder("vertices")
            .addAnnotation(Override.class)
            .addModifiers(Modifier.PUBLIC)
            .returns(ParameterizedTypeName.get(ClassName.get(List.class), VERTEX_INFO))
            .addStatement("$T table = $T.tableOnly()", GRAPH_WIRING, GRAPH_WIRING)
            .addStatement("wire(table)")
            .addStatement("return table.vertices()")
            .build());

    List<CodeBlock> wiring = new ArrayList<>();
    for (List<Item> items : wired) {
      for (Item item : items) {
        wiring.add(statement(item));
      }
    }
    type.addMethods(
        split(
            "wire", List.of(), wiring, CodeBlock.of("Adds every vertex, in topological order.\n")));
    for (BlockMethod method : methods.values()) {
      type.addMethods(blockMethod(method));
    }

    return JavaFile.builder(network.packageName(), type.build())
        .addFileComment("Generated by skipwire from $L. Do not edit.", network.qualifiedName())
        .skipJavaLangImports(true)
        .indent("  ")
        .build();
  }

  /** Consecutive calls of one method over a stage's blocks, each reading the last, as a loop. */
  private static List<Item> loops(List<Item> items) {
    List<Item> result = new ArrayList<>();
    int j = 0;
    while (j < items.size()) {
      int end = j + 1;
      if (items.get(j) instanceof Call first && chained(items, j)) {
        BlockMethod method = first.method();
        String stage = stage(first.instance().prefix());
        int index = index(first.instance().prefix());
        Call previous = (Call) items.get(j - 1);
        String output =
            previous.instance().output().substring(previous.instance().prefix().length());
        String own = first.instance().output().substring(first.instance().prefix().length());
        Object[] a0 = method.arguments(first.instance());
        Object[] step = null;
        while (end < items.size()
            && own.equals(output)
            && items.get(end) instanceof Call next
            && next.method() == method
            && chained(items, end)
            && stage.equals(stage(next.instance().prefix()))
            && index(next.instance().prefix()) == index + (end - j)) {
          Object[] a = method.arguments(next.instance());
          if (step == null) {
            step = differences(method, a0, a);
            if (step == null) {
              break;
            }
          }
          if (!onLine(method, a0, step, end - j, a)) {
            break;
          }
          end++;
        }
        if (end - j >= 3) {
          List<CodeBlock> args = new ArrayList<>();
          for (int p = 0; p < a0.length; p++) {
            args.add(loopArgument(method.params.get(p).kind(), a0[p], step[p], index));
          }
          result.add(new Loop(method, stage, index, index + end - j, output, args));
          j = end;
          continue;
        }
        end = j + 1;
      }
      result.add(items.get(j));
      j = end;
    }
    return result;
  }

  /** The step of each argument from one block to the next: 0 for constants; null if not whole. */
  private static Object[] differences(BlockMethod method, Object[] a0, Object[] a1) {
    Object[] step = new Object[a0.length];
    for (int p = 0; p < a0.length; p++) {
      Template.Kind kind = method.params.get(p).kind();
      if (a0[p].equals(a1[p])) {
        step[p] = 0L;
      } else if (kind == Template.Kind.INT || kind == Template.Kind.LONG) {
        step[p] = (Long) a1[p] - (Long) a0[p];
      } else {
        return null;
      }
    }
    return step;
  }

  /**
   * Whether argument list {@code a}, {@code k} blocks after the first, is {@code a0 + k * step}.
   */
  private static boolean onLine(BlockMethod method, Object[] a0, Object[] step, int k, Object[] a) {
    for (int p = 0; p < a0.length; p++) {
      if ((Long) step[p] == 0L) {
        if (!a0[p].equals(a[p])) {
          return false;
        }
      } else if ((Long) a[p] != (Long) a0[p] + (Long) step[p] * k) {
        return false;
      }
    }
    return true;
  }

  /** {@code v0 + d * (i - from)} as {@code c + d * i}. */
  private static CodeBlock loopArgument(Template.Kind kind, Object v0, Object step, int from) {
    long d = (Long) step;
    if (d == 0) {
      return constant(kind, v0);
    }
    long c = (Long) v0 - d * from;
    String suffix = kind == Template.Kind.LONG ? "L" : "";
    String term = Math.abs(d) == 1 ? "i" : Math.abs(d) + suffix + " * i";
    if (c == 0) {
      return CodeBlock.of("$L$L", d < 0 ? "-" : "", term);
    }
    return CodeBlock.of("$L $L $L", c + suffix, d < 0 ? "-" : "+", term);
  }

  /** Whether call {@code j} reads just what the call before it wrote, both named {@code S.bN}. */
  private static boolean chained(List<Item> items, int j) {
    if (j == 0
        || !(items.get(j) instanceof Call call)
        || !(items.get(j - 1) instanceof Call previous)) {
      return false;
    }
    BlockMethod.Instance in = call.instance();
    BlockMethod.Instance before = previous.instance();
    return in.externals().equals(List.of(before.output()))
        && index(in.prefix()) >= 1
        && before.prefix().equals(stage(in.prefix()) + ".b" + (index(in.prefix()) - 1));
  }

  private static String stage(String prefix) {
    int b = prefix.lastIndexOf(".b");
    return b < 0 ? prefix : prefix.substring(0, b);
  }

  /** {@code 3} for {@code conv4.b3}; -1 if the prefix does not end so. */
  private static int index(String prefix) {
    int b = prefix.lastIndexOf(".b");
    if (b < 0 || b + 2 == prefix.length()) {
      return -1;
    }
    String digits = prefix.substring(b + 2);
    if (!digits.chars().allMatch(Character::isDigit) || digits.length() > 9) {
      return -1;
    }
    return Integer.parseInt(digits);
  }

  private static CodeBlock statement(Item item) {
    if (item instanceof Inline inline) {
      return VertexCode.statement(inline.vertex())
          .render(
              i -> constant(VertexCode.statement(inline.vertex()).slots().get(i)),
              name -> CodeBlock.of("$S", name));
    }
    if (item instanceof Call call) {
      BlockMethod.Instance instance = call.instance();
      CodeBlock.Builder args = CodeBlock.builder().add("$S", instance.prefix());
      instance.externals().forEach(e -> args.add(",$W$S", e));
      Object[] values = call.method().arguments(instance);
      for (int p = 0; p < values.length; p++) {
        args.add(",$W$L", constant(call.method().params.get(p).kind(), values[p]));
      }
      return CodeBlock.of("$N(g,$W$L)", call.method().name, args.build());
    }
    Loop loop = (Loop) item;
    CodeBlock.Builder args =
        CodeBlock.builder()
            .add(
                "$S + i,$W$S + (i - 1) + $S",
                loop.stage() + ".b",
                loop.stage() + ".b",
                loop.output());
    loop.args().forEach(a -> args.add(",$W$L", a));
    return CodeBlock.builder()
        .beginControlFlow("for (int i = $L; i < $L; i++)", loop.from(), loop.to())
        .addStatement("$N(g,$W$L)", loop.method().name, args.build())
        .endControlFlow()
        .build();
  }

  /** The method of one block configuration, in parts if it is long. */
  private static List<MethodSpec> blockMethod(BlockMethod method) {
    List<String[]> parameters = new ArrayList<>();
    parameters.add(new String[] {"String", "block"});
    for (int e = 0; e < method.first().externals().size(); e++) {
      parameters.add(new String[] {"String", BlockMethod.inputName(e)});
    }
    for (int p = 0; p < method.params.size(); p++) {
      parameters.add(new String[] {method.params.get(p).kind().javaType, method.paramNames.get(p)});
    }
    return split(method.name, parameters, method.body(), methodDoc(method));
  }

  /**
   * {@code name(g, params)} with {@code statements}; where they are more than {@link
   * #MAX_STATEMENTS}, {@code name} calls {@code name1, name2, ...} with the same parameters.
   */
  private static List<MethodSpec> split(
      String name, List<String[]> parameters, List<CodeBlock> statements, CodeBlock doc) {
    List<MethodSpec> result = new ArrayList<>();
    MethodSpec.Builder main = signature(name, parameters).addJavadoc(doc);
    if (statements.size() <= MAX_STATEMENTS) {
      statements.forEach(s -> addStatement(main, s));
      result.add(main.build());
      return result;
    }
    String args = "g" + parameters.stream().map(p -> ", " + p[1]).collect(Collectors.joining());
    int parts = (statements.size() + MAX_STATEMENTS - 1) / MAX_STATEMENTS;
    for (int part = 0; part < parts; part++) {
      String partName = name + "Part" + (part + 1);
      main.addStatement("$N($L)", partName, args);
      MethodSpec.Builder method = signature(partName, parameters);
      statements
          .subList(part * MAX_STATEMENTS, Math.min(statements.size(), (part + 1) * MAX_STATEMENTS))
          .forEach(s -> addStatement(method, s));
      result.add(method.build());
    }
    result.add(0, main.build());
    return result;
  }

  private static void addStatement(MethodSpec.Builder method, CodeBlock code) {
    if (code.toString().startsWith("for (")) {
      method.addCode(code);
    } else {
      method.addStatement(code);
    }
  }

  private static MethodSpec.Builder signature(String name, List<String[]> parameters) {
    MethodSpec.Builder method =
        MethodSpec.methodBuilder(name)
            .addModifiers(Modifier.PRIVATE, Modifier.STATIC)
            .addParameter(GRAPH_WIRING, "g");
    for (String[] p : parameters) {
      TypeName t =
          switch (p[0]) {
            case "int" -> TypeName.INT;
            case "long" -> TypeName.LONG;
            case "double" -> TypeName.DOUBLE;
            default -> TypeName.get(String.class);
          };
      method.addParameter(t, p[1]);
    }
    return method;
  }

  /** A block method's table, once: its vertices relative to {@code block}, sizes as formulas. */
  private static CodeBlock methodDoc(BlockMethod method) {
    BlockMethod.Instance first = method.first();
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"vertex", "kind", "inputs", "output", "params"});
    int slot = 0;
    for (int s = 0; s < first.vertices().size(); s++) {
      Vertex v = first.vertices().get(s);
      int kind = slot;
      int dims = v.shape().dims().size();
      String shape =
          "["
              + java.util.stream.IntStream.range(0, dims)
                  .mapToObj(d -> text(method, kind + 1 + d))
                  .collect(Collectors.joining(", "))
              + "]";
      String params = text(method, kind + 1 + dims);
      rows.add(
          new String[] {
            first.relative(v.name()),
            text(method, kind),
            v.inputs().stream().map(i -> docName(first, i)).collect(Collectors.joining(", ")),
            shape,
            "0".equals(params) ? "" : params
          });
      slot += first.statements().get(s).slots().size();
    }
    String uses = method.instances.size() == 1 ? "once" : method.instances.size() + " times";
    return CodeBlock.of(
        "$L {@code $L}, used $L: vertices are named {@code block} plus the names below.\n\n$L",
        first.block(),
        method.name,
        uses,
        table(rows));
  }

  private static String docName(BlockMethod.Instance instance, String name) {
    String rel = instance.relative(name);
    return rel.startsWith("#") ? BlockMethod.inputName(Integer.parseInt(rel.substring(1))) : rel;
  }

  /** Slot {@code s} of the method as a reader sees it: a number, a text, or a formula. */
  private static String text(BlockMethod method, int s) {
    Slots.Expr e = method.exprs.get(s);
    if (e.isConstant()) {
      Object c = e.constant();
      if (c instanceof Long l) {
        return method.slots.get(s).role().equals("params")
                || method.slots.get(s).role().equals("trainable")
            ? grouped(l, ",")
            : l.toString();
      }
      return c instanceof Double d ? literal(d) : c.toString();
    }
    return expression(method.slots.get(s).kind(), e, method.paramNames)
        .toString()
        .replace("L * ", " * ")
        .replace("(long) ", "");
  }

  /** A slot's expression as Java code in a block method. */
  static CodeBlock expression(Template.Kind kind, Slots.Expr e, List<String> names) {
    if (e.isConstant()) {
      return constant(kind, e.constant());
    }
    StringBuilder code = new StringBuilder();
    boolean longs = kind == Template.Kind.LONG;
    for (Slots.Term t : e.terms()) {
      long c = t.coefficient();
      if (code.length() > 0) {
        code.append(c < 0 ? " - " : " + ");
        c = Math.abs(c);
      } else if (c < 0) {
        code.append("-");
        c = -c;
      }
      String product = names.get(t.p()) + (t.q() >= 0 ? " * " + names.get(t.q()) : "");
      if (c == 1) {
        code.append(longs && (t.q() >= 0) ? "(long) " + product : product);
      } else {
        code.append(c).append(longs ? "L" : "").append(" * ").append(product);
      }
    }
    if (e.offset() != 0) {
      code.append(e.offset() < 0 ? " - " : " + ").append(Math.abs(e.offset()));
    }
    return CodeBlock.of("$L", code);
  }

  private static CodeBlock constant(Template.Slot slot) {
    return constant(slot.kind(), slot.value());
  }

  static CodeBlock constant(Template.Kind kind, Object value) {
    return switch (kind) {
      case INT -> CodeBlock.of("$L", value);
      case LONG -> {
        long l = (Long) value;
        yield CodeBlock.of("$L", l > Integer.MAX_VALUE || l < Integer.MIN_VALUE ? l + "L" : l);
      }
      case DOUBLE -> CodeBlock.of("$L", literal((Double) value));
      case STRING -> CodeBlock.of("$S", value);
    };
  }

  private static CodeBlock inputType(Shape input) {
    if (input.isSequence()) {
      return CodeBlock.of("$T.recurrent($L, $L)", INPUT_TYPE, input.channels(), input.length());
    }
    return input.isFlat()
        ? CodeBlock.of("$T.feedForward($L)", INPUT_TYPE, input.channels())
        : CodeBlock.of(
            "$T.convolutional($L, $L, $L)",
            INPUT_TYPE,
            input.height(),
            input.width(),
            input.channels());
  }

  static MethodSpec getter(String name, TypeName type, CodeBlock value) {
    return MethodSpec.methodBuilder(name)
        .addAnnotation(Override.class)
        .addModifiers(Modifier.PUBLIC)
        .returns(type)
        .addStatement("return $L", value)
        .build();
  }

  /**
   * The class comment: every layer step's vertex, and for each stage its blocks and the method each
   * calls (whose own comment has the block's table).
   */
  private static String javadoc(Graph graph, List<List<Item>> sections) {
    Network network = graph.network();
    StringBuilder doc = new StringBuilder();
    doc.append("DL4J wiring of {@link ")
        .append(network.simpleName())
        .append("} ({@code ")
        .append(network.name())
        .append("}): input ")
        .append(network.input())
        .append(", output ")
        .append(graph.outputShape())
        .append(",\n")
        .append(grouped(graph.trainableParams(), ","))
        .append(" trainable parameters (")
        .append(grouped(graph.totalParams(), ","))
        .append(" with batch-norm running statistics), ")
        .append(graph.vertices().size())
        .append(" vertices.\n\n");
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"vertex", "kind", "inputs", "output", "params"});
    for (int s = 0; s < sections.size(); s++) {
      Graph.Section section = graph.sections().get(s);
      List<Item> items = sections.get(s);
      boolean stage = items.stream().anyMatch(i -> !(i instanceof Inline));
      if (stage) {
        long params =
            section.blocks().stream()
                .flatMap(b -> b.vertices().stream())
                .mapToLong(Vertex::params)
                .sum();
        rows.add(
            new String[] {
              section.step(),
              section.summary(),
              "",
              section.in() + " -> " + section.out(),
              params == 0 ? "" : grouped(params, ",")
            });
      }
      for (Item item : items) {
        if (item instanceof Inline inline) {
          Vertex v = inline.vertex();
          rows.add(
              new String[] {
                (stage ? "  " : "") + v.name(),
                v.op().describe(),
                String.join(", ", v.inputs()),
                v.shape().toString(),
                v.params() == 0 ? "" : grouped(v.params(), ",")
              });
        } else if (item instanceof Call call) {
          rows.add(
              new String[] {
                "  " + call.instance().prefix(),
                call.method().name,
                String.join(", ", call.instance().externals()),
                "",
                ""
              });
        } else {
          Loop loop = (Loop) item;
          rows.add(
              new String[] {
                "  " + loop.stage() + ".b" + loop.from() + " .. b" + (loop.to() - 1),
                loop.method().name,
                "the block before",
                "",
                ""
              });
        }
      }
    }
    doc.append(table(rows));
    return doc.toString();
  }

  private static String table(List<String[]> rows) {
    int[] widths = new int[5];
    for (String[] r : rows) {
      for (int i = 0; i < r.length; i++) {
        widths[i] = Math.max(widths[i], r[i].length());
      }
    }
    StringBuilder doc = new StringBuilder("<pre>\n");
    for (String[] r : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < r.length; i++) {
        String cell = i == 4 ? " ".repeat(widths[i] - r[i].length()) + r[i] : r[i];
        line.append(cell);
        if (i < r.length - 1) {
          line.append(" ".repeat(widths[i] - r[i].length() + 2));
        }
      }
      doc.append(line.toString().stripTrailing()).append('\n');
    }
    return doc.append("</pre>\n").toString();
  }

  private static String dims(Shape shape) {
    return shape.dims().stream().map(String::valueOf).collect(Collectors.joining(", "));
  }

  static String grouped(long n, String separator) {
    return String.format(Locale.ROOT, "%,d", n).replace(",", separator);
  }

  /** A double as a person writes it: {@code 1.0}, {@code 0.00001}. */
  static String literal(double d) {
    String plain =
        new java.math.BigDecimal(Double.toString(d)).stripTrailingZeros().toPlainString();
    if (plain.length() > 12) {
      return Double.toString(d);
    }
    return plain.contains(".") ? plain : plain + ".0";
  }

  private static String lowerCamel(String s) {
    StringBuilder out = new StringBuilder();
    for (char c : s.toCharArray()) {
      if (Character.isJavaIdentifierPart(c)) {
        out.append(c);
      }
    }
    if (out.length() == 0 || !Character.isJavaIdentifierStart(out.charAt(0))) {
      out.insert(0, "block");
    }
    out.setCharAt(0, Character.toLowerCase(out.charAt(0)));
    return out.toString();
  }

  private static String allocate(Set<String> used, String base) {
    String name = base;
    for (int n = 2; !used.add(name) || javax.lang.model.SourceVersion.isKeyword(name); n++) {
      name = base + n;
    }
    return name;
  }
}
