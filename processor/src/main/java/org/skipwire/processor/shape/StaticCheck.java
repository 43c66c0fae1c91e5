package org.skipwire.processor.shape;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.skipwire.Layer;
import org.skipwire.processor.diag.Message;
import org.skipwire.processor.diag.Problem;
import org.skipwire.processor.model.Block;
import org.skipwire.processor.model.Connection;
import org.skipwire.processor.model.LayerStep;
import org.skipwire.processor.model.Network;
import org.skipwire.processor.model.Op;
import org.skipwire.processor.model.Origin;
import org.skipwire.processor.model.Shape;
import org.skipwire.processor.model.StageStep;
import org.skipwire.processor.model.Step;

/**
 * The checks that need no shapes: values in range, attributes that exclude each other, where the
 * output goes. Each block type is checked once, however often it is used.
 */
final class StaticCheck implements DeclarationPass {

  @Override
  public List<Problem> check(Network network) {
    Run run = new Run();
    run.check(network);
    return List.copyOf(run.problems);
  }

  /** One network's checking: its problems, and the block types checked already. */
  private static final class Run {
    private final List<Problem> problems = new ArrayList<>();
    private final Set<String> checkedBlocks = new HashSet<>();

    void check(Network network) {
      if (network.trunk().isEmpty()) {
        problems.add(Message.EMPTY_NETWORK.at(network.origin(), network.simpleName()));
        return;
      }
      Origin input = network.inputOrigin();
      if (network.input().channels() < 1) {
        outOfRange(
            input.attribute("channels"),
            "@Input",
            "channels",
            network.input().channels(),
            "must be at least 1");
      }
      Shape in = network.input();
      atMost(input, "@Input", "channels", in.channels(), Limits.MAX_SIZE);
      atMost(input, "@Input", "height", in.height(), Limits.MAX_SIZE);
      atMost(input, "@Input", "width", in.width(), Limits.MAX_SIZE);
      atMost(input, "@Input", "length", in.length(), Limits.MAX_SIZE);
      boolean flat = in.height() == 0 && in.width() == 0;
      if (in.length() != 0) {
        if (in.length() < 1) {
          outOfRange(
              input.attribute("length"), "@Input", "length", in.length(), "must be at least 1");
        }
        if (!flat) {
          String attribute = in.height() != 0 ? "height" : "width";
          outOfRange(
              input.attribute(attribute),
              "@Input",
              attribute,
              in.height() != 0 ? in.height() : in.width(),
              "must be 0 for a sequence input: it has channels and a length");
        }
      } else if (!flat && (network.input().height() < 1 || network.input().width() < 1)) {
        outOfRange(
            input.attribute(network.input().height() < 1 ? "height" : "width"),
            "@Input",
            network.input().height() < 1 ? "height" : "width",
            Math.min(network.input().height(), network.input().width()),
            "must be at least 1, or both 0 for a flat input");
      }
      checkOutput(network);
      if (network.stochasticDepth() != null) {
        double p = network.stochasticDepth().finalSurvival();
        if (!(p > 0 && p <= 1)) {
          outOfRange(
              network.stochasticDepth().origin().attribute("finalSurvival"),
              "@StochasticDepth",
              "finalSurvival",
              p,
              "must be in (0, 1]: it is the probability that the last block survives");
        }
      }
      for (Step step : network.trunk()) {
        checkStep(step, false);
      }
      if (problems.isEmpty()) {
        // Fail fast where lowering would build millions of vertices (blocks = Integer.MAX_VALUE,
        // nested stages): the bound is loose, the exact count is checked after lowering.
        long vertices = vertices(network.trunk(), 0, new java.util.HashMap<>());
        if (vertices > 10L * Limits.MAX_VERTICES) {
          problems.add(
              Message.TOO_LARGE.at(
                  network.origin(),
                  network.simpleName(),
                  "vertices",
                  "up to " + (vertices >= Long.MAX_VALUE / 4 ? "2^61" : String.valueOf(vertices)),
                  Limits.MAX_VERTICES,
                  "use fewer blocks"));
        }
      }
    }

