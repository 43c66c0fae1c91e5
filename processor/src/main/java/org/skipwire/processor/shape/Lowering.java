package org.skipwire.processor.shape;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.skipwire.Layer;
import org.skipwire.Loss;
import org.skipwire.Nonlinearity;
import org.skipwire.ShortcutKind;
import org.skipwire.processor.diag.Message;
import org.skipwire.processor.diag.Problem;
import org.skipwire.processor.model.BatchNormSpec;
import org.skipwire.processor.model.Block;
import org.skipwire.processor.model.Connection;
import org.skipwire.processor.model.Graph;
import org.skipwire.processor.model.GraphOp;
import org.skipwire.processor.model.LayerStep;
import org.skipwire.processor.model.Network;
import org.skipwire.processor.model.Op;
import org.skipwire.processor.model.Origin;
import org.skipwire.processor.model.Shape;
import org.skipwire.processor.model.StageStep;
import org.skipwire.processor.model.Step;
import org.skipwire.processor.model.Vertex;

/**
 * Lowers a declared {@link Network} to a {@link Graph}: every vertex with its resolved op, inputs,
 * shape and parameter count, or the shape problems that stop it. It decides the structure (block
 * orders, shortcuts, merges) and the shape rules that structure needs; the rules over the finished
 * graph are the passes {@link GraphCheck} runs after it.
 *
 * <p>Vertex names are field paths: a trunk layer {@code stem} gives {@code stem}, {@code stem.bn}
 * and {@code stem.relu}; block {@code i} of stage {@code conv3} gives {@code conv3.b<i>.<field>},
 * {@code conv3.b<i>.shortcut}, {@code conv3.b<i>.add}. They become DL4J parameter keys, so renaming
 * a field breaks checkpoints. Every convolution keeps its bias here; {@link BiasElision} removes
 * those a norm cancels.
 */
final class Lowering {

  /**
   * The outcome: the lowered graph when there are no problems; the problems and, if lowering got to
   * the end, the graph.
   */
  record Result(Lowered lowered, List<Problem> problems) {}

  /** Where a value flows: the vertex that produced it and its shape. */
  private record Flow(String vertex, Shape shape) {}

  /** A block's output and how it was joined, for the block's comment. */
  private record Joined(Flow flow, String how) {}

  /** A shortcut's output and its kind, as the block comment names it. */
  private record Carried(Flow flow, String kind) {}

  /**
   * A branch's output, and the first unit's shared batch norm and activation when the branch is
   * pre-activation (He et al. 2016 feed a projection shortcut from it); null otherwise.
   */
  private record Branch(Flow out, Flow preActivated) {}

  /** The order a field runs its ops in, as its block decides. */
  private enum Order {
    /**
     * Weight, batch norm, activation (post-activation residual blocks, highway bodies, the trunk).
     */
    POST,
    /** Batch norm, activation, weight (pre-activation residual blocks, dense units). */
    PRE,
    /** Activation, weight, batch norm (Shake-Shake branches). */
    ACT_FIRST
  }

  /** What a block instance is built with. */
  private record Context(
      int baseWidth, int stageStride, int stageDilation, Order order, Origin site) {
    boolean preActivation() {
      return order == Order.PRE;
    }
  }

  /**
   * The shape of a block instance could not be inferred, reported already; lowering this network
   * stops. Unchecked so that it leaves the op visitors.
   */
  private static final class ShapeUnknown extends RuntimeException {
    ShapeUnknown() {
      super(null, null, false, false);
    }
  }

  private static final Context TRUNK = new Context(0, 1, 1, Order.POST, null);

  /** {@code @HighwayGate}'s default {@code gateKernel}; any other value on vectors is a mistake. */
  private static final int DEFAULT_GATE_KERNEL = 3;

  /** The channels entering the block instance being lowered, for {@code @Conv(expansion = t)}. */
  private int blockInputChannels;

  private final List<Problem> problems = new ArrayList<>();
  private Origin trunkSite;

  /**
   * Stochastic depth: survival of the last block (1 when off), blocks L, and blocks seen so far.
   */
  private double finalSurvival = 1.0;

  /** Outputs of the trunk steps lowered so far, for {@code @Concat}; and every trunk name. */
  private final Map<String, Flow> trunkOutputs = new HashMap<>();

  private final List<String> trunkNames = new ArrayList<>();

  private final Map<String, Lowered.Site> lastSteps = new HashMap<>();
  private int residualBlocks;
  private int residualSeen;

  private Lowering() {}

  static Result lower(Network network) {
    Lowering lowering = new Lowering();
    Graph graph = lowering.graph(network);
    return new Result(
        graph == null ? null : new Lowered(graph, lowering.lastSteps),
        List.copyOf(lowering.problems));
  }

  /**
   * A computed channel count or length, refused with {@code [skipwire/too-large]} past {@link
   * Limits#MAX_SIZE} (and long before {@code int} would overflow).
   */
  private int size(long value, Origin at, String path, String what) {
    if (value > Limits.MAX_SIZE) {
      report(
          Message.TOO_LARGE.at(
              at, path, what, value, Limits.MAX_SIZE, "use fewer or narrower blocks"));
      throw new ShapeUnknown();
    }
    return (int) value;
  }

  private Graph graph(Network network) {
    if (network.stochasticDepth() != null) {
      finalSurvival = network.stochasticDepth().finalSurvival();
      for (Step step : network.trunk()) {
        if (step instanceof StageStep s && s.block().connection() instanceof Connection.Residual) {
          residualBlocks += s.blocks();
        }
      }
    }
    network.trunk().forEach(step -> trunkNames.add(step.name()));
    Flow flow = new Flow("input", network.input());
    List<Graph.Section> sections = new ArrayList<>();
    try {
      for (Step step : network.trunk()) {
        trunkSite = step.origin();
        Shape in = flow.shape();
        List<Graph.BlockRun> runs = new ArrayList<>();
        Flow entering = flow;
        flow =
            step.accept(
                new Step.Visitor<Flow>() {
                  @Override
                  public Flow visitLayer(LayerStep layer) {
                    List<Vertex> sink = new ArrayList<>();
                    Flow out = layer(layer, layer.name(), entering, TRUNK, sink);
                    runs.add(new Graph.BlockRun(null, sink));
                    return out;
                  }

                  @Override
                  public Flow visitStage(StageStep stage) {
                    return stage(stage, stage.name(), entering, stage.origin(), 0, runs, true);
                  }
                });
        String summary =
            step.accept(
                new Step.Visitor<String>() {
                  @Override
                  public String visitLayer(LayerStep layer) {
                    return describeLayer(layer, in);
                  }

                  @Override
                  public String visitStage(StageStep stage) {
                    return stage.block().simpleName() + " x" + stage.blocks();
                  }
                });
        sections.add(new Graph.Section(step.name(), summary, in, flow.shape(), runs));
        trunkOutputs.put(step.name(), flow);
      }
    } catch (ShapeUnknown e) {
      return null;
    }
    return new Graph(network, sections, flow.vertex());
  }

