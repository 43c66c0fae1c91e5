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
 * Infers every vertex's shape and parameter count and lowers the declaration to a {@link Graph}, or
 * explains why it cannot. Plain Java: it knows nothing of javac or of DL4J.
 *
 * <p>Vertex names are field paths: a trunk layer {@code stem} gives {@code stem}, {@code stem.bn}
 * and {@code stem.relu}; block {@code i} of stage {@code conv3} gives {@code conv3.b<i>.<field>},
 * {@code conv3.b<i>.shortcut}, {@code conv3.b<i>.add}. They become DL4J parameter keys, so renaming
 * a field breaks checkpoints.
 */
public final class GraphCheck {

  /** The outcome: a graph when there are no problems, else the problems and no graph. */
  public record Result(Graph graph, List<Problem> problems) {
    public boolean ok() {
      return problems.isEmpty();
    }
  }

  /** Where a value flows: the vertex that produced it and its shape. */
  private record Flow(String vertex, Shape shape) {}

  /** What a block instance is built with. */
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

  private record Context(
      int baseWidth, int stageStride, int stageDilation, Order order, Origin site) {
    boolean preActivation() {
      return order == Order.PRE;
    }
  }

  /** The shape of a block instance could not be inferred; checking this network stops. */
  private static final class ShapeUnknown extends Exception {
    ShapeUnknown() {
      super(null, null, false, false);
    }
  }

  private static final Context TRUNK = new Context(0, 1, 1, Order.POST, null);

  /** The channels entering the block instance being lowered, for {@code @Conv(expansion = t)}. */
  private int blockInputChannels;

  private final List<Problem> problems = new ArrayList<>();
  private Origin trunkSite;

  /**
   * Stochastic depth: survival of the last block (1 when off), blocks L, and blocks seen so far.
   */
  private double finalSurvival = 1.0;

  /** Outputs of the trunk steps checked so far, for {@code @Concat}; and every trunk name. */
  private final Map<String, Flow> trunkOutputs = new HashMap<>();

  private final List<String> trunkNames = new ArrayList<>();

  /** Where each {@code @LastStep} vertex was declared, for the receptive-field check. */
  private record LastStepSite(Origin origin, Origin trunkSite) {}

  private final Map<String, LastStepSite> lastSteps = new HashMap<>();
  private int residualBlocks;
  private int residualSeen;

  private GraphCheck() {}

  public static Result check(Network network) {
    GraphCheck check = new GraphCheck();
    new StaticCheck(check.problems).check(network);
    if (!check.problems.isEmpty()) {
      // Shape inference over out-of-range values would only add confusing follow-on errors.
      return new Result(null, List.copyOf(check.problems));
    }
    Graph graph = check.lower(network);
    if (graph != null && check.problems.isEmpty()) {
      check.checkTotals(graph);
    }
    return check.problems.isEmpty()
        ? new Result(graph, List.of())
        : new Result(null, List.copyOf(check.problems));
  }

  /**
   * Every size positive and at most {@link Limits#MAX_SIZE}, the vertices and parameters within
   * their limits, all summed exactly: what the generated code and DL4J will be given.
   */
  private void checkTotals(Graph graph) {
    List<Vertex> vertices = graph.vertices();
    Origin at = graph.network().origin();
    String network = graph.network().simpleName();
    if (vertices.size() > Limits.MAX_VERTICES) {
      report(
          Message.TOO_LARGE.at(
              at, network, "vertices", vertices.size(), Limits.MAX_VERTICES, "use fewer blocks"));
      return;
    }
    long params = 0;
    for (Vertex v : vertices) {
      for (int d : v.shape().dims()) {
        if (d < 1 || d > Limits.MAX_SIZE) {
          report(
              Message.TOO_LARGE.at(
                  at,
                  v.name(),
                  "a size of " + v.shape(),
                  d,
                  Limits.MAX_SIZE,
                  "use fewer or narrower blocks"));
          return;
        }
      }
      try {
        params = Math.addExact(params, v.params());
      } catch (ArithmeticException e) {
        params = Long.MAX_VALUE;
      }
    }
    if (params > Limits.MAX_PARAMS) {
      report(
          Message.TOO_LARGE.at(
              at,
              network,
              "parameters",
              params,
              Limits.MAX_PARAMS,
              "use fewer or narrower layers"));
    }
  }