    private void checkOutput(Network network) {
      List<Step> trunk = network.trunk();
      Step last = trunk.get(trunk.size() - 1);
      boolean lastIsOutput = last instanceof LayerStep l && l.output() != null;
      for (int i = 0; i < trunk.size() - 1; i++) {
        if (trunk.get(i) instanceof LayerStep l && l.output() != null) {
          problems.add(
              Message.OUTPUT_NOT_LAST.at(l.output().origin(), l.name(), trunk.get(i + 1).name()));
          lastIsOutput = true; // one mistake, one message
        }
      }
      if (!lastIsOutput) {
        problems.add(Message.NO_OUTPUT.at(network.origin(), network.simpleName()));
      }
      for (Step step : trunk) {
        if (step instanceof LayerStep l
            && l.output() != null
            && !(l.weight() instanceof Op.Dense)
            && !(l.weight() instanceof Op.Conv)) {
          problems.add(Message.OUTPUT_NEEDS_DENSE.at(l.output().origin(), l.name()));
        }
      }
    }

    private void checkStep(Step step, boolean inBlock) {
      step.accept(
          new Step.Visitor<Void>() {
            @Override
            public Void visitLayer(LayerStep layer) {
              checkLayer(layer, inBlock);
              return null;
            }

            @Override
            public Void visitStage(StageStep stage) {
              checkStage(stage, inBlock);
              return null;
            }
          });
    }

    private void checkStage(StageStep stage, boolean inBlock) {
      Origin at = stage.stageOrigin();
      if (stage.blocks() < 1) {
        outOfRange(
            at.attribute("blocks"), stage.name(), "blocks", stage.blocks(), "must be at least 1");
      }
      atMost(at, stage.name(), "blocks", stage.blocks(), Limits.MAX_BLOCKS);
      atMost(at, stage.name(), "width", stage.width(), Limits.MAX_SIZE);
      atMost(at, stage.name(), "widen", stage.widen(), Limits.MAX_SIZE);
      atMost(at, stage.name(), "stride", stage.stride(), Limits.MAX_WINDOW);
      if (stage.dilationGrowth() > 1 && stage.blocks() >= 1) {
        // The last block's dilation, growth^(blocks - 1), exactly: it stops once past the bound.
        long dilation = 1;
        for (int i = 1; i < stage.blocks() && dilation <= Limits.MAX_WINDOW; i++) {
          dilation *= stage.dilationGrowth();
        }
        if (dilation > Limits.MAX_WINDOW) {
          problems.add(
              Message.TOO_LARGE.at(
                  at.attribute("dilationGrowth"),
                  stage.name(),
                  "dilationGrowth^(blocks - 1)",
                  "more than " + Limits.MAX_WINDOW,
                  Limits.MAX_WINDOW,
                  "use fewer blocks or a smaller dilationGrowth"));
        }
      }
      Block block = stage.block();
      if (stage.width() < 0) {
        outOfRange(
            at.attribute("width"), stage.name(), "width", stage.width(), "must be at least 1");
      } else if (stage.width() == 0
          && !inBlock
          && (block.connection() instanceof Connection.Residual
              || block.connection() instanceof Connection.ShakeShake)) {
        problems.add(
            Message.MISSING_WIDTH.at(at.attribute("width"), stage.name(), block.simpleName()));
      }
      if (stage.widen() < 0) {
        outOfRange(
            at.attribute("widen"), stage.name(), "widen", stage.widen(), "must be 0 or more");
      }
      if (stage.dilationGrowth() < 1) {
        outOfRange(
            at.attribute("dilationGrowth"),
            stage.name(),
            "dilationGrowth",
            stage.dilationGrowth(),
            "must be at least 1");
      }
      if (stage.stride() < 1) {
        outOfRange(
            at.attribute("stride"), stage.name(), "stride", stage.stride(), "must be at least 1");
      }
      if (checkedBlocks.add(block.qualifiedName())) {
        checkConnection(block);
        if (block.body().isEmpty()) {
          problems.add(Message.EMPTY_BLOCK.at(block.origin(), block.simpleName()));
        }
        for (Step inner : block.body()) {
          if (inner instanceof LayerStep l && l.output() != null) {
            problems.add(
                Message.OUTPUT_IN_BLOCK.at(l.output().origin(), l.name(), block.simpleName()));
          }
          if (inner instanceof LayerStep l && l.weight() instanceof Op.Concat c) {
            problems.add(Message.CONCAT_IN_BLOCK.at(c.origin(), l.name(), block.simpleName()));
          }
          checkStep(inner, true);
        }
      }
    }

