package org.skipwire.processor.shape;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.skipwire.Layer;
import org.skipwire.Nonlinearity;
import org.skipwire.ShortcutKind;
import org.skipwire.processor.diag.Message;
import org.skipwire.processor.diag.Problem;
import org.skipwire.processor.model.Block;
import org.skipwire.processor.model.Connection;
import org.skipwire.processor.model.LayerStep;
import org.skipwire.processor.model.Network;
import org.skipwire.processor.model.Op;
import org.skipwire.processor.model.Origin;
import org.skipwire.processor.model.StageStep;
import org.skipwire.processor.model.Step;

/**
 * Annotations and values that the DSL accepts but that would change nothing where they stand: a
 * user who writes them means something the network would silently not do, so each is an error that
 * says what to do instead. Values out of range are {@link StaticCheck}'s; this pass sees only
 * values that are in range.
 */
final class NoEffectCheck implements DeclarationPass {

  @Override
  public List<Problem> check(Network network) {
    Run run = new Run();
    if (network.stochasticDepth() != null) {
      run.stochasticDepth(network);
    }
    network.trunk().forEach(run::step);
    return List.copyOf(run.problems);
  }

  /** Which of a stage's values a block's layers take: {@code stride} or {@code dilation}. */
  private record StageUse(boolean stride, boolean dilation) {
    static final StageUse NONE = new StageUse(false, false);

    StageUse or(StageUse other) {
      return new StageUse(stride || other.stride, dilation || other.dilation);
    }
  }

  /** What an op takes from its stage. */
  private static final Op.Visitor<StageUse> STAGE_USE =
      new Op.Visitor<>() {
        @Override
        public StageUse visitConv(Op.Conv c) {
          return new StageUse(c.stride() == Layer.STAGE, c.dilation() == Layer.STAGE);
        }

        @Override
        public StageUse visitPool(Op.Pool p) {
          return new StageUse(p.stride() == Layer.STAGE, false);
        }

        @Override
        public StageUse visitSelfAttention(Op.SelfAttention op) {
          return StageUse.NONE;
        }

        @Override
        public StageUse visitPositionEmbedding(Op.PositionEmbedding op) {
          return StageUse.NONE;
        }

        @Override
        public StageUse visitLastStep(Op.LastStep op) {
          return StageUse.NONE;
        }

        @Override
        public StageUse visitConcat(Op.Concat op) {
          return StageUse.NONE;
        }

        @Override
        public StageUse visitTransposedConv(Op.TransposedConv op) {
          return StageUse.NONE;
        }

        @Override
        public StageUse visitUpsample(Op.Upsample op) {
          return StageUse.NONE;
        }

        @Override
        public StageUse visitGlobalAvgPool(Op.GlobalAvgPool op) {
          return StageUse.NONE;
        }

        @Override
        public StageUse visitTransition(Op.Transition op) {
          return StageUse.NONE;
        }

        @Override
        public StageUse visitDense(Op.Dense op) {
          return StageUse.NONE;
        }
      };

  /** Whether a block is joined with a shortcut that a stage's {@code @Shortcut} could choose. */
  private static final Connection.Visitor<Boolean> HAS_SHORTCUT =
      new Connection.Visitor<>() {
        @Override
        public Boolean visitResidual(Connection.Residual it) {
          return true;
        }

        @Override
        public Boolean visitShakeShake(Connection.ShakeShake it) {
          return true;
        }

        @Override
        public Boolean visitSequential(Connection.Sequential it) {
          return false;
        }

        @Override
        public Boolean visitDense(Connection.Dense it) {
          return false;
        }

        @Override
        public Boolean visitHighway(Connection.Highway it) {
          return false;
        }
      };

  /** One network's checking: its problems, and the block types checked already. */
  private static final class Run {
    private final List<Problem> problems = new ArrayList<>();
    private final Set<String> checkedBlocks = new HashSet<>();

