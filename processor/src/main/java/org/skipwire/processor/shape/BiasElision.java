package org.skipwire.processor.shape;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.skipwire.Nonlinearity;
import org.skipwire.processor.model.Graph;
import org.skipwire.processor.model.GraphOp;
import org.skipwire.processor.model.Vertex;

/**
 * Removes the bias of every convolution whose output reaches batch norm on every path: the norm
 * subtracts the per-channel batch mean, so a per-channel constant added before it can never change
 * the network's output (training or inference, where the running mean absorbs it). The bias
 * survives the path only through ops that commute with a per-channel shift, {@code op(x + c) =
 * op(x) + c'} with {@code c'} again constant per channel; see {@link #PASSES_BIAS}. Every other
 * reader (an activation, a convolution, a dense layer, layer norm, an output) keeps it. This is the
 * rule the reference implementations follow (conv then BN, pre-activation units, a pre-activation
 * stem feeding both a unit's BN and its identity shortcut, a stem whose max pool feeds
 * pre-activation units). A rewrite only: it never reports.
 */
final class BiasElision implements GraphPass {

  @Override
  public Outcome run(Lowered lowered) {
    Graph graph = lowered.graph();
    Map<String, List<Vertex>> consumers = new HashMap<>();
    for (Vertex v : graph.vertices()) {
      for (String input : v.inputs()) {
        consumers.computeIfAbsent(input, k -> new ArrayList<>()).add(v);
      }
    }
    Map<String, Boolean> normalised = normalisedVertices(graph.vertices(), consumers);
    List<Graph.Section> sections = new ArrayList<>();
    for (Graph.Section section : graph.sections()) {
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
      sections.add(
          new Graph.Section(section.step(), section.summary(), section.in(), section.out(), runs));
    }
    return Outcome.clean(lowered.with(new Graph(graph.network(), sections, graph.output())));
  }

  /**
   * Whether every path from each vertex reaches a batch norm through ops that pass a bias through.
   * Computed for all vertices at once, last first (the order is topological, so every reader is
   * decided before what it reads): no recursion, so ten thousand blocks in a row of sums cannot
   * overflow the stack.
   */
  private static Map<String, Boolean> normalisedVertices(
      List<Vertex> all, Map<String, List<Vertex>> consumers) {
    Map<String, Boolean> normalised = new HashMap<>();
    for (int i = all.size() - 1; i >= 0; i--) {
      String name = all.get(i).name();
      List<Vertex> readers = consumers.getOrDefault(name, List.of());
      boolean ok = !readers.isEmpty();
      for (Vertex reader : readers) {
        ok &=
            reader.op() instanceof GraphOp.BatchNorm
                || (reader.op().accept(PASSES_BIAS)
                    && normalised.getOrDefault(reader.name(), false));
      }
      normalised.put(name, ok);
    }
    return normalised;
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
   * ResNet) drop that bias too. Not: every nonlinearity, weighted ops (a padded convolution turns a
   * constant into a border pattern), stochastic depth (per example it keeps or drops the constant,
   * which a batch mean cannot remove), channel scaling (squeeze-excitation multiplies by an
   * input-dependent factor), layer norm (it removes a shift shared by all channels, not one per
   * channel), batch norm itself (a reader that ends the path, handled above), outputs.
   */
  static final GraphOp.Visitor<Boolean> PASSES_BIAS =
      new GraphOp.Visitor<>() {
        @Override
        public Boolean visitAdd(GraphOp.Add op) {
          return true;
        }

        @Override
        public Boolean visitZeroPad(GraphOp.ZeroPad op) {
          return true;
        }

        @Override
        public Boolean visitMerge(GraphOp.Merge op) {
          return true;
        }

        @Override
        public Boolean visitDropout(GraphOp.Dropout op) {
          return true;
        }

        @Override
        public Boolean visitScale(GraphOp.Scale op) {
          return true;
        }

        @Override
        public Boolean visitGatedSkip(GraphOp.GatedSkip op) {
          return true;
        }

        @Override
        public Boolean visitUpsample(GraphOp.Upsample op) {
          return true;
        }

        @Override
        public Boolean visitGlobalAvgPool(GraphOp.GlobalAvgPool op) {
          return true;
        }

        @Override
        public Boolean visitLastStep(GraphOp.LastStep op) {
          return true;
        }

        @Override
        public Boolean visitActivation(GraphOp.Activation op) {
          return op.fn() == Nonlinearity.IDENTITY;
        }

        @Override
        public Boolean visitPool(GraphOp.Pool op) {
          return op.max() || op.padding() == 0;
        }

        @Override
        public Boolean visitConv(GraphOp.Conv op) {
          return false;
        }

        @Override
        public Boolean visitConv1d(GraphOp.Conv1d op) {
          return false;
        }

        @Override
        public Boolean visitSelfAttention(GraphOp.SelfAttention op) {
          return false;
        }

        @Override
        public Boolean visitPositionEmbedding(GraphOp.PositionEmbedding op) {
          return false;
        }

        @Override
        public Boolean visitTransposedConv(GraphOp.TransposedConv op) {
          return false;
        }

        @Override
        public Boolean visitPixelOutput(GraphOp.PixelOutput op) {
          return false;
        }

        @Override
        public Boolean visitShakeShake(GraphOp.ShakeShake op) {
          return false;
        }

        @Override
        public Boolean visitDropPath(GraphOp.DropPath op) {
          return false;
        }

        @Override
        public Boolean visitChannelScale(GraphOp.ChannelScale op) {
          return false;
        }

        @Override
        public Boolean visitBatchNorm(GraphOp.BatchNorm op) {
          return false;
        }

        @Override
        public Boolean visitLayerNorm(GraphOp.LayerNorm op) {
          return false;
        }

        @Override
        public Boolean visitGroupNorm(GraphOp.GroupNorm op) {
          // It subtracts a group's mean: a per-channel shift survives it, and reaches no batch
          // norm.
          return false;
        }

        @Override
        public Boolean visitDense(GraphOp.Dense op) {
          return false;
        }

        @Override
        public Boolean visitOutput(GraphOp.Output op) {
          return false;
        }

        @Override
        public Boolean visitHighwayGate(GraphOp.HighwayGate op) {
          return false;
        }
      };
}