    private void checkConnection(Block block) {
      String name = block.simpleName();
      if (block.connection() instanceof Connection.Residual r) {
        if (r.squeezeExcite() != null && r.squeezeExcite().reduction() < 1) {
          outOfRange(
              r.squeezeExcite().origin().attribute("reduction"),
              name,
              "reduction",
              r.squeezeExcite().reduction(),
              "must be at least 1");
        }
        if (r.mix().kind() == Connection.Mix.Kind.GATED && !Double.isFinite(r.mix().init())) {
          outOfRange(
              r.mix().origin().attribute("init"), name, "init", r.mix().init(), "must be finite");
        }
      }
      if (block.connection() instanceof Connection.Dense d) {
        atMost(d.origin(), name, "growthRate", d.growthRate(), Limits.MAX_SIZE);
      }
      if (block.connection() instanceof Connection.Dense d && d.growthRate() < 1) {
        outOfRange(
            d.origin().attribute("growthRate"),
            name,
            "growthRate",
            d.growthRate(),
            "must be at least 1");
      } else if (block.connection() instanceof Connection.Highway h) {
        if (!Double.isFinite(h.gateBias())) {
          outOfRange(
              h.origin().attribute("gateBias"), name, "gateBias", h.gateBias(), "must be finite");
        }
        if (h.gateKernel() < 1 || h.gateKernel() % 2 == 0) {
          outOfRange(
              h.origin().attribute("gateKernel"),
              name,
              "gateKernel",
              h.gateKernel(),
              "must be odd and at least 1, so the gate keeps the height and width");
        }
      }
    }

    private void checkLayer(LayerStep layer, boolean inBlock) {
      String name = layer.name();
      if (layer.dropout() != null) {
        double rate = layer.dropout().rate();
        if (!(rate >= 0 && rate < 1)) {
          outOfRange(
              layer.dropout().origin().attribute("value"),
              name,
              "dropout",
              rate,
              "must be in [0, 1)");
        }
      }
      if (layer.batchNorm() != null) {
        Origin bn = layer.batchNorm().origin();
        double eps = layer.batchNorm().epsilon();
        if (!(eps > 0) || Double.isInfinite(eps)) {
          outOfRange(bn.attribute("epsilon"), name, "epsilon", eps, "must be positive and finite");
        }
        if (layer.batchNorm().group()) {
          atLeast(bn, name, "groups", layer.batchNorm().groups(), 1);
          atMost(bn, name, "groups", layer.batchNorm().groups(), Limits.MAX_SIZE);
        }
        double gamma = layer.batchNorm().gammaInit();
        if (!Double.isFinite(gamma)) {
          outOfRange(bn.attribute("gammaInit"), name, "gammaInit", gamma, "must be finite");
        }
      }
      if (layer.weight() == null) {
        return;
      }
      layer.weight().accept(new Ranges(name, inBlock));
    }

    /** The op's own attributes in range; shapes are not known yet. */
    private final class Ranges implements Op.Visitor<Void> {
      private final String name;
      private final boolean inBlock;

      Ranges(String name, boolean inBlock) {
        this.name = name;
        this.inBlock = inBlock;
      }

