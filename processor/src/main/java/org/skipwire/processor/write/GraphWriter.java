package org.skipwire.processor.write;

import static org.skipwire.processor.write.Dl4jNames.ACTIVATION;
import static org.skipwire.processor.write.Dl4jNames.ACTIVATION_LAYER;
import static org.skipwire.processor.write.Dl4jNames.BATCH_NORMALIZATION;
import static org.skipwire.processor.write.Dl4jNames.CONVOLUTION_LAYER;
import static org.skipwire.processor.write.Dl4jNames.DENSE_LAYER;
import static org.skipwire.processor.write.Dl4jNames.ELEMENT_WISE_VERTEX;
import static org.skipwire.processor.write.Dl4jNames.GLOBAL_POOLING_LAYER;
import static org.skipwire.processor.write.Dl4jNames.GRAPH_BUILDER;
import static org.skipwire.processor.write.Dl4jNames.GRAPH_CONFIGURATION;
import static org.skipwire.processor.write.Dl4jNames.INPUT_TYPE;
import static org.skipwire.processor.write.Dl4jNames.LOSS_FUNCTION;
import static org.skipwire.processor.write.Dl4jNames.OUTPUT_LAYER;
import static org.skipwire.processor.write.Dl4jNames.POOLING_TYPE;
import static org.skipwire.processor.write.Dl4jNames.SUBSAMPLING_LAYER;
import static org.skipwire.processor.write.Dl4jNames.TRAINING;
import static org.skipwire.processor.write.Dl4jNames.VERTEX_INFO;
import static org.skipwire.processor.write.Dl4jNames.ZERO_PAD_CHANNELS_VERTEX;

import com.palantir.javapoet.AnnotationSpec;
import com.palantir.javapoet.ArrayTypeName;
import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.JavaFile;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.NameAllocator;
import com.palantir.javapoet.ParameterizedTypeName;
import com.palantir.javapoet.TypeName;
import com.palantir.javapoet.TypeSpec;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import javax.lang.model.element.Modifier;
import org.skipwire.processor.model.Graph;
import org.skipwire.processor.model.GraphOp;
import org.skipwire.processor.model.Network;
import org.skipwire.processor.model.Shape;
import org.skipwire.processor.model.Vertex;

/**
 * Writes {@code <Network>Graph}: the DL4J wiring of a checked {@link Graph}, one method per trunk
 * field, the vertex table as Javadoc and as data, and the parameter totals. It never re-validates:
 * every size it writes was computed by the shape checker. Output is deterministic.
 */
public final class GraphWriter {
  private static final String PROCESSOR = "org.skipwire.processor.SkipwireProcessor";
  private static final String INPUT = "input";

  private GraphWriter() {}

  public static String className(Network network) {
    return network.graphName() + "Graph";
  }

