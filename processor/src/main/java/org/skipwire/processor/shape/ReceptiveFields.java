package org.skipwire.processor.shape;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.skipwire.processor.diag.Message;
import org.skipwire.processor.diag.Problem;
import org.skipwire.processor.model.GraphOp;
import org.skipwire.processor.model.Vertex;

/**
 * Checks that each {@code @LastStep} sees the whole input sequence: walking the vertices in order,
 * a vertex's look-back is how many input steps before the last one its last output step depends on
 * (a causal convolution adds {@code (k - 1) d} times the steps per output step so far; attention
 * and global pooling see everything).
 */
final class ReceptiveFields implements GraphPass {

  /**
   * What the last output step of a vertex depends on.
   *
   * @param back input steps before the last one
   * @param jump input steps per output step
   */
  private record Reach(long back, long jump) {}

  private static final Reach START = new Reach(0, 1);

  @Override
  public Outcome run(Lowered lowered) {
    if (lowered.lastSteps().isEmpty()) {
      return Outcome.clean(lowered);
    }
    int length = lowered.graph().network().input().length();
    List<Problem> problems = new ArrayList<>();
    Map<String, Reach> reach = new HashMap<>();
    reach.put("input", START);
    for (Vertex v : lowered.graph().vertices()) {
      long back = 0;
      long jump = 1;
      for (String input : v.inputs()) {
        Reach r = reach.getOrDefault(input, START);
        back = Math.max(back, r.back());
        jump = Math.max(jump, r.jump());
      }
      Reach through = v.op().accept(new Through(new Reach(back, jump), length));
      back = Math.min(through.back(), length);
      reach.put(v.name(), new Reach(back, through.jump()));
      Lowered.Site site = lowered.lastSteps().get(v.name());
      if (site != null && back + 1 < length) {
        Problem problem =
            Message.RECEPTIVE_FIELD.at(site.origin(), v.name(), back + 1, length, back + 1);
        problems.add(site.trunkSite() == null ? problem : problem.withSite(site.trunkSite()));
      }
    }
    return new Outcome(lowered, problems);
  }

  /** What an op makes of the reach of its inputs. */
  private record Through(Reach in, int length) implements GraphOp.Visitor<Reach> {
    @Override
    public Reach visitConv1d(GraphOp.Conv1d c) {
      return new Reach(in.back() + (long) c.lookBack() * in.jump(), in.jump() * c.stride());
    }

    @Override
    public Reach visitSelfAttention(GraphOp.SelfAttention op) {
      return new Reach(length, in.jump());
    }

    @Override
    public Reach visitGlobalAvgPool(GraphOp.GlobalAvgPool op) {
      return new Reach(length, in.jump());
    }

    @Override
    public Reach visitConv(GraphOp.Conv op) {
      return in;
    }

    @Override
    public Reach visitPositionEmbedding(GraphOp.PositionEmbedding op) {
      return in;
    }

    @Override
    public Reach visitLastStep(GraphOp.LastStep op) {
      return in;
    }

    @Override
    public Reach visitTransposedConv(GraphOp.TransposedConv op) {
      return in;
    }

    @Override
    public Reach visitUpsample(GraphOp.Upsample op) {
      return in;
    }

    @Override
    public Reach visitPixelOutput(GraphOp.PixelOutput op) {
      return in;
    }

    @Override
    public Reach visitShakeShake(GraphOp.ShakeShake op) {
      return in;
    }

    @Override
    public Reach visitDropout(GraphOp.Dropout op) {
      return in;
    }

    @Override
    public Reach visitDropPath(GraphOp.DropPath op) {
      return in;
    }

    @Override
    public Reach visitChannelScale(GraphOp.ChannelScale op) {
      return in;
    }

    @Override
    public Reach visitScale(GraphOp.Scale op) {
      return in;
    }

    @Override
    public Reach visitGatedSkip(GraphOp.GatedSkip op) {
      return in;
    }

    @Override
    public Reach visitBatchNorm(GraphOp.BatchNorm op) {
      return in;
    }

    @Override
    public Reach visitLayerNorm(GraphOp.LayerNorm op) {
      return in;
    }

    @Override
    public Reach visitGroupNorm(GraphOp.GroupNorm op) {
      return in;
    }

    @Override
    public Reach visitActivation(GraphOp.Activation op) {
      return in;
    }

    @Override
    public Reach visitPool(GraphOp.Pool op) {
      return in;
    }

    @Override
    public Reach visitDense(GraphOp.Dense op) {
      return in;
    }

    @Override
    public Reach visitOutput(GraphOp.Output op) {
      return in;
    }

    @Override
    public Reach visitAdd(GraphOp.Add op) {
      return in;
    }

    @Override
    public Reach visitZeroPad(GraphOp.ZeroPad op) {
      return in;
    }

    @Override
    public Reach visitMerge(GraphOp.Merge op) {
      return in;
    }

    @Override
    public Reach visitHighwayGate(GraphOp.HighwayGate op) {
      return in;
    }
  }
}