  // ---------------------------------------------------------------- stages and blocks

  /**
   * @param inheritedWidth the enclosing block's base width, for a nested stage that gives none; 0
   *     on the trunk
   */
  private Flow stage(
      StageStep stage,
      String path,
      Flow in,
      Origin site,
      int inheritedWidth,
      List<Graph.BlockRun> runs,
      boolean notes) {
    Block block = stage.block();
    Flow flow = in;
    int stageWidth = stage.width() > 0 ? stage.width() : inheritedWidth;
    if (stageWidth == 0
        && (block.connection() instanceof Connection.Residual
            || block.connection() instanceof Connection.ShakeShake)) {
      report(Message.MISSING_WIDTH.at(stage.stageOrigin(), stage.name(), block.simpleName()));
      throw new ShapeUnknown();
    }
    for (int i = 0; i < stage.blocks(); i++) {
      String blockPath = path + ".b" + i;
      int stride = i == 0 ? stage.stride() : 1;
      int dilation = (int) Math.pow(stage.dilationGrowth(), i);
      int width =
          stage.widen() == 0
              ? stageWidth
              : (int) Math.round(stageWidth + (double) (i + 1) * stage.widen() / stage.blocks());
      List<Vertex> sink = new ArrayList<>();
      Flow before = flow;
      int outerBlockInput = blockInputChannels;
      blockInputChannels = flow.shape().channels();
      Joined joined = block(stage, blockPath, flow, width, stride, dilation, site, notes, sink);
      flow = joined.flow();
      String note =
          notes
              ? blockPath
                  + ": "
                  + block.simpleName()
                  + ", "
                  + before.shape()
                  + " -> "
                  + flow.shape()
                  + ", "
                  + joined.how()
              : null;
      runs.add(new Graph.BlockRun(note, sink));
      blockInputChannels = outerBlockInput;
    }
    return flow;
  }

  /** One block instance of a stage, joined as its connection says. */
  private Joined block(
      StageStep stage,
      String blockPath,
      Flow flow,
      int width,
      int stride,
      int dilation,
      Origin site,
      boolean notes,
      List<Vertex> sink) {
    Block block = stage.block();
    return block
        .connection()
        .accept(
            new Connection.Visitor<Joined>() {
              @Override
              public Joined visitResidual(Connection.Residual r) {
                ShortcutKind kind = stage.shortcut() != null ? stage.shortcut() : r.shortcut();
                Context context =
                    new Context(
                        width, stride, dilation, r.preActivation() ? Order.PRE : Order.POST, site);
                // Huang et al. 2016's linear decay: p_l = 1 - l / L * (1 - p_L), over the trunk's
                // blocks.
                double survival =
                    notes && residualBlocks > 0
                        ? 1.0 - (double) ++residualSeen / residualBlocks * (1.0 - finalSurvival)
                        : 1.0;
                return residual(block, r, blockPath, flow, context, kind, sink, survival);
              }

              @Override
              public Joined visitDense(Connection.Dense d) {
                int growth = width > 0 ? width : d.growthRate();
                Flow out =
                    dense(
                        block,
                        blockPath,
                        flow,
                        new Context(growth, stride, dilation, Order.PRE, site),
                        sink);
                return new Joined(
                    out, "growth " + (out.shape().channels() - flow.shape().channels()));
              }

              @Override
              public Joined visitShakeShake(Connection.ShakeShake s) {
                ShortcutKind kind =
                    stage.shortcut() != null ? stage.shortcut() : ShortcutKind.PROJECTION;
                return shakeShake(
                    block,
                    blockPath,
                    flow,
                    new Context(width, stride, dilation, Order.ACT_FIRST, site),
                    kind,
                    sink);
              }

              @Override
              public Joined visitSequential(Connection.Sequential s) {
                int base = width > 0 ? width : flow.shape().channels();
                Flow out =
                    branch(
                            block,
                            blockPath,
                            flow,
                            new Context(base, stride, dilation, Order.POST, site),
                            sink,
                            false)
                        .out();
                return new Joined(out, "sequential");
              }

              @Override
              public Joined visitHighway(Connection.Highway h) {
                int base = width > 0 ? width : flow.shape().channels();
                Flow out =
                    highway(
                        block,
                        h,
                        blockPath,
                        flow,
                        new Context(base, stride, dilation, Order.POST, site),
                        sink);
                return new Joined(out, "highway gate");
              }
            });
  }

  /**
   * The block's fields in order, starting from {@code x}.
   *
   * @param sharePreActivation whether the first unit's BN-ReLU is shared with a projection shortcut
   *     (He et al. 2016), and so returned
   */
  private Branch branch(
      Block block,
      String path,
      Flow x,
      Context context,
      List<Vertex> sink,
      boolean sharePreActivation) {
    Flow flow = x;
    Flow preActivated = null;
    List<Step> body = block.body();
    for (int i = 0; i < body.size(); i++) {
      Step step = body.get(i);
      String stepPath = path + "." + step.name();
      boolean first = i == 0;
      Flow entering = flow;
      Branch lowered =
          step.accept(
              new Step.Visitor<Branch>() {
                @Override
                public Branch visitLayer(LayerStep layer) {
                  if (sharePreActivation
                      && first
                      && (layer.batchNorm() != null || layer.activation() != null)) {
                    Flow activated = normAndActivation(layer, stepPath, entering, sink);
                    Flow weighted = weight(layer, stepPath, activated, context, sink, true);
                    return new Branch(dropout(layer, stepPath, weighted, sink), activated);
                  }
                  return new Branch(layer(layer, stepPath, entering, context, sink), null);
                }

                @Override
                public Branch visitStage(StageStep nested) {
                  List<Graph.BlockRun> runs = new ArrayList<>();
                  Flow out =
                      stage(
                          nested,
                          stepPath,
                          entering,
                          nested.origin(),
                          context.baseWidth(),
                          runs,
                          false);
                  runs.forEach(r -> sink.addAll(r.vertices()));
                  return new Branch(out, null);
                }
              });
      flow = lowered.out();
      if (lowered.preActivated() != null) {
        preActivated = lowered.preActivated();
      }
    }
    return new Branch(flow, preActivated);
  }

