package org.skipwire.processor.write;

import static org.skipwire.processor.write.Dl4jNames.ACTIVATION;
import static org.skipwire.processor.write.Dl4jNames.ACTIVATION_LAYER;
import static org.skipwire.processor.write.Dl4jNames.BATCH_NORMALIZATION;
import static org.skipwire.processor.write.Dl4jNames.CONVOLUTION_LAYER;
import static org.skipwire.processor.write.Dl4jNames.DENSE_LAYER;
import static org.skipwire.processor.write.Dl4jNames.ELEMENT_WISE_VERTEX;
import static org.skipwire.processor.write.Dl4jNames.GLOBAL_POOLING_LAYER;
import static org.skipwire.processor.write.Dl4jNames.LOSS_FUNCTION;
import static org.skipwire.processor.write.Dl4jNames.OUTPUT_LAYER;
import static org.skipwire.processor.write.Dl4jNames.POOLING_TYPE;
import static org.skipwire.processor.write.Dl4jNames.SUBSAMPLING_LAYER;
import static org.skipwire.processor.write.Dl4jNames.ZERO_PAD_CHANNELS_VERTEX;

import java.util.ArrayList;
import java.util.List;
import org.skipwire.processor.model.Graph;
import org.skipwire.processor.model.GraphOp;
import org.skipwire.processor.model.Shape;
import org.skipwire.processor.model.Vertex;

/**
 * The statement that adds one vertex, as a {@link Template}: {@code g.layer(name, kind, shape,
 * params, <layer>, inputs)} or {@code g.vertex(...)}. Each op's DL4J code is one method below; a
 * new op adds one method to {@link Component}, or the writer does not compile.
 */
final class VertexCode {
  private VertexCode() {}

  /** The network input's vertex name in DL4J. */
  static final String INPUT = Graph.INPUT;

  static Template statement(Vertex v) {
    Template t = new Template();
    Code code = v.op().accept(COMPONENT);
    boolean layer = !code.vertex();
    t.add(layer ? "g.layer(" : "g.vertex(").ref(v.name()).add(",$W").s("kind", v.op().describe());
    t.add(",$W$T.of(", List.class);
    List<Integer> dims = v.shape().dims();
    String[] roles = roles(v.shape());
    for (int i = 0; i < dims.size(); i++) {
      t.add(i == 0 ? "" : ", ").i(roles[i], dims.get(i));
    }
    t.add("),$W").l("params", v.params());
    if (v.trainableParams() != v.params()) {
      t.add(",$W").l("trainable", v.trainableParams());
    }
    t.add(",\n").append(code.template());
    for (String input : v.inputs()) {
      t.add(",$W").ref(input);
    }
    return t.add(")").ofVertex(v.name());
  }

  private static String[] roles(Shape shape) {
    if (shape.isFlat()) {
      return new String[] {"units"};
    }
    return shape.isSequence()
        ? new String[] {"channels", "length"}
        : new String[] {"channels", "height", "width"};
  }

  /** The DL4J expression for an op, and whether it is a vertex rather than a layer. */
  private record Code(Template template, boolean vertex) {}

  private static Code layer(Template template) {
    return new Code(template, false);
  }

  private static Code vertex(Template template) {
    return new Code(template, true);
  }

  private static final Component COMPONENT = new Component();

  /**
   * The DL4J layer or vertex expression for each op, and whether DL4J adds it with {@code
   * addVertex} (the rest are layers).
   */
  private static final class Component implements GraphOp.Visitor<Code> {
    @Override
    public Code visitAdd(GraphOp.Add op) {
      return vertex(
          new Template().add("new $T($T.Op.Add)", ELEMENT_WISE_VERTEX, ELEMENT_WISE_VERTEX));
    }

    @Override
    public Code visitDropPath(GraphOp.DropPath d) {
      return vertex(
          new Template()
              .add("new $T(", Dl4jNames.DROP_PATH_VERTEX)
              .d("survival", d.survival())
              .add(")"));
    }

    @Override
    public Code visitLastStep(GraphOp.LastStep op) {
      // DL4J names the input whose mask marks each sequence's last step; with no mask set, the
      // vertex takes step T - 1. It refuses null.
      return vertex(new Template().add("new $T($S)", Dl4jNames.LAST_TIME_STEP_VERTEX, INPUT));
    }

    @Override
    public Code visitShakeShake(GraphOp.ShakeShake op) {
      return vertex(new Template().add("new $T()", Dl4jNames.SHAKE_SHAKE_VERTEX));
    }