      @Override
      public Void visitConv(Op.Conv c) {
        Origin at = c.origin();
        atLeast(at, name, "kernel", c.kernel(), 1);
        checkStride(at, name, c.stride(), inBlock, false);
        if (c.padding() < -1) {
          outOfRange(at.attribute("padding"), name, "padding", c.padding(), "must be at least 0");
        }
        checkSize(
            at, name, "Conv", "filters", c.filters(), c.width(), inBlock || c.expansion() > 0);
        if (c.expansion() < 0) {
          outOfRange(
              at.attribute("expansion"), name, "expansion", c.expansion(), "must be at least 1");
        } else if (c.expansion() > 0) {
          if (c.filters() > 0 || c.width() > 0) {
            outOfRange(
                at.attribute("expansion"),
                name,
                "expansion",
                c.expansion(),
                "excludes " + (c.filters() > 0 ? "filters" : "width") + ": keep one");
          } else if (!inBlock) {
            problems.add(
                Message.EXPANSION_OUTSIDE_BLOCK.at(at.attribute("expansion"), name, c.expansion()));
          }
        }
        if (c.groups() != Layer.DEPTHWISE) {
          atLeast(at, name, "groups", c.groups(), 1);
        }
        atMost(at, name, "kernel", c.kernel(), Limits.MAX_WINDOW);
        atMost(at, name, "stride", c.stride(), Limits.MAX_WINDOW);
        atMost(at, name, "padding", c.padding(), Limits.MAX_WINDOW);
        atMost(at, name, "dilation", c.dilation(), Limits.MAX_WINDOW);
        atMost(at, name, "groups", c.groups(), Limits.MAX_SIZE);
        atMost(at, name, "expansion", c.expansion(), Limits.MAX_SIZE);
        if (c.dilation() == Layer.STAGE) {
          if (!inBlock) {
            problems.add(
                Message.STAGE_STRIDE_OUTSIDE_BLOCK.at(at.attribute("dilation"), name, "dilation"));
          }
        } else if (c.dilation() < 1) {
          outOfRange(
              at.attribute("dilation"),
              name,
              "dilation",
              c.dilation(),
              "must be at least 1, or STAGE");
        }
        if (c.causal() && c.padding() != -1 && c.kernel() >= 1 && c.dilation() >= 1) {
          problems.add(
              Message.CAUSAL_PADDING.at(
                  at.attribute("padding"), name, (c.kernel() - 1) * c.dilation(), c.padding()));
        }
        return null;
      }

      @Override
      public Void visitSelfAttention(Op.SelfAttention a) {
        atLeast(a.origin(), name, "heads", a.heads(), 1);
        atMost(a.origin(), name, "heads", a.heads(), Limits.MAX_SIZE);
        return null;
      }

      @Override
      public Void visitPositionEmbedding(Op.PositionEmbedding op) {
        // no attribute with a range
        return null;
      }

      @Override
      public Void visitLastStep(Op.LastStep op) {
        // no attribute with a range
        return null;
      }

      @Override
      public Void visitPool(Op.Pool p) {
        Origin at = p.origin();
        atLeast(at, name, "kernel", p.kernel(), 1);
        atMost(at, name, "kernel", p.kernel(), Limits.MAX_WINDOW);
        atMost(at, name, "stride", p.stride(), Limits.MAX_WINDOW);
        checkStride(at, name, p.stride(), inBlock, true);
        if (p.padding() < -1) {
          outOfRange(at.attribute("padding"), name, "padding", p.padding(), "must be at least 0");
        } else if (p.padding() > 0 && p.padding() * 2 >= p.kernel() + 1) {
          outOfRange(
              at.attribute("padding"),
              name,
              "padding",
              p.padding(),
              "must be at most half the kernel ("
                  + p.kernel()
                  + "): a window may not lie in the padding");
        }
        return null;
      }

      @Override
      public Void visitConcat(Op.Concat op) {
        // no attribute with a range
        return null;
      }

      @Override
      public Void visitTransposedConv(Op.TransposedConv t) {
        atLeast(t.origin(), name, "kernel", t.kernel(), 1);
        atLeast(t.origin(), name, "stride", t.stride(), 1);
        atLeast(t.origin(), name, "padding", t.padding(), 0);
        atMost(t.origin(), name, "kernel", t.kernel(), Limits.MAX_WINDOW);
        atMost(t.origin(), name, "stride", t.stride(), Limits.MAX_WINDOW);
        atMost(t.origin(), name, "padding", t.padding(), Limits.MAX_WINDOW);
        checkSize(t.origin(), name, "TransposedConv", "filters", t.filters(), t.width(), inBlock);
        return null;
      }

      @Override
      public Void visitUpsample(Op.Upsample u) {
        atLeast(u.origin(), name, "scale", u.scale(), 1);
        atMost(u.origin(), name, "scale", u.scale(), Limits.MAX_WINDOW);
        return null;
      }

      @Override
      public Void visitGlobalAvgPool(Op.GlobalAvgPool op) {
        // no attribute with a range
        return null;
      }