  private Joined residual(
      Block block,
      Connection.Residual residual,
      String path,
      Flow x,
      Context context,
      ShortcutKind kind,
      List<Vertex> sink,
      double survival) {
    Branch branch = branch(block, path, x, context, sink, context.preActivation());
    Flow f = branch.out();
    if (residual.squeezeExcite() != null) {
      f = squeezeExcite(path, f, residual.squeezeExcite(), sink);
    }
    if (kind == ShortcutKind.IDENTITY_OR_NONE) {
      kind = f.shape().equals(x.shape()) ? ShortcutKind.IDENTITY : ShortcutKind.NONE;
    }
    if (survival < 1.0) {
      String drop = path + ".droppath";
      sink.add(
          new Vertex(drop, new GraphOp.DropPath(survival), List.of(f.vertex()), f.shape(), 0, 0));
      f = new Flow(drop, f.shape());
    }
    if (kind == ShortcutKind.NONE) {
      // The block's own choice of what follows the sum holds without the sum too: IDENTITY keeps a
      // linear bottleneck linear (MobileNetV2), pre-activation blocks have nothing after it.
      if (context.preActivation() || residual.sumActivation() == Nonlinearity.IDENTITY) {
        return new Joined(f, "no shortcut");
      }
      return new Joined(activation(path, f, residual.sumActivation(), sink), "no shortcut");
    }
    Carried shortcut =
        shortcut(
            path,
            x,
            branch.preActivated() == null ? x : branch.preActivated(),
            f,
            kind,
            context,
            sink);
    String how = shortcut.kind() + " shortcut";
    String add = path + ".add";
    switch (residual.mix().kind()) {
      case SUM ->
          sink.add(
              new Vertex(
                  add,
                  new GraphOp.Add(),
                  List.of(f.vertex(), shortcut.flow().vertex()),
                  f.shape(),
                  0,
                  0));
      case REZERO -> {
        String scale = path + ".rezero";
        sink.add(new Vertex(scale, new GraphOp.Scale(0.0), List.of(f.vertex()), f.shape(), 1, 1));
        sink.add(
            new Vertex(
                add, new GraphOp.Add(), List.of(scale, shortcut.flow().vertex()), f.shape(), 0, 0));
      }
      case GATED -> {
        add = path + ".gate";
        sink.add(
            new Vertex(
                add,
                new GraphOp.GatedSkip(residual.mix().init()),
                List.of(shortcut.flow().vertex(), f.vertex()),
                f.shape(),
                1,
                1));
      }
    }
    if (context.preActivation() || residual.sumActivation() == Nonlinearity.IDENTITY) {
      return new Joined(new Flow(add, f.shape()), how);
    }
    return new Joined(
        activation(path, new Flow(add, f.shape()), residual.sumActivation(), sink), how);
  }

  /** Two copies of the branch, mixed by a Shake-Shake vertex, plus the shortcut; nothing after. */
  private Joined shakeShake(
      Block block, String path, Flow x, Context context, ShortcutKind kind, List<Vertex> sink) {
    Flow a = branch(block, path + ".branch1", x, context, sink, false).out();
    Flow b = branch(block, path + ".branch2", x, context, sink, false).out();
    String shake = path + ".shake";
    sink.add(
        new Vertex(
            shake, new GraphOp.ShakeShake(), List.of(a.vertex(), b.vertex()), a.shape(), 0, 0));
    Flow f = new Flow(shake, a.shape());
    if (kind == ShortcutKind.IDENTITY_OR_NONE) {
      kind = f.shape().equals(x.shape()) ? ShortcutKind.IDENTITY : ShortcutKind.NONE;
    }
    if (kind == ShortcutKind.NONE) {
      return new Joined(f, "no shortcut");
    }
    Context postNorm =
        new Context(
            context.baseWidth(),
            context.stageStride(),
            context.stageDilation(),
            Order.POST,
            context.site());
    Carried shortcut = shortcut(path, x, x, f, kind, postNorm, sink);
    String add = path + ".add";
    sink.add(
        new Vertex(
            add,
            new GraphOp.Add(),
            List.of(f.vertex(), shortcut.flow().vertex()),
            f.shape(),
            0,
            0));
    return new Joined(new Flow(add, f.shape()), shortcut.kind() + " shortcut");
  }

  /** Global pool, reduce, ReLU, expand, sigmoid, then the branch scaled channel by channel. */
  private Flow squeezeExcite(
      String path, Flow f, Connection.SqueezeExciteSpec se, List<Vertex> sink) {
    Shape shape = f.shape();
    int c = shape.channels();
    int hidden = c / se.reduction();
    if (!shape.isImage() || hidden < 1) {
      report(
          !shape.isImage()
              ? Message.NEEDS_FEATURE_MAP.at(se.origin(), path, "SqueezeExcite", shape)
              : Message.SE_REDUCTION.at(
                  se.origin().attribute("reduction"), path, se.reduction(), shape));
      throw new ShapeUnknown();
    }
    String pool = path + ".se.pool";
    String reduce = path + ".se.reduce";
    String expand = path + ".se.expand";
    String scale = path + ".se.scale";
    long reduceParams = (long) c * hidden + hidden;
    long expandParams = (long) hidden * c + c;
    sink.add(
        new Vertex(pool, new GraphOp.GlobalAvgPool(), List.of(f.vertex()), Shape.flat(c), 0, 0));
    sink.add(
        new Vertex(
            reduce,
            new GraphOp.Dense(c, hidden, Nonlinearity.RELU),
            List.of(pool),
            Shape.flat(hidden),
            reduceParams,
            reduceParams));
    sink.add(
        new Vertex(
            expand,
            new GraphOp.Dense(hidden, c, Nonlinearity.SIGMOID),
            List.of(reduce),
            Shape.flat(c),
            expandParams,
            expandParams));
    sink.add(
        new Vertex(scale, new GraphOp.ChannelScale(), List.of(f.vertex(), expand), shape, 0, 0));
    return new Flow(scale, shape);
  }