  public static JavaFile write(Graph graph) {
    Network network = graph.network();
    List<Vertex> vertices = graph.vertices();
    TypeName integerList =
        ParameterizedTypeName.get(ClassName.get(List.class), ClassName.get(Integer.class));

    TypeSpec.Builder type =
        TypeSpec.classBuilder(className(network))
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
            .addJavadoc("$L", javadoc(graph));

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

    CodeBlock.Builder rows = CodeBlock.builder().add("{\n").indent();
    for (Vertex v : vertices) {
      rows.add("$S,\n", row(v));
    }
    rows.unindent().add("}");
    type.addField(
        FieldSpec.builder(
                ArrayTypeName.of(String.class),
                "VERTICES",
                Modifier.PRIVATE,
                Modifier.STATIC,
                Modifier.FINAL)
            .addJavadoc("One row per vertex, read by {@link $T#parse}.\n", VERTEX_INFO)
            .initializer(rows.build())
            .build());

    type.addMethod(getter("name", String.class, "NAME"));
    type.addMethod(
        getter("declaration", String.class, CodeBlock.of("$S", network.qualifiedName())));
    type.addMethod(getter("inputShape", integerList, "INPUT_SHAPE"));
    type.addMethod(getter("outputShape", integerList, "OUTPUT_SHAPE"));
    type.addMethod(getter("trainableParams", long.class, "TRAINABLE_PARAMS"));
    type.addMethod(getter("totalParams", long.class, "TOTAL_PARAMS"));
    type.addMethod(
        MethodSpec.methodBuilder("vertices")
            .addAnnotation(Override.class)
            .addModifiers(Modifier.PUBLIC)
            .returns(ParameterizedTypeName.get(ClassName.get(List.class), VERTEX_INFO))
            .addStatement(
                "return $T.stream(VERTICES).map($T::parse).toList()", Arrays.class, VERTEX_INFO)
            .build());

    NameAllocator methodNames = new NameAllocator();
    for (String reserved :
        List.of(
            "name",
            "declaration",
            "inputShape",
            "outputShape",
            "trainableParams",
            "totalParams",
            "vertices",
            "configuration",
            "create")) {
      methodNames.newName(reserved, reserved);
    }
    MethodSpec.Builder configuration =
        MethodSpec.methodBuilder("configuration")
            .addAnnotation(Override.class)
            .addModifiers(Modifier.PUBLIC)
            .returns(GRAPH_CONFIGURATION)
            .addParameter(TRAINING, "training")
            .addStatement(
                "$T graph = training.builder().graphBuilder()$Z.addInputs($S)$Z.setInputTypes($L)",
                GRAPH_BUILDER,
                INPUT,
                inputType(network.input()));
    for (Graph.Section section : graph.sections()) {
      String method = methodNames.newName("add" + capitalize(identifier(section.step())), section);
      configuration.addStatement("$N(graph)", method);
      type.addMethod(sectionMethod(method, section));
    }
    configuration.addStatement("return graph.setOutputs($S).build()", graph.output());
    type.addMethod(configuration.build());

    return JavaFile.builder(network.packageName(), type.build())
        .addFileComment("Generated by skipwire from $L. Do not edit.", network.qualifiedName())
        .skipJavaLangImports(true)
        .indent("  ")
        .build();
  }

  private static MethodSpec sectionMethod(String name, Graph.Section section) {
    MethodSpec.Builder method =
        MethodSpec.methodBuilder(name)
            .addModifiers(Modifier.PRIVATE, Modifier.STATIC)
            .addParameter(GRAPH_BUILDER, "graph")
            .addJavadoc(
                "{@code $L}: $L, $L -> $L.\n",
                section.step(),
                section.summary(),
                section.in(),
                section.out());
    boolean first = true;
    for (Graph.BlockRun run : section.blocks()) {
      if (run.note() != null) {
        if (!first) {
          method.addCode("\n");
        }
        method.addComment("$L", run.note());
      }
      first = false;
      for (Vertex v : run.vertices()) {
        method.addStatement(addVertex(v));
      }
    }
    return method.build();
  }