    @Override
    public Code visitChannelScale(GraphOp.ChannelScale op) {
      return vertex(new Template().add("new $T()", Dl4jNames.CHANNEL_SCALE_VERTEX));
    }

    @Override
    public Code visitScale(GraphOp.Scale s) {
      return vertex(
          new Template().add("new $T(", Dl4jNames.SCALE_VERTEX).d("alpha", s.alphaInit()).add(")"));
    }

    @Override
    public Code visitGatedSkip(GraphOp.GatedSkip g) {
      return vertex(
          new Template()
              .add("new $T(", Dl4jNames.GATED_SKIP_VERTEX)
              .d("alpha", g.alphaInit())
              .add(")"));
    }

    @Override
    public Code visitMerge(GraphOp.Merge op) {
      return vertex(new Template().add("new $T()", Dl4jNames.MERGE_VERTEX));
    }

    @Override
    public Code visitHighwayGate(GraphOp.HighwayGate h) {
      return vertex(highwayGate(h));
    }

    @Override
    public Code visitZeroPad(GraphOp.ZeroPad z) {
      return vertex(
          new Template()
              .add("new $T(", ZERO_PAD_CHANNELS_VERTEX)
              .i("stride", z.stride())
              .add(", ")
              .i("pad", z.padChannels())
              .add(")"));
    }

    @Override
    public Code visitConv(GraphOp.Conv c) {
      if (c.groups() > 1 && c.groups() == c.nIn() && c.dilation() == 1) {
        return layer(depthwiseConv(c));
      }
      return layer(c.groups() > 1 ? groupedConv(c) : conv(c));
    }

    @Override
    public Code visitConv1d(GraphOp.Conv1d c) {
      return layer(conv1d(c));
    }

    @Override
    public Code visitSelfAttention(GraphOp.SelfAttention a) {
      return layer(
          chain(
              new Template().add("new $T.Builder()", Dl4jNames.MULTI_HEAD_SELF_ATTENTION),
              call("nIn").i("nIn", a.channels()),
              call("nOut").i("nOut", a.channels()),
              call("nHeads").i("heads", a.heads())));
    }

    @Override
    public Code visitPositionEmbedding(GraphOp.PositionEmbedding e) {
      return layer(
          chain(
              new Template().add("new $T.Builder()", Dl4jNames.POSITION_EMBEDDING),
              call("nIn").i("nIn", e.channels()),
              call("length").i("length", e.length())));
    }

    @Override
    public Code visitTransposedConv(GraphOp.TransposedConv t) {
      return layer(
          chain(
              new Template()
                  .add("new $T.Builder(", Dl4jNames.DECONVOLUTION_2D)
                  .i("kernel", t.kernel())
                  .add(", ")
                  .i("kernel", t.kernel())
                  .add(")"),
              call("stride").i("stride", t.stride()).add(", ").i("stride", t.stride()),
              call("padding").i("padding", t.padding()).add(", ").i("padding", t.padding()),
              call("nIn").i("nIn", t.nIn()),
              call("nOut").i("nOut", t.nOut()),
              call("hasBias").add("$L", t.bias()),
              call("activation").add("$T.$L", ACTIVATION, t.activation().name())));
    }

    @Override
    public Code visitUpsample(GraphOp.Upsample u) {
      return layer(
          chain(
              new Template()
                  .add("new $T.Builder(", Dl4jNames.UPSAMPLING_2D)
                  .i("scale", u.scale())
                  .add(")")));
    }

    @Override
    public Code visitPixelOutput(GraphOp.PixelOutput o) {
      return layer(
          chain(
              new Template()
                  .add(
                      "new $T.Builder($T.$L)",
                      Dl4jNames.CNN_LOSS_LAYER,
                      LOSS_FUNCTION,
                      o.loss().name()),
              call("activation").add("$T.$L", ACTIVATION, o.activation().name())));
    }

    @Override
    public Code visitLayerNorm(GraphOp.LayerNorm l) {
      return layer(
          chain(
              new Template().add("new $T.Builder()", Dl4jNames.LAYER_NORMALIZATION),
              call("nIn").i("channels", l.channels()),
              call("nOut").i("channels", l.channels()),
              call("eps").d("epsilon", l.epsilon())));
    }

    @Override
    public Code visitGroupNorm(GraphOp.GroupNorm g) {
      return layer(
          chain(
              new Template().add("new $T.Builder()", Dl4jNames.GROUP_NORMALIZATION),
              call("nIn").i("channels", g.channels()),
              call("nOut").i("channels", g.channels()),
              call("groups").i("groups", g.groups()),
              call("eps").d("epsilon", g.epsilon())));
    }