  /** A dense unit: {@code concat(x, F(x))}, F in pre-activation order. */
  private Flow dense(Block block, String path, Flow x, Context context, List<Vertex> sink) {
    Flow f = branch(block, path, x, context, sink, false).out();
    Shape in = x.shape();
    Shape out = f.shape();
    if (!Extent.same(in, out)) {
      report(Message.DENSE_SPATIAL.at(context.site(), path, in, out));
      throw new ShapeUnknown();
    }
    String concat = path + ".concat";
    Shape shape =
        in.withChannels(
            size((long) in.channels() + out.channels(), context.site(), path, "channels"));
    sink.add(new Vertex(concat, new GraphOp.Merge(), List.of(x.vertex(), f.vertex()), shape, 0, 0));
    return new Flow(concat, shape);
  }

  /** A highway layer: {@code H(x) * T(x) + x * C(x)}, H in post-activation order. */
  private Flow highway(
      Block block,
      Connection.Highway gate,
      String path,
      Flow x,
      Context context,
      List<Vertex> sink) {
    Flow h = branch(block, path, x, context, sink, false).out();
    if (!h.shape().equals(x.shape())) {
      report(Message.HIGHWAY_SHAPE.at(context.site(), path, x.shape(), h.shape()));
      return x;
    }
    Shape shape = x.shape();
    if (shape.isSequence()) {
      report(Message.HIGHWAY_SEQUENCE.at(context.site(), path, shape));
      return x;
    }
    boolean conv = !shape.isFlat();
    if (!conv && gate.gateKernel() != DEFAULT_GATE_KERNEL) {
      // Known only now: the same block gates feature maps with a kernel and vectors without one.
      report(
          Message.NO_EFFECT_GATE_KERNEL.at(
              gate.origin().attribute("gateKernel"), block.simpleName(), gate.gateKernel(), shape));
    }
    int kernel = conv ? gate.gateKernel() : 1;
    long perGate = (long) kernel * kernel * shape.channels() * shape.channels() + shape.channels();
    long params = gate.independentCarry() ? 2 * perGate : perGate;
    String name = path + ".gate";
    sink.add(
        new Vertex(
            name,
            new GraphOp.HighwayGate(
                conv, shape.channels(), kernel, gate.gateBias(), gate.independentCarry()),
            List.of(x.vertex(), h.vertex()),
            shape,
            params,
            params));
    return new Flow(name, shape);
  }

  /**
   * The shortcut that carries {@code x} to the shape of {@code f}; never called for {@link
   * ShortcutKind#NONE}, {@link ShortcutKind#IDENTITY_OR_NONE} already decided.
   */
  private Carried shortcut(
      String path,
      Flow x,
      Flow activated,
      Flow f,
      ShortcutKind kind,
      Context context,
      List<Vertex> sink) {
    Shape from = x.shape();
    Shape to = f.shape();
    if (from.equals(to)) {
      return new Carried(x, "identity");
    }
    Origin site = context.site();
    return switch (kind) {
      case IDENTITY, NONE, IDENTITY_OR_NONE -> {
        // NONE and IDENTITY_OR_NONE never get here; an identity cannot change the shape.
        report(Message.IDENTITY_SHORTCUT.at(site, path, from, to));
        yield new Carried(x, "identity");
      }
      case ZERO_PAD -> new Carried(zeroPad(path, x, to, site, sink), "zero-pad");
      case PROJECTION, AUTO ->
          new Carried(projection(path, x, activated, to, context, sink), "projection");
    };
  }

  /** The parameter-free "option A" shortcut, or {@code x} with a problem reported. */
  private Flow zeroPad(String path, Flow x, Shape to, Origin site, List<Vertex> sink) {
    Shape from = x.shape();
    if (!from.isImage() || !to.isImage()) {
      report(Message.ZERO_PAD_FLAT.at(site, path, from, to));
      return x;
    }
    if (to.channels() < from.channels()) {
      report(Message.ZERO_PAD_SHRINKS.at(site, path, from, to));
      return x;
    }
    int stride = Extent.strideBetween(from, to);
    if (stride < 0) {
      report(Message.SHORTCUT_STRIDE.at(site, path, from, to));
      return x;
    }
    String name = path + ".shortcut";
    sink.add(
        new Vertex(
            name,
            new GraphOp.ZeroPad(stride, to.channels() - from.channels()),
            List.of(x.vertex()),
            to,
            0,
            0));
    return new Flow(name, to);
  }

  /** A learned projection: dense for vectors, a 1x1 convolution over maps or over time. */
  private Flow projection(
      String path, Flow x, Flow activated, Shape to, Context context, List<Vertex> sink) {
    Shape from = x.shape();
    String name = path + ".shortcut";
    if (from.isFlat() || to.isFlat()) {
      int nIn = (int) activated.shape().size();
      int nOut = (int) to.size();
      long params = (long) nIn * nOut + nOut;
      sink.add(
          new Vertex(
              name,
              new GraphOp.Dense(nIn, nOut, Nonlinearity.IDENTITY),
              List.of(activated.vertex()),
              Shape.flat(nOut),
              params,
              params));
      return new Flow(name, to);
    }
    int stride = Extent.strideBetween(from, to);
    if (stride < 0) {
      report(Message.SHORTCUT_STRIDE.at(context.site(), path, from, to));
      return x;
    }
    long weights = (long) from.channels() * to.channels() + to.channels();
    if (from.isSequence()) {
      // As temporal convolutional networks (Bai et al. 2018): a bare 1x1 convolution over time.
      sink.add(
          new Vertex(
              name,
              new GraphOp.Conv1d(
                  1,
                  stride,
                  0,
                  1,
                  false,
                  from.channels(),
                  to.channels(),
                  true,
                  Nonlinearity.IDENTITY,
                  false),
              List.of(activated.vertex()),
              to,
              weights,
              weights));
      return new Flow(name, to);
    }
    sink.add(
        new Vertex(
            name,
            new GraphOp.Conv(
                1, stride, 0, from.channels(), to.channels(), true, Nonlinearity.IDENTITY),
            List.of(activated.vertex()),
            to,
            weights,
            weights));
    if (context.preActivation()) {
      // He et al. 2016: the pre-activation projection is a bare 1x1 conv; the sum is normalised
      // next.
      return new Flow(name, to);
    }
    return batchNorm(name + ".bn", new Flow(name, to), 1e-5, 1.0, sink);
  }

