package org.skipwire.processor.shape;

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
final class StaticCheck {
  private final List<Problem> problems;
  private final Set<String> checkedBlocks = new HashSet<>();

  StaticCheck(List<Problem> problems) {
    this.problems = problems;
  }

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
    if (step instanceof LayerStep layer) {
      checkLayer(layer, inBlock);
    } else {
      checkStage((StageStep) step, inBlock);
    }
  }

  private void checkStage(StageStep stage, boolean inBlock) {
    Origin at = stage.stageOrigin();
    if (stage.blocks() < 1) {
      outOfRange(
          at.attribute("blocks"), stage.name(), "blocks", stage.blocks(), "must be at least 1");
    }
    Block block = stage.block();
    if (stage.width() < 0) {
      outOfRange(at.attribute("width"), stage.name(), "width", stage.width(), "must be at least 1");
    } else if (stage.width() == 0
        && !inBlock
        && (block.connection() instanceof Connection.Residual
            || block.connection() instanceof Connection.ShakeShake)) {
      problems.add(Message.MISSING_WIDTH.at(at, stage.name(), block.simpleName()));
    }
    if (stage.widen() < 0) {
      outOfRange(at.attribute("widen"), stage.name(), "widen", stage.widen(), "must be 0 or more");
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
      double gamma = layer.batchNorm().gammaInit();
      if (!Double.isFinite(gamma)) {
        outOfRange(bn.attribute("gammaInit"), name, "gammaInit", gamma, "must be finite");
      }
    }
    if (layer.weight() == null) {
      return;
    }
    Op op = layer.weight();
    if (op instanceof Op.Conv c) {
      Origin at = c.origin();
      atLeast(at, name, "kernel", c.kernel(), 1);
      checkStride(at, name, c.stride(), inBlock, false);
      if (c.padding() < -1) {
        outOfRange(at.attribute("padding"), name, "padding", c.padding(), "must be at least 0");
      }
      checkSize(at, name, "Conv", "filters", c.filters(), c.width(), inBlock || c.expansion() > 0);
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
    } else if (op instanceof Op.SelfAttention a) {
      atLeast(a.origin(), name, "heads", a.heads(), 1);
    } else if (op instanceof Op.Pool p) {
      Origin at = p.origin();
      atLeast(at, name, "kernel", p.kernel(), 1);
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
    } else if (op instanceof Op.Dense d) {
      checkSize(d.origin(), name, "Dense", "units", d.units(), d.width(), inBlock);
    } else if (op instanceof Op.TransposedConv t) {
      atLeast(t.origin(), name, "kernel", t.kernel(), 1);
      atLeast(t.origin(), name, "stride", t.stride(), 1);
      atLeast(t.origin(), name, "padding", t.padding(), 0);
      checkSize(t.origin(), name, "TransposedConv", "filters", t.filters(), t.width(), inBlock);
    } else if (op instanceof Op.Upsample u) {
      atLeast(u.origin(), name, "scale", u.scale(), 1);
    } else if (op instanceof Op.Transition t) {
      if (!(t.compression() > 0 && t.compression() <= 1)) {
        outOfRange(
            t.origin().attribute("compression"),
            name,
            "compression",
            t.compression(),
            "must be in (0, 1]");
      }
    }
  }

  private void checkStride(
      Origin at, String name, int stride, boolean inBlock, boolean zeroAllowed) {
    if (stride == Layer.STAGE) {
      if (!inBlock) {
        problems.add(Message.STAGE_STRIDE_OUTSIDE_BLOCK.at(at.attribute("stride"), name, "stride"));
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

  private void atLeast(Origin at, String name, String attribute, int value, int min) {
    if (value < min) {
      outOfRange(at.attribute(attribute), name, attribute, value, "must be at least " + min);
    }
  }

  private void outOfRange(Origin at, String name, String attribute, Object value, String rule) {
    if (value instanceof Integer i && i == Layer.STAGE) {
      // The user wrote STAGE where it means nothing: say so by name, not as its -1.
      value = "STAGE";
      rule += "; STAGE takes the enclosing stage's value and works only for stride or dilation in a"
          + " block";
    }
    problems.add(Message.OUT_OF_RANGE.at(at, name, attribute, value, rule));
  }
}