      @Override
      public Void visitTransition(Op.Transition t) {
        if (!(t.compression() > 0 && t.compression() <= 1)) {
          outOfRange(
              t.origin().attribute("compression"),
              name,
              "compression",
              t.compression(),
              "must be in (0, 1]");
        }
        return null;
      }

      @Override
      public Void visitDense(Op.Dense d) {
        checkSize(d.origin(), name, "Dense", "units", d.units(), d.width(), inBlock);
        return null;
      }
    }

    private void checkStride(
        Origin at, String name, int stride, boolean inBlock, boolean zeroAllowed) {
      if (stride == Layer.STAGE) {
        if (!inBlock) {
          problems.add(
              Message.STAGE_STRIDE_OUTSIDE_BLOCK.at(at.attribute("stride"), name, "stride"));
        }
      } else if (stride < (zeroAllowed ? 0 : 1)) {
        outOfRange(at.attribute("stride"), name, "stride", stride, "must be at least 1, or STAGE");
      }
    }

    private void checkSize(
        Origin at,
        String name,
        String annotation,
        String absolute,
        int size,
        int width,
        boolean inBlock) {
      if (size < 0) {
        outOfRange(at.attribute(absolute), name, absolute, size, "must be at least 1");
      }
      atMost(at, name, absolute, size, Limits.MAX_SIZE);
      atMost(at, name, "width", width, Limits.MAX_WIDTH_FACTOR);
      if (width < 0) {
        outOfRange(at.attribute("width"), name, "width", width, "must be at least 1");
      }
      if (size > 0 && width > 0) {
        problems.add(
            Message.WIDTH_AND_FILTERS.at(
                at.attribute("width"), name, annotation, width, absolute, size));
      } else if (!inBlock && width > 0) {
        problems.add(Message.WIDTH_OUTSIDE_BLOCK.at(at.attribute("width"), name, width, absolute));
      } else if (!inBlock && size == 0) {
        problems.add(Message.MISSING_SIZE.at(at, name, annotation, absolute));
      }
    }

    /** {@code [skipwire/too-large]} when {@code value} is past {@code limit}. */
    private void atMost(Origin at, String name, String attribute, long value, long limit) {
      if (value > limit) {
        problems.add(
            Message.TOO_LARGE.at(
                at.attribute(attribute), name, attribute, value, limit, "no network needs more"));
      }
    }

    /**
     * An upper bound on the vertices the steps lower to, in saturating arithmetic so that {@code
     * blocks = Integer.MAX_VALUE} nested twice stays a number: each field lowers to at most 8
     * vertices (weight, norm, activation, dropout, shortcut, merge ...), each block adds at most 16
     * of its own.
     */
    private static long vertices(
        java.util.List<Step> steps, int depth, java.util.Map<String, Long> blocks) {
      long total = 0;
      for (Step step : steps) {
        long n;
        if (step instanceof StageStep stage) {
          // A block that contains itself is its own error; a bounded depth keeps this finite.
          Long known = blocks.get(stage.block().qualifiedName());
          long body =
              known != null
                  ? known
                  : depth > 64 ? 16 : vertices(stage.block().body(), depth + 1, blocks) + 16;
          blocks.put(stage.block().qualifiedName(), body);
          n = saturatingMultiply(Math.max(stage.blocks(), 1), body);
        } else {
          n = 8;
        }
        total = Math.min(Long.MAX_VALUE / 4, total + n);
      }
      return total;
    }

    private static long saturatingMultiply(long a, long b) {
      try {
        return Math.min(Long.MAX_VALUE / 4, Math.multiplyExact(a, b));
      } catch (ArithmeticException e) {
        return Long.MAX_VALUE / 4;
      }
    }

    private void atLeast(Origin at, String name, String attribute, int value, int min) {
      if (value < min) {
        outOfRange(at.attribute(attribute), name, attribute, value, "must be at least " + min);
      }
    }

    private void outOfRange(Origin at, String name, String attribute, Object value, String rule) {
      if (value instanceof Integer i && i == Layer.STAGE) {
        // The user wrote STAGE where it means nothing: say so by name, not as its -1.
        value = "STAGE";
        rule +=
            "; STAGE takes the enclosing stage's value and works only for stride or dilation in a"
                + " block";
      }
      problems.add(Message.OUT_OF_RANGE.at(at, name, attribute, value, rule));
    }
  }
}