  // ---------------------------------------------------------------- layers

  /** A layer field in post- or pre-activation order, as its context says. */
  private Flow layer(LayerStep layer, String path, Flow in, Context context, List<Vertex> sink) {
    if (context.preActivation()) {
      Flow flow = normAndActivation(layer, path, in, sink);
      return dropout(layer, path, weight(layer, path, flow, context, sink, true), sink);
    }
    if (context.order() == Order.ACT_FIRST) {
      Flow flow = layer.activation() == null ? in : activation(path, in, layer.activation(), sink);
      flow = weight(layer, path, flow, context, sink, true);
      if (layer.batchNorm() != null) {
        flow = norm(path, flow, layer.batchNorm(), sink);
      }
      return dropout(layer, path, flow, sink);
    }
    boolean foldActivation = layer.batchNorm() == null;
    Flow flow = weight(layer, path, in, context, sink, !foldActivation);
    if (layer.batchNorm() != null) {
      flow = norm(path, flow, layer.batchNorm(), sink);
    }
    if (layer.activation() != null
        && (!foldActivation
            || layer.weight() == null
            || !layer.weight().accept(CARRIES_ACTIVATION))) {
      flow = activation(path, flow, layer.activation(), sink);
    }
    return dropout(layer, path, flow, sink);
  }

  private Flow dropout(LayerStep layer, String path, Flow in, List<Vertex> sink) {
    if (layer.dropout() == null) {
      return in;
    }
    String name = path + ".dropout";
    sink.add(
        new Vertex(
            name,
            new GraphOp.Dropout(layer.dropout().rate()),
            List.of(in.vertex()),
            in.shape(),
            0,
            0));
    return new Flow(name, in.shape());
  }

  /**
   * Whether the DL4J layer for this op carries its own activation, so that a post-activation
   * field's activation needs no vertex of its own.
   */
  private static final Op.Visitor<Boolean> CARRIES_ACTIVATION =
      new Op.Visitor<>() {
        @Override
        public Boolean visitConv(Op.Conv op) {
          return true;
        }

        @Override
        public Boolean visitDense(Op.Dense op) {
          return true;
        }

        @Override
        public Boolean visitSelfAttention(Op.SelfAttention op) {
          return false;
        }

        @Override
        public Boolean visitPositionEmbedding(Op.PositionEmbedding op) {
          return false;
        }

        @Override
        public Boolean visitLastStep(Op.LastStep op) {
          return false;
        }

        @Override
        public Boolean visitPool(Op.Pool op) {
          return false;
        }

        @Override
        public Boolean visitConcat(Op.Concat op) {
          return false;
        }

        @Override
        public Boolean visitTransposedConv(Op.TransposedConv op) {
          return true; // DL4J's Deconvolution2D takes an activation, and the lowering gives it one
        }

        @Override
        public Boolean visitUpsample(Op.Upsample op) {
          return false;
        }

        @Override
        public Boolean visitGlobalAvgPool(Op.GlobalAvgPool op) {
          return false;
        }

        @Override
        public Boolean visitTransition(Op.Transition op) {
          return false;
        }
      };

  private Flow normAndActivation(LayerStep layer, String path, Flow in, List<Vertex> sink) {
    Flow flow = in;
    if (layer.batchNorm() != null) {
      flow = norm(path, flow, layer.batchNorm(), sink);
    }
    if (layer.activation() != null) {
      flow = activation(path, flow, layer.activation(), sink);
    }
    return flow;
  }

  /** The field's batch, layer or group norm. */
  private Flow norm(String path, Flow in, BatchNormSpec spec, List<Vertex> sink) {
    if (spec.group()) {
      return groupNorm(path, in, spec, sink);
    }
    if (!spec.layer()) {
      return batchNorm(path + ".bn", in, spec.epsilon(), spec.gammaInit(), sink);
    }
    int c = in.shape().channels();
    String name = path + ".ln";
    sink.add(
        new Vertex(
            name,
            new GraphOp.LayerNorm(c, spec.epsilon()),
            List.of(in.vertex()),
            in.shape(),
            2L * c,
            2L * c));
    return new Flow(name, in.shape());
  }

  /**
   * A group norm, {@code 2C} parameters. It keeps the bias of the weight before it: a per-channel
   * shift changes the group's mean only by the average of its channels' shifts, so it survives
   * normalisation (only {@link GraphOp.BatchNorm} makes a bias redundant).
   */
  private Flow groupNorm(String path, Flow in, BatchNormSpec spec, List<Vertex> sink) {
    int c = in.shape().channels();
    int groups = spec.groups();
    if (groups >= 1 && groups <= Limits.MAX_SIZE && c % groups != 0) {
      report(
          Message.NORM_GROUPS.at(
              spec.origin().attribute("groups"), path, c, in.shape(), groups, divisors(c, groups)));
      // Lowered anyway (one group), so the rest of the network is still checked.
      groups = 1;
    }
    String name = path + ".gn";
    sink.add(
        new Vertex(
            name,
            new GraphOp.GroupNorm(c, Math.max(groups, 1), spec.epsilon()),
            List.of(in.vertex()),
            in.shape(),
            2L * c,
            2L * c));
    return new Flow(name, in.shape());
  }

  /** The group counts nearest {@code groups} that divide {@code c}, as a hint. */
  private static String divisors(int c, int groups) {
    int below = groups;
    while (below > 1 && c % below != 0) {
      below--;
    }
    int above = groups;
    while (above < c && c % above != 0) {
      above++;
    }
    if (groups > c) {
      return "use at most " + c + ", e.g. groups = " + below;
    }
    return below == above ? "e.g. groups = " + below : "e.g. groups = " + below + " or " + above;
  }

  private Flow batchNorm(
      String name, Flow in, double epsilon, double gammaInit, List<Vertex> sink) {
    int c = in.shape().channels();
    sink.add(
        new Vertex(
            name,
            new GraphOp.BatchNorm(c, epsilon, gammaInit),
            List.of(in.vertex()),
            in.shape(),
            4L * c,
            2L * c));
    return new Flow(name, in.shape());
  }