    void stochasticDepth(Network network) {
      Network.StochasticDepthSpec depth = network.stochasticDepth();
      boolean residual = false;
      for (Step step : network.trunk()) {
        residual |=
            step instanceof StageStep s && s.block().connection() instanceof Connection.Residual;
      }
      if (!residual) {
        problems.add(Message.NO_EFFECT_STOCHASTIC_DEPTH.at(depth.origin(), network.simpleName()));
      } else if (depth.finalSurvival() == 1.0) {
        problems.add(
            Message.NO_EFFECT_SURVIVAL.at(
                depth.origin().attribute("finalSurvival"), network.simpleName()));
      }
    }

    void step(Step step) {
      step.accept(
          new Step.Visitor<Void>() {
            @Override
            public Void visitLayer(LayerStep layer) {
              layer(layer);
              return null;
            }

            @Override
            public Void visitStage(StageStep stage) {
              stage(stage);
              return null;
            }
          });
    }

    private void layer(LayerStep layer) {
      String name = layer.name();
      if (layer.dropout() != null && layer.dropout().rate() == 0) {
        problems.add(
            Message.NO_EFFECT_DROPOUT.at(layer.dropout().origin().attribute("value"), name));
      }
      if (layer.activation() == Nonlinearity.IDENTITY && layer.output() == null) {
        problems.add(Message.NO_EFFECT_IDENTITY.at(layer.activationOrigin(), name));
      }
      if (layer.weight() instanceof Op.Upsample u && u.scale() == 1) {
        problems.add(Message.NO_EFFECT_UPSAMPLE.at(u.origin().attribute("scale"), name));
      }
      if (layer.weight() instanceof Op.Pool p
          && p.kernel() == 1
          && (p.stride() == 0 || p.stride() == 1)
          && (p.padding() == -1 || p.padding() == 0)) {
        problems.add(
            Message.NO_EFFECT_POOL.at(
                p.origin().attribute("kernel"), name, p.max() ? "MaxPool" : "AvgPool"));
      }
    }

    private void stage(StageStep stage) {
      Block block = stage.block();
      StageUse use = StageUse.NONE;
      for (Step inner : block.body()) {
        if (inner instanceof LayerStep l && l.weight() != null) {
          use = use.or(l.weight().accept(STAGE_USE));
        }
      }
      if (stage.stride() > 1 && !use.stride()) {
        problems.add(
            Message.NO_EFFECT_STAGE_STRIDE.at(
                stage.stageOrigin().attribute("stride"),
                stage.name(),
                stage.stride(),
                block.simpleName()));
      }
      if (stage.dilationGrowth() > 1) {
        Origin at = stage.stageOrigin().attribute("dilationGrowth");
        if (!use.dilation()) {
          problems.add(
              Message.NO_EFFECT_DILATION_GROWTH.at(
                  at, stage.name(), stage.dilationGrowth(), block.simpleName()));
        } else if (stage.blocks() == 1) {
          problems.add(
              Message.NO_EFFECT_ONE_BLOCK_DILATION.at(at, stage.name(), stage.dilationGrowth()));
        }
      }
      boolean shortcut = block.connection().accept(HAS_SHORTCUT);
      if (stage.shortcut() != null && !shortcut) {
        problems.add(
            Message.NO_EFFECT_STAGE_SHORTCUT.at(stage.origin(), stage.name(), block.simpleName()));
      }
      if (block.connection() instanceof Connection.Residual r) {
        ShortcutKind kind = stage.shortcut() != null ? stage.shortcut() : r.shortcut();
        if (kind == ShortcutKind.NONE && r.mix().kind() != Connection.Mix.Kind.SUM) {
          problems.add(
              Message.NO_EFFECT_MIX.at(
                  r.mix().origin(),
                  block.simpleName(),
                  r.mix().kind() == Connection.Mix.Kind.REZERO ? "ReZero" : "GatedSkip"));
        }
      }
      if (checkedBlocks.add(block.qualifiedName())) {
        if (block.connection() instanceof Connection.Residual r
            && r.preActivation()
            && r.sumActivation() != Nonlinearity.RELU) {
          problems.add(
              Message.NO_EFFECT_PRE_ACTIVATION.at(
                  block.origin().attribute("activation"), block.simpleName(), r.sumActivation()));
        }
        block.body().forEach(this::step);
      }
    }
  }
}