  /**
   * A computed channel count or length, refused with {@code [skipwire/too-large]} past {@link
   * Limits#MAX_SIZE} (and long before {@code int} would overflow).
   */
  private int size(long value, Origin at, String path, String what) throws ShapeUnknown {
    if (value > Limits.MAX_SIZE) {
      report(
          Message.TOO_LARGE.at(
              at, path, what, value, Limits.MAX_SIZE, "use fewer or narrower blocks"));
      throw new ShapeUnknown();
    }
    return (int) value;
  }

  private Graph lower(Network network) {
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
        String summary;
        if (step instanceof LayerStep layer) {
          List<Vertex> sink = new ArrayList<>();
          flow = layer(layer, layer.name(), flow, TRUNK, sink);
          runs.add(new Graph.BlockRun(null, sink));
          summary = describeLayer(layer, in);
        } else {
          StageStep stage = (StageStep) step;
          flow = stage(stage, stage.name(), flow, stage.origin(), 0, runs, true);
          summary = stage.block().simpleName() + " x" + stage.blocks();
        }
        sections.add(new Graph.Section(step.name(), summary, in, flow.shape(), runs));
        trunkOutputs.put(step.name(), flow);
      }
    } catch (ShapeUnknown e) {
      return null;
    }
    Graph graph = new Graph(network, dropNormalisedBiases(sections), flow.vertex());
    if (problems.isEmpty()) {
      // A shape problem already reported (a highway gate left out, say) would only distort it.
      checkReceptiveFields(graph);
    }
    return graph;
  }

  /**
   * Checks that each {@code @LastStep} sees the whole input sequence: walking the vertices in
   * order, a vertex's look-back is how many input steps before the last one its last output step
   * depends on (a causal convolution adds {@code (k - 1) d} times the steps per output step so far;
   * attention and global pooling see everything).
   */
  private void checkReceptiveFields(Graph graph) {
    if (lastSteps.isEmpty()) {
      return;
    }
    int length = graph.network().input().length();
    Map<String, long[]> reach = new HashMap<>(); // vertex -> {look-back, input steps per step}
    reach.put("input", new long[] {0, 1});
    for (Vertex v : graph.vertices()) {
      long back = 0;
      long jump = 1;
      for (String input : v.inputs()) {
        long[] r = reach.getOrDefault(input, new long[] {0, 1});
        back = Math.max(back, r[0]);
        jump = Math.max(jump, r[1]);
      }
      if (v.op() instanceof GraphOp.Conv1d c) {
        back += (long) c.lookBack() * jump;
        jump *= c.stride();
      } else if (v.op() instanceof GraphOp.SelfAttention
          || v.op() instanceof GraphOp.GlobalAvgPool) {
        back = length;
      }
      back = Math.min(back, length);
      reach.put(v.name(), new long[] {back, jump});
      LastStepSite site = lastSteps.get(v.name());
      if (site != null && back + 1 < length) {
        Problem problem =
            Message.RECEPTIVE_FIELD.at(site.origin(), v.name(), back + 1, length, back + 1);
        problems.add(site.trunkSite() == null ? problem : problem.withSite(site.trunkSite()));
      }
    }
  }

  /**
   * Removes the bias of every convolution whose output reaches batch norm on every path: the norm
   * subtracts the per-channel batch mean, so a per-channel constant added before it can never
   * change the network's output (training or inference, where the running mean absorbs it). The
   * bias survives the path only through ops that commute with a per-channel shift, {@code op(x + c)
   * = op(x) + c'} with {@code c'} again constant per channel; see {@link #passesBiasThrough}. Every
   * other reader (an activation, a convolution, a dense layer, layer norm, an output) keeps it.
   * This is the rule the reference implementations follow (conv then BN, pre-activation units, a
   * pre-activation stem feeding both a unit's BN and its identity shortcut, a stem whose max pool
   * feeds pre-activation units).
   */
  private static List<Graph.Section> dropNormalisedBiases(List<Graph.Section> sections) {
    Map<String, List<Vertex>> consumers = new HashMap<>();
    for (Graph.Section section : sections) {
      for (Graph.BlockRun run : section.blocks()) {
        for (Vertex v : run.vertices()) {
          for (String input : v.inputs()) {
            consumers.computeIfAbsent(input, k -> new ArrayList<>()).add(v);
          }
        }
      }
    }
    Map<String, Boolean> normalised = normalisedVertices(sections, consumers);
    List<Graph.Section> result = new ArrayList<>();
    for (Graph.Section section : sections) {
      List<Graph.BlockRun> runs = new ArrayList<>();
      for (Graph.BlockRun run : section.blocks()) {
        List<Vertex> vertices = new ArrayList<>();
        for (Vertex v : run.vertices()) {
          if (v.op() instanceof GraphOp.Weighted c && normalised.get(v.name())) {
            GraphOp noBias = c.withoutBias();
            long params = v.params() - (c.bias() ? c.nOut() : 0);
            v = new Vertex(v.name(), noBias, v.inputs(), v.shape(), params, params);
          }
          vertices.add(v);
        }
        runs.add(new Graph.BlockRun(run.note(), vertices));
      }
      result.add(
          new Graph.Section(section.step(), section.summary(), section.in(), section.out(), runs));
    }
    return result;
  }

  /**
   * Ops that carry a per-channel constant through as a per-channel constant: sums and the shortcut
   * ops (zero padding subsamples and appends zero channels, concatenation keeps each channel), the
   * scalar mixes of ReZero and gated skips ({@code alpha (x + c) = alpha x + alpha c}), max pooling
   * (the maximum of shifted values is the shifted maximum; DL4J's max pool skips padded cells
   * rather than reading zeros, measured), average pooling without padding (DL4J's padded average
   * divides by the cells inside the input, which would commute too, but PyTorch's default counts
   * the padding and then the border windows mix the constant with zeros, so a padded average keeps
   * the bias), nearest-neighbour upsampling, global average pooling, the last step of a sequence
   * and the identity. Dropout does so in expectation only; the reference implementations (Wide
   * ResNet) drop that bias too. Not in the list: every nonlinearity, weighted ops (a padded
   * convolution turns a constant into a border pattern), stochastic depth (per example it keeps or
   * drops the constant, which a batch mean cannot remove), channel scaling (squeeze-excitation
   * multiplies by an input-dependent factor), layer norm (it removes a shift shared by all
   * channels, not one per channel).
   */
  private static boolean passesBiasThrough(GraphOp op) {
    return op instanceof GraphOp.Add
        || op instanceof GraphOp.ZeroPad
        || op instanceof GraphOp.Merge
        || op instanceof GraphOp.Dropout
        || op instanceof GraphOp.Scale
        || op instanceof GraphOp.GatedSkip
        || op instanceof GraphOp.Upsample
        || op instanceof GraphOp.GlobalAvgPool
        || op instanceof GraphOp.LastStep
        || (op instanceof GraphOp.Activation a && a.fn() == Nonlinearity.IDENTITY)
        || (op instanceof GraphOp.Pool p && (p.max() || p.padding() == 0));
  }

  /**
   * Whether every path from each vertex reaches a batch norm through ops that pass a bias through.
   * Computed for all vertices at once, last first (the order is topological, so every reader is
   * decided before what it reads): no recursion, so ten thousand blocks in a row of sums cannot
   * overflow the stack.
   */
  private static Map<String, Boolean> normalisedVertices(
      List<Graph.Section> sections, Map<String, List<Vertex>> consumers) {
    List<Vertex> all = new ArrayList<>();
    for (Graph.Section section : sections) {
      for (Graph.BlockRun run : section.blocks()) {
        all.addAll(run.vertices());
      }
    }
    Map<String, Boolean> normalised = new HashMap<>();
    for (int i = all.size() - 1; i >= 0; i--) {
      String name = all.get(i).name();
      List<Vertex> readers = consumers.getOrDefault(name, List.of());
      boolean ok = !readers.isEmpty();
      for (Vertex reader : readers) {
        ok &=
            reader.op() instanceof GraphOp.BatchNorm
                || (passesBiasThrough(reader.op())
                    && normalised.getOrDefault(reader.name(), false));
      }
      normalised.put(name, ok);
    }
    return normalised;
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
      boolean notes)
      throws ShapeUnknown {
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
      String how;
      if (block.connection() instanceof Connection.Residual r) {
        ShortcutKind kind = stage.shortcut() != null ? stage.shortcut() : r.shortcut();
        Context context =
            new Context(width, stride, dilation, r.preActivation() ? Order.PRE : Order.POST, site);
        String[] used = new String[1];
        // Huang et al. 2016's linear decay: p_l = 1 - l / L * (1 - p_L), over the trunk's blocks.
        double survival =
            notes && residualBlocks > 0
                ? 1.0 - (double) ++residualSeen / residualBlocks * (1.0 - finalSurvival)
                : 1.0;
        flow = residual(block, blockPath, flow, context, kind, sink, used, survival);
        how = used[0] + " shortcut";
      } else if (block.connection() instanceof Connection.Dense d) {
        int growth = width > 0 ? width : d.growthRate();
        flow =
            dense(
                block,
                blockPath,
                flow,
                new Context(growth, stride, dilation, Order.PRE, site),
                sink);
        how = "growth " + (flow.shape().channels() - before.shape().channels());
      } else if (block.connection() instanceof Connection.ShakeShake) {
        ShortcutKind kind = stage.shortcut() != null ? stage.shortcut() : ShortcutKind.PROJECTION;
        String[] used = new String[1];
        flow =
            shakeShake(
                block,
                blockPath,
                flow,
                new Context(width, stride, dilation, Order.ACT_FIRST, site),
                kind,
                sink,
                used);
        how = used[0] + " shortcut";
      } else if (block.connection() instanceof Connection.Sequential) {
        int base = width > 0 ? width : flow.shape().channels();
        flow =
            branch(
                block,
                blockPath,
                flow,
                new Context(base, stride, dilation, Order.POST, site),
                sink,
                null);
        how = "sequential";
      } else {
        Connection.Highway h = (Connection.Highway) block.connection();
        int base = width > 0 ? width : flow.shape().channels();
        flow =
            highway(
                block,
                h,
                blockPath,
                flow,
                new Context(base, stride, dilation, Order.POST, site),
                sink);
        how = "highway gate";
      }
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
                  + how
              : null;
      runs.add(new Graph.BlockRun(note, sink));
      blockInputChannels = outerBlockInput;
    }
    return flow;
  }

  /** The block's fields in order, starting from {@code x}. */
  private Flow branch(
      Block block, String path, Flow x, Context context, List<Vertex> sink, Flow[] preActivated)
      throws ShapeUnknown {
    Flow flow = x;
    List<Step> body = block.body();
    for (int i = 0; i < body.size(); i++) {
      Step step = body.get(i);
      String stepPath = path + "." + step.name();
      if (step instanceof LayerStep layer) {
        if (preActivated != null
            && i == 0
            && (layer.batchNorm() != null || layer.activation() != null)) {
          // The first unit's BN-ReLU is shared with a projection shortcut (He et al. 2016).
          flow = normAndActivation(layer, stepPath, flow, sink);
          preActivated[0] = flow;
          flow = dropout(layer, stepPath, weight(layer, stepPath, flow, context, sink, true), sink);
        } else {
          flow = layer(layer, stepPath, flow, context, sink);
        }
      } else {
        StageStep nested = (StageStep) step;
        List<Graph.BlockRun> runs = new ArrayList<>();
        flow = stage(nested, stepPath, flow, nested.origin(), context.baseWidth(), runs, false);
        runs.forEach(r -> sink.addAll(r.vertices()));
      }
    }
    return flow;
  }

  private Flow residual(
      Block block,
      String path,
      Flow x,
      Context context,
      ShortcutKind kind,
      List<Vertex> sink,
      String[] used,
      double survival)
      throws ShapeUnknown {
    Connection.Residual residual = (Connection.Residual) block.connection();
    Flow[] preActivated = new Flow[1];
    Flow f = branch(block, path, x, context, sink, context.preActivation() ? preActivated : null);
    if (residual.squeezeExcite() != null) {
      f = squeezeExcite(path, f, residual.squeezeExcite(), context, sink);
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
      used[0] = "no";
      // The block's own choice of what follows the sum holds without the sum too: IDENTITY keeps a
      // linear bottleneck linear (MobileNetV2), pre-activation blocks have nothing after it.
      if (context.preActivation() || residual.sumActivation() == Nonlinearity.IDENTITY) {
        return f;
      }
      return activation(path, f, residual.sumActivation(), sink);
    }
    Flow shortcut =
        shortcut(
            path, x, preActivated[0] == null ? x : preActivated[0], f, kind, context, sink, used);
    String add = path + ".add";
    switch (residual.mix().kind()) {
      case SUM ->
          sink.add(
              new Vertex(
                  add, new GraphOp.Add(), List.of(f.vertex(), shortcut.vertex()), f.shape(), 0, 0));
      case REZERO -> {
        String scale = path + ".rezero";
        sink.add(new Vertex(scale, new GraphOp.Scale(0.0), List.of(f.vertex()), f.shape(), 1, 1));
        sink.add(
            new Vertex(add, new GraphOp.Add(), List.of(scale, shortcut.vertex()), f.shape(), 0, 0));
      }
      case GATED -> {
        add = path + ".gate";
        sink.add(
            new Vertex(
                add,
                new GraphOp.GatedSkip(residual.mix().init()),
                List.of(shortcut.vertex(), f.vertex()),
                f.shape(),
                1,
                1));
      }
    }
    if (context.preActivation() || residual.sumActivation() == Nonlinearity.IDENTITY) {
      return new Flow(add, f.shape());
    }
    return activation(path, new Flow(add, f.shape()), residual.sumActivation(), sink);
  }

  /** Two copies of the branch, mixed by a Shake-Shake vertex, plus the shortcut; nothing after. */
  private Flow shakeShake(
      Block block,
      String path,
      Flow x,
      Context context,
      ShortcutKind kind,
      List<Vertex> sink,
      String[] used)
      throws ShapeUnknown {
    Flow a = branch(block, path + ".branch1", x, context, sink, null);
    Flow b = branch(block, path + ".branch2", x, context, sink, null);
    String shake = path + ".shake";
    sink.add(
        new Vertex(
            shake, new GraphOp.ShakeShake(), List.of(a.vertex(), b.vertex()), a.shape(), 0, 0));
    Flow f = new Flow(shake, a.shape());
    if (kind == ShortcutKind.IDENTITY_OR_NONE) {
      kind = f.shape().equals(x.shape()) ? ShortcutKind.IDENTITY : ShortcutKind.NONE;
    }
    if (kind == ShortcutKind.NONE) {
      used[0] = "no";
      return f;
    }
    Context postNorm =
        new Context(
            context.baseWidth(),
            context.stageStride(),
            context.stageDilation(),
            Order.POST,
            context.site());
    Flow shortcut = shortcut(path, x, x, f, kind, postNorm, sink, used);
    String add = path + ".add";
    sink.add(
        new Vertex(
            add, new GraphOp.Add(), List.of(f.vertex(), shortcut.vertex()), f.shape(), 0, 0));
    return new Flow(add, f.shape());
  }

  /** Global pool, reduce, ReLU, expand, sigmoid, then the branch scaled channel by channel. */
  private Flow squeezeExcite(
      String path, Flow f, Connection.SqueezeExciteSpec se, Context context, List<Vertex> sink)
      throws ShapeUnknown {
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
  private Flow dense(Block block, String path, Flow x, Context context, List<Vertex> sink)
      throws ShapeUnknown {
    Flow f = branch(block, path, x, context, sink, null);
    Shape in = x.shape();
    Shape out = f.shape();
    if (!sameExtent(in, out)) {
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
      Block block, Connection.Highway gate, String path, Flow x, Context context, List<Vertex> sink)
      throws ShapeUnknown {
    Flow h = branch(block, path, x, context, sink, null);
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

  private Flow shortcut(
      String path,
      Flow x,
      Flow activated,
      Flow f,
      ShortcutKind kind,
      Context context,
      List<Vertex> sink,
      String[] used) {
    Shape from = x.shape();
    Shape to = f.shape();
    if (from.equals(to)) {
      used[0] = "identity";
      return x;
    }
    Origin site = context.site();
    switch (kind) {
      case IDENTITY -> {
        report(Message.IDENTITY_SHORTCUT.at(site, path, from, to));
        used[0] = "identity";
        return x;
      }
      case ZERO_PAD -> {
        used[0] = "zero-pad";
        if (!from.isImage() || !to.isImage()) {
          report(Message.ZERO_PAD_FLAT.at(site, path, from, to));
          return x;
        }
        if (to.channels() < from.channels()) {
          report(Message.ZERO_PAD_SHRINKS.at(site, path, from, to));
          return x;
        }
        int stride = strideBetween(from, to);
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
      case NONE -> throw new AssertionError("a block without shortcut has no shortcut vertex");
      case PROJECTION, AUTO -> {
        used[0] = "projection";
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
        int stride = strideBetween(from, to);
        if (stride < 0) {
          report(Message.SHORTCUT_STRIDE.at(site, path, from, to));
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
    }
    throw new AssertionError(kind);
  }

  /** The stride s with ceil(from / s) == to in height and width (or length), or -1. */
  static int strideBetween(Shape from, Shape to) {
    if (from.isSequence() != to.isSequence()) {
      return -1;
    }
    if (from.isSequence()) {
      for (int s = 1; s <= from.length(); s++) {
        if (ceilDiv(from.length(), s) == to.length()) {
          return s;
        }
      }
      return -1;
    }
    for (int s = 1; s <= Math.max(from.height(), from.width()); s++) {
      if (ceilDiv(from.height(), s) == to.height() && ceilDiv(from.width(), s) == to.width()) {
        return s;
      }
    }
    return -1;
  }

  /** Same height and width, or same length, or both flat. */
  private static boolean sameExtent(Shape a, Shape b) {
    return a.height() == b.height() && a.width() == b.width() && a.length() == b.length();
  }

  private static int ceilDiv(int a, int b) {
    return (a + b - 1) / b;
  }

  // ---------------------------------------------------------------- layers

  /** A layer field in post- or pre-activation order, as its context says. */
  private Flow layer(LayerStep layer, String path, Flow in, Context context, List<Vertex> sink)
      throws ShapeUnknown {
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
        && (!foldActivation || layer.weight() == null || !canFold(layer.weight()))) {
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

  /** Whether the DL4J layer for this op carries its own activation. */
  private static boolean canFold(Op op) {
    return op instanceof Op.Conv || op instanceof Op.Dense;
  }

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
      boolean activationElsewhere)
      throws ShapeUnknown {
    Op op = layer.weight();
    if (op == null) {
      return in;
    }
    Shape shape = in.shape();
    Nonlinearity folded =
        activationElsewhere || layer.activation() == null
            ? Nonlinearity.IDENTITY
            : layer.activation();
    if (op instanceof Op.Conv c && shape.isSequence()) {
      return conv1d(layer, c, path, in, context, sink, folded);
    } else if (op instanceof Op.Dense d && shape.isSequence()) {
      int nOut =
          d.units() > 0
              ? d.units()
              : size(
                  (long) Math.max(d.width(), 1) * context.baseWidth(), d.origin(), path, "units");
      refuseSequenceOutput(layer, path, shape);
      long params = (long) shape.channels() * nOut + nOut;
      Shape out = shape.withChannels(nOut);
      sink.add(
          new Vertex(
              path,
              new GraphOp.Conv1d(1, 1, 0, 1, false, shape.channels(), nOut, true, folded, true),
              List.of(in.vertex()),
              out,
              params,
              params));
      return new Flow(path, out);
    } else if (op instanceof Op.SelfAttention a) {
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
      long params = 4L * c * c;
      sink.add(
          new Vertex(
              path,
              new GraphOp.SelfAttention(c, a.heads()),
              List.of(in.vertex()),
              shape,
              params,
              params));
      return new Flow(path, shape);
    } else if (op instanceof Op.PositionEmbedding e) {
      requireSequence(e.origin(), path, "PositionEmbedding", shape);
      long params = (long) shape.channels() * shape.length();
      sink.add(
          new Vertex(
              path,
              new GraphOp.PositionEmbedding(shape.channels(), shape.length()),
              List.of(in.vertex()),
              shape,
              params,
              params));
      return new Flow(path, shape);
    } else if (op instanceof Op.LastStep l) {
      requireSequence(l.origin(), path, "LastStep", shape);
      Shape out = Shape.flat(shape.channels());
      sink.add(new Vertex(path, new GraphOp.LastStep(), List.of(in.vertex()), out, 0, 0));
      lastSteps.put(path, new LastStepSite(l.origin(), trunkSite));
      return new Flow(path, out);
    } else if (op instanceof Op.Conv c) {
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
      boolean bias = c.bias(); // and then until dropNormalisedBiases sees what reads it
      long params =
          (long) c.kernel() * c.kernel() * (shape.channels() / groups) * nOut + (bias ? nOut : 0);
      Shape out = spatial.withChannels(nOut);
      sink.add(
          new Vertex(
              path,
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
              List.of(in.vertex()),
              out,
              params,
              params));
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
      return new Flow(path, out);
    } else if (op instanceof Op.Pool p) {
      requireFeatureMap(p.origin(), path, p.max() ? "MaxPool" : "AvgPool", shape);
      int stride =
          p.stride() == Layer.STAGE
              ? context.stageStride()
              : p.stride() == 0 ? p.kernel() : p.stride();
      int padding = p.padding() == -1 ? (p.kernel() - 1) / 2 : p.padding();
      Shape out = window(p.origin(), path, shape, p.kernel(), stride, padding);
      sink.add(
          new Vertex(
              path,
              new GraphOp.Pool(p.max(), p.kernel(), stride, padding),
              List.of(in.vertex()),
              out,
              0,
              0));
      return new Flow(path, out);
    } else if (op instanceof Op.Concat c) {
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
    } else if (op instanceof Op.TransposedConv t) {
      requireFeatureMap(t.origin(), path, "TransposedConv", shape);
      int h =
          size(
              (long) t.stride() * (shape.height() - 1) + t.kernel() - 2L * t.padding(),
              t.origin(),
              path,
              "height");
      int w =
          size(
              (long) t.stride() * (shape.width() - 1) + t.kernel() - 2L * t.padding(),
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
      Shape out = Shape.image(nOut, h, w);
      sink.add(
          new Vertex(
              path,
              new GraphOp.TransposedConv(
                  t.kernel(), t.stride(), t.padding(), shape.channels(), nOut, true, folded),
              List.of(in.vertex()),
              out,
              params,
              params));
      return new Flow(path, out);
    } else if (op instanceof Op.Upsample u) {
      requireFeatureMap(u.origin(), path, "Upsample", shape);
      Shape out =
          Shape.image(
              shape.channels(),
              size((long) shape.height() * u.scale(), u.origin(), path, "height"),
              size((long) shape.width() * u.scale(), u.origin(), path, "width"));
      sink.add(new Vertex(path, new GraphOp.Upsample(u.scale()), List.of(in.vertex()), out, 0, 0));
      return new Flow(path, out);
    } else if (op instanceof Op.Transition t) {
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
    } else if (op instanceof Op.GlobalAvgPool g) {
      if (shape.isFlat()) {
        report(Message.NEEDS_FEATURE_MAP.at(g.origin(), path, "GlobalAvgPool", shape));
        throw new ShapeUnknown();
      }
      Shape out = Shape.flat(shape.channels());
      sink.add(new Vertex(path, new GraphOp.GlobalAvgPool(), List.of(in.vertex()), out, 0, 0));
      return new Flow(path, out);
    } else if (op instanceof Op.Dense d) {
      int nIn = (int) shape.size();
      int nOut =
          d.units() > 0
              ? d.units()
              : size(
                  (long) Math.max(d.width(), 1) * context.baseWidth(), d.origin(), path, "units");
      long params = (long) nIn * nOut + nOut;
      Shape out = Shape.flat(nOut);
      GraphOp graphOp =
          layer.output() == null
              ? new GraphOp.Dense(nIn, nOut, folded)
              : new GraphOp.Output(nIn, nOut, outputActivation(layer), layer.output().loss());
      sink.add(new Vertex(path, graphOp, List.of(in.vertex()), out, params, params));
      return new Flow(path, out);
    }
    throw new AssertionError(op);
  }

  /** The earlier trunk output {@code @Concat} names, or a problem that says what it names. */
  private Flow concatSource(Op.Concat c, String path) throws ShapeUnknown {
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

  private void requireFeatureMap(Origin at, String path, String annotation, Shape shape)
      throws ShapeUnknown {
    if (!shape.isImage()) {
      report(Message.NEEDS_FEATURE_MAP.at(at, path, annotation, shape));
      throw new ShapeUnknown();
    }
  }

  /** Outputs are per example or per pixel; a sequence must be reduced to a vector first. */
  private void refuseSequenceOutput(LayerStep layer, String path, Shape shape) throws ShapeUnknown {
    if (layer.output() != null) {
      report(Message.SEQUENCE_OUTPUT.at(layer.output().origin(), path, shape));
      throw new ShapeUnknown();
    }
  }

  private void requireSequence(Origin at, String path, String annotation, Shape shape)
      throws ShapeUnknown {
    if (!shape.isSequence()) {
      report(Message.NEEDS_SEQUENCE.at(at, path, annotation, shape));
      throw new ShapeUnknown();
    }
  }

  /**
   * A convolution over time: {@code @Conv} on a sequence. Causal convolutions pad {@code (k - 1) d}
   * on the left only, so the output keeps the length at stride 1 and step t sees no later step.
   */
  private Flow conv1d(
      LayerStep layer,
      Op.Conv c,
      String path,
      Flow in,
      Context context,
      List<Vertex> sink,
      Nonlinearity folded)
      throws ShapeUnknown {
    Shape shape = in.shape();
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
      length = ceilDiv(shape.length(), stride);
    } else {
      padding = c.padding() == -1 ? (span - 1) / 2 : c.padding();
      if (shape.length() + 2 * padding < span) {
        report(
            Message.KERNEL_TOO_LARGE.at(
                c.origin().attribute("kernel"), path, span, shape, padding));
        throw new ShapeUnknown();
      }
      length = (shape.length() + 2 * padding - span) / stride + 1;
    }
    int nOut = c.filters() > 0 ? c.filters() : Math.max(c.width(), 1) * context.baseWidth();
    long params = (long) c.kernel() * shape.channels() * nOut + (c.bias() ? nOut : 0);
    Shape out = Shape.sequence(nOut, length);
    sink.add(
        new Vertex(
            path,
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
            List.of(in.vertex()),
            out,
            params,
            params));
    return new Flow(path, out);
  }

  /** Height and width after a square window: floor((in + 2p - k) / s) + 1. */
  private Shape window(Origin at, String path, Shape in, int kernel, int stride, int padding)
      throws ShapeUnknown {
    if (in.height() + 2 * padding < kernel || in.width() + 2 * padding < kernel) {
      report(Message.KERNEL_TOO_LARGE.at(at.attribute("kernel"), path, kernel, in, padding));
      throw new ShapeUnknown();
    }
    int h = (in.height() + 2 * padding - kernel) / stride + 1;
    int w = (in.width() + 2 * padding - kernel) / stride + 1;
    return Shape.image(in.channels(), h, w);
  }

  private void report(Problem problem) {
    problems.add(trunkSite == null ? problem : problem.withSite(trunkSite));
  }

  private static String describeLayer(LayerStep layer, Shape in) {
    StringBuilder s = new StringBuilder();
    if (layer.weight() != null) {
      Op op = layer.weight();
      if (op instanceof Op.Conv c && in.isSequence()) {
        s.append("conv1d ").append(c.kernel()).append(c.causal() ? " causal" : "");
      } else if (op instanceof Op.Dense && in.isSequence()) {
        s.append("dense per step");
      } else if (op instanceof Op.SelfAttention a) {
        s.append("self-attention ").append(a.heads()).append(" heads");
      } else if (op instanceof Op.PositionEmbedding) {
        s.append("position embedding");
      } else if (op instanceof Op.LastStep) {
        s.append("last step");
      } else if (op instanceof Op.Conv c) {
        s.append("conv ").append(c.kernel()).append("x").append(c.kernel());
      } else if (op instanceof Op.Pool p) {
        s.append(p.max() ? "maxpool " : "avgpool ")
            .append(p.kernel())
            .append("x")
            .append(p.kernel());
      } else if (op instanceof Op.GlobalAvgPool) {
        s.append("global avgpool");
      } else if (op instanceof Op.Concat c) {
        s.append("concat ").append(c.from());
      } else if (op instanceof Op.TransposedConv t) {
        s.append("transposed conv ").append(t.kernel()).append("x").append(t.kernel());
      } else if (op instanceof Op.Upsample u) {
        s.append("upsample x").append(u.scale());
      } else if (op instanceof Op.Transition t) {
        s.append("transition ").append(t.compression());
      } else {
        s.append(layer.output() != null ? "output" : "dense");
      }
    }
    if (layer.batchNorm() != null) {
      s.append(s.isEmpty() ? "" : ", ").append("batchnorm");
    }
    if (layer.activation() != null) {
      s.append(s.isEmpty() ? "" : ", ").append(layer.activation().name().toLowerCase(Locale.ROOT));
    }
    return s.toString();
  }
}