  private Flow activation(String path, Flow in, Nonlinearity fn, List<Vertex> sink) {
    String name = path + "." + fn.name().toLowerCase(Locale.ROOT);
    sink.add(new Vertex(name, new GraphOp.Activation(fn), List.of(in.vertex()), in.shape(), 0, 0));
    return new Flow(name, in.shape());
  }

  /**
   * The field's weight or pooling op, if any.
   *
   * @param activationElsewhere whether the field's activation gets its own vertex
   */
  private Flow weight(
      LayerStep layer,
      String path,
      Flow in,
      Context context,
      List<Vertex> sink,
      boolean activationElsewhere) {
    Op op = layer.weight();
    if (op == null) {
      return in;
    }
    Nonlinearity folded =
        activationElsewhere || layer.activation() == null
            ? Nonlinearity.IDENTITY
            : layer.activation();
    return op.accept(new WeightLowering(layer, path, in, context, sink, folded));
  }

  /** Lowers one field's op, in the order and with the activation its block decided. */
  private final class WeightLowering implements Op.Visitor<Flow> {
    private final LayerStep layer;
    private final String path;
    private final Flow in;
    private final Shape shape;
    private final Context context;
    private final List<Vertex> sink;

    /** The activation the op's DL4J layer applies itself: the field's, or identity. */
    private final Nonlinearity folded;

    WeightLowering(
        LayerStep layer,
        String path,
        Flow in,
        Context context,
        List<Vertex> sink,
        Nonlinearity folded) {
      this.layer = layer;
      this.path = path;
      this.in = in;
      this.shape = in.shape();
      this.context = context;
      this.sink = sink;
      this.folded = folded;
    }

    private Flow add(GraphOp op, Shape out, long params) {
      sink.add(new Vertex(path, op, List.of(in.vertex()), out, params, params));
      return new Flow(path, out);
    }

    @Override
    public Flow visitConv(Op.Conv c) {
      if (shape.isSequence()) {
        return conv1d(c);
      }
      requireFeatureMap(c.origin(), path, "Conv", shape);
      if (c.causal()) {
        report(
            Message.NEEDS_SEQUENCE.at(
                c.origin().attribute("causal"), path, "Conv(causal = true)", shape));
        throw new ShapeUnknown();
      }
      int stride = c.stride() == Layer.STAGE ? context.stageStride() : c.stride();
      int dilation = c.dilation() == Layer.STAGE ? context.stageDilation() : c.dilation();
      if (c.groups() != 1 && dilation != 1) {
        report(Message.GROUPED_DILATED.at(c.origin().attribute("dilation"), path));
        throw new ShapeUnknown();
      }
      int span = (c.kernel() - 1) * dilation + 1;
      int padding = c.padding() == -1 ? (span - 1) / 2 : c.padding();
      Shape spatial = window(c.origin(), path, shape, span, stride, padding);
      int groups = c.groups() == Layer.DEPTHWISE ? shape.channels() : c.groups();
      int nOut =
          c.filters() > 0
              ? c.filters()
              : c.expansion() > 0
                  ? size((long) c.expansion() * blockInputChannels, c.origin(), path, "filters")
                  : c.groups() == Layer.DEPTHWISE && c.width() == 0
                      ? shape.channels()
                      : size(
                          (long) Math.max(c.width(), 1) * context.baseWidth(),
                          c.origin(),
                          path,
                          "filters");
      if (shape.channels() % groups != 0 || nOut % groups != 0) {
        report(
            Message.GROUPS.at(
                c.origin().attribute("groups"), path, shape, spatial.withChannels(nOut), groups));
        throw new ShapeUnknown();
      }
      boolean bias = c.bias(); // and then until BiasElision sees what reads it
      long params =
          (long) c.kernel() * c.kernel() * (shape.channels() / groups) * nOut + (bias ? nOut : 0);
      Shape out = spatial.withChannels(nOut);
      Flow conv =
          add(
              new GraphOp.Conv(
                  c.kernel(),
                  stride,
                  padding,
                  shape.channels(),
                  nOut,
                  groups,
                  dilation,
                  bias,
                  layer.output() == null ? folded : Nonlinearity.IDENTITY),
              out,
              params);
      if (layer.output() != null) {
        String loss = path + ".loss";
        sink.add(
            new Vertex(
                loss,
                new GraphOp.PixelOutput(nOut, outputActivation(layer), layer.output().loss()),
                List.of(path),
                out,
                0,
                0));
        return new Flow(loss, out);
      }
      return conv;
    }

    /**
     * A convolution over time: {@code @Conv} on a sequence. Causal convolutions pad {@code (k - 1)
     * d} on the left only, so the output keeps the length at stride 1 and step t sees no later
     * step.
     */
    private Flow conv1d(Op.Conv c) {
      if (c.groups() != 1) {
        report(Message.SEQUENCE_GROUPS.at(c.origin().attribute("groups"), path, shape));
        throw new ShapeUnknown();
      }
      refuseSequenceOutput(layer, path, shape);
      int stride = c.stride() == Layer.STAGE ? context.stageStride() : c.stride();
      int dilation = c.dilation() == Layer.STAGE ? context.stageDilation() : c.dilation();
      int span = (c.kernel() - 1) * dilation + 1;
      int length;
      int padding;
      if (c.causal()) {
        padding = 0;
        length = Extent.ceilDiv(shape.length(), stride);
      } else {
        padding = c.padding() == -1 ? (span - 1) / 2 : c.padding();
        if (!Extent.fits(shape.length(), span, padding)) {
          report(
              Message.KERNEL_TOO_LARGE.at(
                  c.origin().attribute("kernel"), path, span, shape, padding));
          throw new ShapeUnknown();
        }
        length = Extent.window(shape.length(), span, stride, padding);
      }
      int nOut = c.filters() > 0 ? c.filters() : Math.max(c.width(), 1) * context.baseWidth();
      long params = (long) c.kernel() * shape.channels() * nOut + (c.bias() ? nOut : 0);
      return add(
          new GraphOp.Conv1d(
              c.kernel(),
              stride,
              padding,
              dilation,
              c.causal(),
              shape.channels(),
              nOut,
              c.bias(),
              folded,
              false),
          Shape.sequence(nOut, length),
          params);
    }