  private static CodeBlock addVertex(Vertex v) {
    CodeBlock inputs =
        v.inputs().stream().map(i -> CodeBlock.of("$S", i)).collect(CodeBlock.joining(",$W"));
    if (v.op() instanceof GraphOp.Add) {
      return CodeBlock.of(
          "graph.addVertex($S,$Wnew $T($T.Op.Add),$W$L)",
          v.name(),
          ELEMENT_WISE_VERTEX,
          ELEMENT_WISE_VERTEX,
          inputs);
    }
    if (v.op() instanceof GraphOp.DropPath d) {
      return CodeBlock.of(
          "graph.addVertex($S,$Wnew $T($L),$W$L)",
          v.name(),
          Dl4jNames.DROP_PATH_VERTEX,
          Double.toString(d.survival()),
          inputs);
    }
    if (v.op() instanceof GraphOp.LastStep) {
      // DL4J names the input whose mask marks each sequence's last step; with no mask set, the
      // vertex takes step T - 1. It refuses null.
      return CodeBlock.of(
          "graph.addVertex($S,$Wnew $T($S),$W$L)",
          v.name(),
          Dl4jNames.LAST_TIME_STEP_VERTEX,
          INPUT,
          inputs);
    }
    if (v.op() instanceof GraphOp.ShakeShake) {
      return CodeBlock.of(
          "graph.addVertex($S,$Wnew $T(),$W$L)", v.name(), Dl4jNames.SHAKE_SHAKE_VERTEX, inputs);
    }
    if (v.op() instanceof GraphOp.ChannelScale) {
      return CodeBlock.of(
          "graph.addVertex($S,$Wnew $T(),$W$L)", v.name(), Dl4jNames.CHANNEL_SCALE_VERTEX, inputs);
    }
    if (v.op() instanceof GraphOp.Scale s) {
      return CodeBlock.of(
          "graph.addVertex($S,$Wnew $T($L),$W$L)",
          v.name(),
          Dl4jNames.SCALE_VERTEX,
          literal(s.alphaInit()),
          inputs);
    }
    if (v.op() instanceof GraphOp.GatedSkip g) {
      return CodeBlock.of(
          "graph.addVertex($S,$Wnew $T($L),$W$L)",
          v.name(),
          Dl4jNames.GATED_SKIP_VERTEX,
          literal(g.alphaInit()),
          inputs);
    }
    if (v.op() instanceof GraphOp.Merge) {
      return CodeBlock.of(
          "graph.addVertex($S,$Wnew $T(),$W$L)", v.name(), Dl4jNames.MERGE_VERTEX, inputs);
    }
    if (v.op() instanceof GraphOp.HighwayGate h) {
      CodeBlock.Builder gate = CodeBlock.builder();
      if (h.conv()) {
        gate.add("$T.conv($L, $L)", Dl4jNames.HIGHWAY_GATE_VERTEX, h.width(), h.kernel());
      } else {
        gate.add("$T.dense($L)", Dl4jNames.HIGHWAY_GATE_VERTEX, h.width());
      }
      gate.add("$Z.gateBias($L)", literal(h.gateBias()));
      if (h.independentCarry()) {
        gate.add("$Z.independentCarry(true)");
      }
      return CodeBlock.of(
          "graph.addVertex($S,$W$L$Z.build(),$W$L)", v.name(), gate.build(), inputs);
    }
    if (v.op() instanceof GraphOp.ZeroPad z) {
      return CodeBlock.of(
          "graph.addVertex($S,$Wnew $T($L, $L),$W$L)",
          v.name(),
          ZERO_PAD_CHANNELS_VERTEX,
          z.stride(),
          z.padChannels(),
          inputs);
    }
    return CodeBlock.of("graph.addLayer($S,$W$L,$W$L)", v.name(), layer(v.op()), inputs);
  }