    @Override
    public Code visitDropout(GraphOp.Dropout d) {
      // DL4J's dropout takes the probability of keeping a value.
      return layer(
          chain(
              new Template()
                  .add("new $T.Builder(", Dl4jNames.DROPOUT_LAYER)
                  .d("keep", 1.0 - d.rate())
                  .add(" /* keep probability */)")));
    }

    @Override
    public Code visitBatchNorm(GraphOp.BatchNorm b) {
      return layer(batchNorm(b));
    }

    @Override
    public Code visitActivation(GraphOp.Activation a) {
      return layer(
          chain(
              new Template().add("new $T.Builder()", ACTIVATION_LAYER),
              call("activation").add("$T.$L", ACTIVATION, a.fn().name())));
    }

    @Override
    public Code visitPool(GraphOp.Pool p) {
      return layer(
          chain(
              new Template()
                  .add(
                      "new $T.Builder($T.$L)",
                      SUBSAMPLING_LAYER,
                      POOLING_TYPE,
                      p.max() ? "MAX" : "AVG"),
              call("kernelSize").i("kernel", p.kernel()).add(", ").i("kernel", p.kernel()),
              call("stride").i("stride", p.stride()).add(", ").i("stride", p.stride()),
              call("padding").i("padding", p.padding()).add(", ").i("padding", p.padding())));
    }

    @Override
    public Code visitGlobalAvgPool(GraphOp.GlobalAvgPool op) {
      if (op.overTime()) {
        return layer(new Template().add("new $T()", Dl4jNames.SEQUENCE_AVG_POOLING));
      }
      return layer(
          chain(new Template().add("new $T.Builder($T.AVG)", GLOBAL_POOLING_LAYER, POOLING_TYPE)));
    }

    @Override
    public Code visitDense(GraphOp.Dense d) {
      return layer(
          chain(
              new Template().add("new $T.Builder()", DENSE_LAYER),
              call("nIn").i("nIn", d.nIn()),
              call("nOut").i("nOut", d.nOut()),
              call("activation").add("$T.$L", ACTIVATION, d.activation().name())));
    }

    @Override
    public Code visitOutput(GraphOp.Output o) {
      return layer(
          chain(
              new Template()
                  .add("new $T.Builder($T.$L)", OUTPUT_LAYER, LOSS_FUNCTION, o.loss().name()),
              call("nIn").i("nIn", o.nIn()),
              call("nOut").i("nOut", o.nOut()),
              call("activation").add("$T.$L", ACTIVATION, o.activation().name())));
    }
  }

  private static Template conv(GraphOp.Conv c) {
    List<Template> calls = new ArrayList<>();
    calls.add(call("stride").i("stride", c.stride()).add(", ").i("stride", c.stride()));
    calls.add(call("padding").i("padding", c.padding()).add(", ").i("padding", c.padding()));
    if (c.dilation() != 1) {
      calls.add(call("dilation").i("dilation", c.dilation()).add(", ").i("dilation", c.dilation()));
    }
    calls.add(call("nIn").i("nIn", c.nIn()));
    calls.add(call("nOut").i("nOut", c.nOut()));
    calls.add(call("hasBias").add("$L", c.bias()));
    calls.add(call("activation").add("$T.$L", ACTIVATION, c.activation().name()));
    return chain(
        new Template()
            .add("new $T.Builder(", CONVOLUTION_LAYER)
            .i("kernel", c.kernel())
            .add(", ")
            .i("kernel", c.kernel())
            .add(")"),
        calls.toArray(Template[]::new));
  }

  /**
   * One group per input channel: DL4J's own depthwise layer, about 20 times faster than {@code
   * GroupedConvolutionLayer} with as many groups (forward and backward, 96 channels at 56 x 56,
   * measured) and equal to it.
   */
  private static Template depthwiseConv(GraphOp.Conv c) {
    return chain(
        new Template()
            .add("new $T.Builder(", Dl4jNames.DEPTHWISE_CONVOLUTION_2D)
            .i("kernel", c.kernel())
            .add(", ")
            .i("kernel", c.kernel())
            .add(")"),
        call("stride").i("stride", c.stride()).add(", ").i("stride", c.stride()),
        call("padding").i("padding", c.padding()).add(", ").i("padding", c.padding()),
        call("nIn").i("nIn", c.nIn()),
        call("depthMultiplier").add("$L", c.nOut() / c.nIn()),
        call("hasBias").add("$L", c.bias()),
        call("activation").add("$T.$L", ACTIVATION, c.activation().name()));
  }