    @Override
    public Flow visitDense(Op.Dense d) {
      if (shape.isSequence()) {
        int nOut =
            d.units() > 0
                ? d.units()
                : size(
                    (long) Math.max(d.width(), 1) * context.baseWidth(), d.origin(), path, "units");
        refuseSequenceOutput(layer, path, shape);
        long params = (long) shape.channels() * nOut + nOut;
        return add(
            new GraphOp.Conv1d(1, 1, 0, 1, false, shape.channels(), nOut, true, folded, true),
            shape.withChannels(nOut),
            params);
      }
      int nIn = (int) shape.size();
      int nOut =
          d.units() > 0
              ? d.units()
              : size(
                  (long) Math.max(d.width(), 1) * context.baseWidth(), d.origin(), path, "units");
      long params = (long) nIn * nOut + nOut;
      GraphOp graphOp =
          layer.output() == null
              ? new GraphOp.Dense(nIn, nOut, folded)
              : new GraphOp.Output(nIn, nOut, outputActivation(layer), layer.output().loss());
      return add(graphOp, Shape.flat(nOut), params);
    }

    @Override
    public Flow visitSelfAttention(Op.SelfAttention a) {
      requireSequence(a.origin(), path, "SelfAttention", shape);
      int c = shape.channels();
      if (c % a.heads() != 0) {
        report(
            Message.ATTENTION_HEADS.at(a.origin().attribute("heads"), path, a.heads(), c, shape));
        throw new ShapeUnknown();
      }
      // Attention holds a length x length matrix per head and example: past the limit one
      // example's scores alone exceed what any machine allocates (ND4J then crashes natively).
      long scores = (long) shape.length() * shape.length() * a.heads();
      if (scores > Limits.MAX_ATTENTION_SCORES) {
        report(
            Message.TOO_LARGE.at(
                a.origin(),
                path,
                "length x length x heads",
                scores,
                Limits.MAX_ATTENTION_SCORES,
                "attend over a shorter sequence: pool or stride it first"));
        throw new ShapeUnknown();
      }
      // Q, K and V project C to heads x C/heads each, the output projection C back to C.
      return add(new GraphOp.SelfAttention(c, a.heads()), shape, 4L * c * c);
    }

    @Override
    public Flow visitPositionEmbedding(Op.PositionEmbedding e) {
      requireSequence(e.origin(), path, "PositionEmbedding", shape);
      return add(
          new GraphOp.PositionEmbedding(shape.channels(), shape.length()),
          shape,
          (long) shape.channels() * shape.length());
    }

    @Override
    public Flow visitLastStep(Op.LastStep l) {
      requireSequence(l.origin(), path, "LastStep", shape);
      lastSteps.put(path, new Lowered.Site(l.origin(), trunkSite));
      return add(new GraphOp.LastStep(), Shape.flat(shape.channels()), 0);
    }

    @Override
    public Flow visitPool(Op.Pool p) {
      requireFeatureMap(p.origin(), path, p.max() ? "MaxPool" : "AvgPool", shape);
      int stride =
          p.stride() == Layer.STAGE
              ? context.stageStride()
              : p.stride() == 0 ? p.kernel() : p.stride();
      int padding = p.padding() == -1 ? (p.kernel() - 1) / 2 : p.padding();
      Shape out = window(p.origin(), path, shape, p.kernel(), stride, padding);
      return add(new GraphOp.Pool(p.max(), p.kernel(), stride, padding), out, 0);
    }

    @Override
    public Flow visitConcat(Op.Concat c) {
      Flow source = concatSource(c, path);
      Shape other = source.shape();
      if (!shape.isImage()
          || !other.isImage()
          || shape.height() != other.height()
          || shape.width() != other.width()) {
        report(Message.CONCAT_SHAPE.at(c.origin().attribute("from"), path, other, c.from(), shape));
        throw new ShapeUnknown();
      }
      Shape out =
          shape.withChannels(
              size((long) shape.channels() + other.channels(), c.origin(), path, "channels"));
      sink.add(
          new Vertex(path, new GraphOp.Merge(), List.of(in.vertex(), source.vertex()), out, 0, 0));
      return new Flow(path, out);
    }

    @Override
    public Flow visitTransposedConv(Op.TransposedConv t) {
      requireFeatureMap(t.origin(), path, "TransposedConv", shape);
      int h =
          size(
              Extent.transposed(shape.height(), t.kernel(), t.stride(), t.padding()),
              t.origin(),
              path,
              "height");
      int w =
          size(
              Extent.transposed(shape.width(), t.kernel(), t.stride(), t.padding()),
              t.origin(),
              path,
              "width");
      if (h < 1 || w < 1) {
        report(
            Message.KERNEL_TOO_LARGE.at(
                t.origin().attribute("padding"), path, t.kernel(), shape, t.padding()));
        throw new ShapeUnknown();
      }
      int nOut =
          t.filters() > 0
              ? t.filters()
              : size(
                  (long) Math.max(t.width(), 1) * context.baseWidth(), t.origin(), path, "filters");
      long params = (long) t.kernel() * t.kernel() * shape.channels() * nOut + nOut;
      return add(
          new GraphOp.TransposedConv(
              t.kernel(), t.stride(), t.padding(), shape.channels(), nOut, true, folded),
          Shape.image(nOut, h, w),
          params);
    }

    @Override
    public Flow visitUpsample(Op.Upsample u) {
      requireFeatureMap(u.origin(), path, "Upsample", shape);
      Shape out =
          Shape.image(
              shape.channels(),
              size((long) shape.height() * u.scale(), u.origin(), path, "height"),
              size((long) shape.width() * u.scale(), u.origin(), path, "width"));
      return add(new GraphOp.Upsample(u.scale()), out, 0);
    }