  private static CodeBlock layer(GraphOp op) {
    if (op instanceof GraphOp.Conv c && c.groups() > 1) {
      return CodeBlock.of(
          "new $T.Builder($L, $L)$Z.stride($L, $L)$Z.padding($L,"
              + " $L)$Z.nIn($L)$Z.nOut($L)$Z.groups($L)$Z.hasBias($L)$Z.activation($T.$L)$Z.build()",
          Dl4jNames.GROUPED_CONVOLUTION_LAYER,
          c.kernel(),
          c.kernel(),
          c.stride(),
          c.stride(),
          c.padding(),
          c.padding(),
          c.nIn(),
          c.nOut(),
          c.groups(),
          c.bias(),
          ACTIVATION,
          c.activation().name());
    }
    if (op instanceof GraphOp.Conv1d c) {
      // DL4J's Convolution1DLayer fails on the oneDNN build once dilated (see TemporalConvolution);
      // it stays for the plain case: dense per step, 1x1 projections, undilated convolutions.
      boolean own = c.causal() || c.dilation() != 1;
      CodeBlock.Builder code =
          CodeBlock.builder()
              .add(
                  "new $T.Builder($L)",
                  own ? Dl4jNames.TEMPORAL_CONVOLUTION : Dl4jNames.CONVOLUTION_1D_LAYER,
                  c.kernel());
      if (c.stride() != 1) {
        code.add("$Z.stride($L)", c.stride());
      }
      if (c.dilation() != 1) {
        code.add("$Z.dilation($L)", c.dilation());
      }
      if (c.causal()) {
        code.add("$Z.causal(true)");
      } else if (c.padding() != 0) {
        code.add("$Z.padding($L)", c.padding());
      }
      return code.add(
              "$Z.nIn($L)$Z.nOut($L)$Z.hasBias($L)$Z.activation($T.$L)$Z.build()",
              c.nIn(),
              c.nOut(),
              c.bias(),
              ACTIVATION,
              c.activation().name())
          .build();
    }
    if (op instanceof GraphOp.SelfAttention a) {
      return CodeBlock.of(
          "new $T.Builder()$Z.nIn($L)$Z.nOut($L)$Z.nHeads($L)$Z.build()",
          Dl4jNames.MULTI_HEAD_SELF_ATTENTION,
          a.channels(),
          a.channels(),
          a.heads());
    }
    if (op instanceof GraphOp.PositionEmbedding e) {
      return CodeBlock.of(
          "new $T.Builder()$Z.nIn($L)$Z.length($L)$Z.build()",
          Dl4jNames.POSITION_EMBEDDING,
          e.channels(),
          e.length());
    }
    if (op instanceof GraphOp.TransposedConv t) {
      return CodeBlock.of(
          "new $T.Builder($L, $L)$Z.stride($L, $L)$Z.padding($L,"
              + " $L)$Z.nIn($L)$Z.nOut($L)$Z.hasBias($L)$Z.activation($T.$L)$Z.build()",
          Dl4jNames.DECONVOLUTION_2D,
          t.kernel(),
          t.kernel(),
          t.stride(),
          t.stride(),
          t.padding(),
          t.padding(),
          t.nIn(),
          t.nOut(),
          t.bias(),
          ACTIVATION,
          t.activation().name());
    }
    if (op instanceof GraphOp.Upsample u) {
      return CodeBlock.of("new $T.Builder($L)$Z.build()", Dl4jNames.UPSAMPLING_2D, u.scale());
    }
    if (op instanceof GraphOp.PixelOutput o) {
      return CodeBlock.of(
          "new $T.Builder($T.$L)$Z.activation($T.$L)$Z.build()",
          Dl4jNames.CNN_LOSS_LAYER,
          LOSS_FUNCTION,
          o.loss().name(),
          ACTIVATION,
          o.activation().name());
    }
    if (op instanceof GraphOp.LayerNorm l) {
      return CodeBlock.of(
          "new $T.Builder()$Z.nIn($L)$Z.nOut($L)$Z.eps($L)$Z.build()",
          Dl4jNames.LAYER_NORMALIZATION,
          l.channels(),
          l.channels(),
          literal(l.epsilon()));
    }
    if (op instanceof GraphOp.Dropout d) {
      // DL4J's dropout takes the probability of keeping a value.
      return CodeBlock.of(
          "new $T.Builder($L /* keep probability */)$Z.build()",
          Dl4jNames.DROPOUT_LAYER,
          literal(1.0 - d.rate()));
    }
    if (op instanceof GraphOp.Conv c) {
      return CodeBlock.of(
          "new $T.Builder($L, $L)$Z.stride($L, $L)$Z.padding($L,"
              + " $L)$L$Z.nIn($L)$Z.nOut($L)$Z.hasBias($L)$Z.activation($T.$L)$Z.build()",
          CONVOLUTION_LAYER,
          c.kernel(),
          c.kernel(),
          c.stride(),
          c.stride(),
          c.padding(),
          c.padding(),
          c.dilation() == 1
              ? CodeBlock.of("")
              : CodeBlock.of("$Z.dilation($L, $L)", c.dilation(), c.dilation()),
          c.nIn(),
          c.nOut(),
          c.bias(),
          ACTIVATION,
          c.activation().name());
    }
    if (op instanceof GraphOp.BatchNorm b) {
      CodeBlock.Builder code =
          CodeBlock.builder()
              .add(
                  "new $T.Builder()$Z.nIn($L)$Z.nOut($L)$Z.eps($L)",
                  BATCH_NORMALIZATION,
                  b.channels(),
                  b.channels(),
                  literal(b.epsilon()));
      if (b.gammaInit() != 1.0) {
        code.add("$Z.gamma($L)", literal(b.gammaInit()));
      }
      return code.add("$Z.build()").build();
    }
    if (op instanceof GraphOp.Activation a) {
      return CodeBlock.of(
          "new $T.Builder()$Z.activation($T.$L)$Z.build()",
          ACTIVATION_LAYER,
          ACTIVATION,
          a.fn().name());
    }
    if (op instanceof GraphOp.Pool p) {
      return CodeBlock.of(
          "new $T.Builder($T.$L)$Z.kernelSize($L, $L)$Z.stride($L, $L)$Z.padding($L, $L)$Z.build()",
          SUBSAMPLING_LAYER,
          POOLING_TYPE,
          p.max() ? "MAX" : "AVG",
          p.kernel(),
          p.kernel(),
          p.stride(),
          p.stride(),
          p.padding(),
          p.padding());
    }
    if (op instanceof GraphOp.GlobalAvgPool) {
      return CodeBlock.of("new $T.Builder($T.AVG)$Z.build()", GLOBAL_POOLING_LAYER, POOLING_TYPE);
    }
    if (op instanceof GraphOp.Dense d) {
      return CodeBlock.of(
          "new $T.Builder()$Z.nIn($L)$Z.nOut($L)$Z.activation($T.$L)$Z.build()",
          DENSE_LAYER,
          d.nIn(),
          d.nOut(),
          ACTIVATION,
          d.activation().name());
    }
    if (op instanceof GraphOp.Output o) {
      return CodeBlock.of(
          "new $T.Builder($T.$L)$Z.nIn($L)$Z.nOut($L)$Z.activation($T.$L)$Z.build()",
          OUTPUT_LAYER,
          LOSS_FUNCTION,
          o.loss().name(),
          o.nIn(),
          o.nOut(),
          ACTIVATION,
          o.activation().name());
    }
    throw new IllegalArgumentException(op + " is a vertex, not a layer");
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

  private static MethodSpec getter(String name, TypeName type, String field) {
    return getter(name, type, CodeBlock.of("$N", field));
  }

  private static MethodSpec getter(String name, java.lang.reflect.Type type, String field) {
    return getter(name, TypeName.get(type), CodeBlock.of("$N", field));
  }

  private static MethodSpec getter(String name, java.lang.reflect.Type type, CodeBlock value) {
    return getter(name, TypeName.get(type), value);
  }

  private static MethodSpec getter(String name, TypeName type, CodeBlock value) {
    return MethodSpec.methodBuilder(name)
        .addAnnotation(Override.class)
        .addModifiers(Modifier.PUBLIC)
        .returns(type)
        .addStatement("return $L", value)
        .build();
  }

  /** The vertex table: what a reader of the generated file sees first. */
  private static String javadoc(Graph graph) {
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
        .append(" with batch-norm running statistics).\n\n");
    List<String[]> rows = new java.util.ArrayList<>();
    rows.add(new String[] {"vertex", "kind", "inputs", "output", "params"});
    for (Vertex v : graph.vertices()) {
      rows.add(
          new String[] {
            v.name(),
            v.op().describe(),
            String.join(", ", v.inputs()),
            v.shape().toString(),
            v.params() == 0 ? "" : grouped(v.params(), ",")
          });
    }
    int[] widths = new int[5];
    for (String[] r : rows) {
      for (int i = 0; i < r.length; i++) {
        widths[i] = Math.max(widths[i], r[i].length());
      }
    }
    doc.append("<pre>\n");
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
    doc.append("</pre>\n");
    return doc.toString();
  }

  private static String row(Vertex v) {
    return String.join(
        "|",
        v.name(),
        v.op().describe(),
        String.join(",", v.inputs()),
        v.shape().dims().stream().map(String::valueOf).collect(Collectors.joining("x")),
        String.valueOf(v.params()),
        String.valueOf(v.trainableParams()));
  }

  private static String dims(Shape shape) {
    return shape.dims().stream().map(String::valueOf).collect(Collectors.joining(", "));
  }

  static String grouped(long n, String separator) {
    return String.format(Locale.ROOT, "%,d", n).replace(",", separator);
  }

  /** A double as a person writes it: {@code 1.0}, {@code 0.00001}. */
  private static String literal(double d) {
    String plain =
        new java.math.BigDecimal(Double.toString(d)).stripTrailingZeros().toPlainString();
    if (plain.length() > 12) {
      return Double.toString(d);
    }
    return plain.contains(".") ? plain : plain + ".0";
  }

  private static String identifier(String fieldPath) {
    return fieldPath.replace('.', '_');
  }

  private static String capitalize(String s) {
    return Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }
}