  private static Template groupedConv(GraphOp.Conv c) {
    return chain(
        new Template()
            .add("new $T.Builder(", Dl4jNames.GROUPED_CONVOLUTION_LAYER)
            .i("kernel", c.kernel())
            .add(", ")
            .i("kernel", c.kernel())
            .add(")"),
        call("stride").i("stride", c.stride()).add(", ").i("stride", c.stride()),
        call("padding").i("padding", c.padding()).add(", ").i("padding", c.padding()),
        call("nIn").i("nIn", c.nIn()),
        call("nOut").i("nOut", c.nOut()),
        call("groups").i("groups", c.groups()),
        call("hasBias").add("$L", c.bias()),
        call("activation").add("$T.$L", ACTIVATION, c.activation().name()));
  }

  private static Template conv1d(GraphOp.Conv1d c) {
    // DL4J's Convolution1DLayer fails on the oneDNN build once dilated (see TemporalConvolution);
    // it stays for the plain case: dense per step, 1x1 projections, undilated convolutions.
    boolean own = c.causal() || c.dilation() != 1;
    List<Template> calls = new ArrayList<>();
    if (c.stride() != 1) {
      calls.add(call("stride").i("stride", c.stride()));
    }
    if (c.dilation() != 1) {
      calls.add(call("dilation").i("dilation", c.dilation()));
    }
    if (c.causal()) {
      calls.add(call("causal").add("true"));
    } else if (c.padding() != 0) {
      calls.add(call("padding").i("padding", c.padding()));
    }
    calls.add(call("nIn").i("nIn", c.nIn()));
    calls.add(call("nOut").i("nOut", c.nOut()));
    calls.add(call("hasBias").add("$L", c.bias()));
    calls.add(call("activation").add("$T.$L", ACTIVATION, c.activation().name()));
    return chain(
        new Template()
            .add(
                "new $T.Builder(",
                own ? Dl4jNames.TEMPORAL_CONVOLUTION : Dl4jNames.CONVOLUTION_1D_LAYER)
            .i("kernel", c.kernel())
            .add(")"),
        calls.toArray(Template[]::new));
  }

  private static Template batchNorm(GraphOp.BatchNorm b) {
    List<Template> calls = new ArrayList<>();
    calls.add(call("nIn").i("channels", b.channels()));
    calls.add(call("nOut").i("channels", b.channels()));
    calls.add(call("eps").d("epsilon", b.epsilon()));
    if (b.gammaInit() != 1.0) {
      calls.add(call("gamma").d("gamma", b.gammaInit()));
    }
    return chain(
        new Template()
            .add(
                "new $T.Builder()",
                b.overTime() ? Dl4jNames.SEQUENCE_BATCH_NORMALIZATION : BATCH_NORMALIZATION),
        calls.toArray(Template[]::new));
  }

  private static Template highwayGate(GraphOp.HighwayGate h) {
    Template head = new Template();
    if (h.conv()) {
      head.add("$T.conv(", Dl4jNames.HIGHWAY_GATE_VERTEX)
          .i("width", h.width())
          .add(", ")
          .i("kernel", h.kernel())
          .add(")");
    } else {
      head.add("$T.dense(", Dl4jNames.HIGHWAY_GATE_VERTEX).i("width", h.width()).add(")");
    }
    List<Template> calls = new ArrayList<>();
    calls.add(call("gateBias").d("gateBias", h.gateBias()));
    if (h.independentCarry()) {
      calls.add(call("independentCarry").add("true"));
    }
    return chain(head, calls.toArray(Template[]::new));
  }

  /** {@code .name(}: a call whose arguments follow; {@link #chain} closes it. */
  private static Template call(String name) {
    return new Template().add("." + name + "(");
  }

  /**
   * {@code head.a(..).b(..).build()}: on one line with at most one call, else one call per line, as
   * a person formats a builder.
   */
  private static Template chain(Template head, Template... calls) {
    Template t = new Template().append(head);
    boolean lines = calls.length > 1;
    if (lines) {
      t.add("$>$>");
    }
    for (Template call : calls) {
      t.add(lines ? "\n" : "").append(call).add(")");
    }
    t.add(lines ? "\n.build()$<$<" : ".build()");
    return t;
  }
}