    @Override
    public Flow visitTransition(Op.Transition t) {
      requireFeatureMap(t.origin(), path, "Transition", shape);
      int c = shape.channels();
      int nOut = (int) Math.floor(t.compression() * c);
      if (nOut < 1) {
        report(
            Message.TRANSITION_EMPTY.at(
                t.origin().attribute("compression"),
                path,
                t.compression(),
                t.compression(),
                c,
                nOut));
        throw new ShapeUnknown();
      }
      Flow flow = batchNorm(path + ".bn", in, 1e-5, 1.0, sink);
      flow = activation(path, flow, Nonlinearity.RELU, sink);
      long params = (long) c * nOut + nOut;
      Shape reduced = shape.withChannels(nOut);
      sink.add(
          new Vertex(
              path,
              new GraphOp.Conv(1, 1, 0, c, nOut, true, Nonlinearity.IDENTITY),
              List.of(flow.vertex()),
              reduced,
              params,
              params));
      Shape pooled = window(t.origin(), path, reduced, 2, 2, 0);
      String pool = path + ".pool";
      sink.add(new Vertex(pool, new GraphOp.Pool(false, 2, 2, 0), List.of(path), pooled, 0, 0));
      return new Flow(pool, pooled);
    }

    @Override
    public Flow visitGlobalAvgPool(Op.GlobalAvgPool g) {
      if (shape.isFlat()) {
        report(Message.NEEDS_FEATURE_MAP.at(g.origin(), path, "GlobalAvgPool", shape));
        throw new ShapeUnknown();
      }
      return add(new GraphOp.GlobalAvgPool(), Shape.flat(shape.channels()), 0);
    }
  }

  /** The earlier trunk output {@code @Concat} names, or a problem that says what it names. */
  private Flow concatSource(Op.Concat c, String path) {
    Flow source = trunkOutputs.get(c.from());
    if (source != null) {
      return source;
    }
    if (trunkNames.contains(c.from())) {
      report(Message.CONCAT_LATER.at(c.origin().attribute("from"), path, c.from()));
    } else {
      String hint =
          trunkOutputs.keySet().stream()
              .min(
                  java.util.Comparator.comparingInt((String n) -> editDistance(n, c.from()))
                      .thenComparing(n -> n))
              .filter(n -> editDistance(n, c.from()) <= Math.max(2, c.from().length() / 3))
              .map(n -> "; did you mean \"" + n + "\"?")
              .orElse("");
      report(Message.CONCAT_SOURCE.at(c.origin().attribute("from"), path, c.from(), hint));
    }
    throw new ShapeUnknown();
  }

  static int editDistance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }

  private static Nonlinearity outputActivation(LayerStep layer) {
    if (layer.activation() != null) {
      return layer.activation();
    }
    Loss loss = layer.output().loss();
    return switch (loss) {
      case MCXENT, NEGATIVELOGLIKELIHOOD -> Nonlinearity.SOFTMAX;
      case XENT -> Nonlinearity.SIGMOID;
      case MSE, L1 -> Nonlinearity.IDENTITY;
    };
  }

  private void requireFeatureMap(Origin at, String path, String annotation, Shape shape) {
    if (!shape.isImage()) {
      report(Message.NEEDS_FEATURE_MAP.at(at, path, annotation, shape));
      throw new ShapeUnknown();
    }
  }

  /** Outputs are per example or per pixel; a sequence must be reduced to a vector first. */
  private void refuseSequenceOutput(LayerStep layer, String path, Shape shape) {
    if (layer.output() != null) {
      report(Message.SEQUENCE_OUTPUT.at(layer.output().origin(), path, shape));
      throw new ShapeUnknown();
    }
  }

  private void requireSequence(Origin at, String path, String annotation, Shape shape) {
    if (!shape.isSequence()) {
      report(Message.NEEDS_SEQUENCE.at(at, path, annotation, shape));
      throw new ShapeUnknown();
    }
  }

  /** Height and width after a square window, {@link Extent#window} each. */
  private Shape window(Origin at, String path, Shape in, int kernel, int stride, int padding) {
    if (!Extent.fits(in.height(), kernel, padding) || !Extent.fits(in.width(), kernel, padding)) {
      report(Message.KERNEL_TOO_LARGE.at(at.attribute("kernel"), path, kernel, in, padding));
      throw new ShapeUnknown();
    }
    return Shape.image(
        in.channels(),
        Extent.window(in.height(), kernel, stride, padding),
        Extent.window(in.width(), kernel, stride, padding));
  }

  private void report(Problem problem) {
    problems.add(trunkSite == null ? problem : problem.withSite(trunkSite));
  }

  /** A trunk layer's summary for the Javadoc table, e.g. {@code conv 7x7, batchnorm, relu}. */
  private static String describeLayer(LayerStep layer, Shape in) {
    StringBuilder s = new StringBuilder();
    if (layer.weight() != null) {
      s.append(layer.weight().accept(new Describe(layer, in)));
    }
    if (layer.batchNorm() != null) {
      s.append(s.isEmpty() ? "" : ", ").append("batchnorm");
    }
    if (layer.activation() != null) {
      s.append(s.isEmpty() ? "" : ", ").append(layer.activation().name().toLowerCase(Locale.ROOT));
    }
    return s.toString();
  }

  /** How a trunk layer's op reads in the Javadoc table. */
  private record Describe(LayerStep layer, Shape in) implements Op.Visitor<String> {
    @Override
    public String visitConv(Op.Conv c) {
      return in.isSequence()
          ? "conv1d " + c.kernel() + (c.causal() ? " causal" : "")
          : "conv " + c.kernel() + "x" + c.kernel();
    }

    @Override
    public String visitDense(Op.Dense d) {
      return in.isSequence() ? "dense per step" : layer.output() != null ? "output" : "dense";
    }

    @Override
    public String visitSelfAttention(Op.SelfAttention a) {
      return "self-attention " + a.heads() + " heads";
    }

    @Override
    public String visitPositionEmbedding(Op.PositionEmbedding e) {
      return "position embedding";
    }

    @Override
    public String visitLastStep(Op.LastStep l) {
      return "last step";
    }

    @Override
    public String visitPool(Op.Pool p) {
      return (p.max() ? "maxpool " : "avgpool ") + p.kernel() + "x" + p.kernel();
    }

    @Override
    public String visitGlobalAvgPool(Op.GlobalAvgPool g) {
      return "global avgpool";
    }

    @Override
    public String visitConcat(Op.Concat c) {
      return "concat " + c.from();
    }

    @Override
    public String visitTransposedConv(Op.TransposedConv t) {
      return "transposed conv " + t.kernel() + "x" + t.kernel();
    }

    @Override
    public String visitUpsample(Op.Upsample u) {
      return "upsample x" + u.scale();
    }

    @Override
    public String visitTransition(Op.Transition t) {
      return "transition " + t.compression();
    }
  }
}
