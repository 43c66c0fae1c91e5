package org.skipwire.processor.diag;

import java.util.Locale;
import org.skipwire.processor.model.Origin;

/**
 * Every message the processor prints, in one place. Texts read like javac's: lower case, no final
 * period, the shapes involved, then the fix. Each starts with a bracketed id that tests and docs
 * quote.
 */
public enum Message {
  IDENTITY_SHORTCUT(
      "identity-shortcut",
      "%s: identity shortcut cannot carry %s to %s; use @Shortcut(PROJECTION) or ZERO_PAD"),
  ZERO_PAD_SHRINKS(
      "zero-pad-shrinks",
      "%s: zero-pad shortcut cannot carry %s to %s: it cannot drop channels; use"
          + " @Shortcut(PROJECTION)"),
  ZERO_PAD_FLAT(
      "zero-pad-flat",
      "%s: zero-pad shortcut needs image feature maps, not %s to %s; use @Shortcut(PROJECTION)"),
  SHORTCUT_STRIDE(
      "shortcut-stride",
      "%s: no shortcut can carry %s to %s: the height and width do not shrink by one whole stride"),
  KERNEL_TOO_LARGE(
      "kernel-too-large", "%s: kernel %d is larger than its padded input %s (padding %d)"),
  NEEDS_FEATURE_MAP(
      "needs-feature-map", "%s: @%s needs a feature map [channels, height, width], got %s"),
  NEEDS_SEQUENCE(
      "needs-sequence",
      "%s: @%s needs a sequence [channels, length], got %s; declare @Input(channels = c, length ="
          + " t)"),
  ATTENTION_HEADS(
      "attention-heads",
      "%s: %d attention heads cannot split the %d channels of %s; the channels must divide by the"
          + " heads"),
  RECEPTIVE_FIELD(
      "receptive-field",
      "%s: @LastStep sees only the last %d of the %d input steps (the receptive field of the layers"
          + " before it); add blocks, a larger kernel or faster dilation growth, or declare"
          + " @Input(length = %d)"),
  CAUSAL_PADDING(
      "causal-padding",
      "%s: a causal convolution pads (kernel - 1) x dilation = %d steps on the left by itself;"
          + " remove padding = %d"),
  WIDTH_AND_FILTERS("width-and-filters", "%s: @%s sets both width = %d and %s = %d; keep one"),
  WIDTH_OUTSIDE_BLOCK(
      "width-outside-block",
      "%s: width = %d is a multiple of a block's base width, and the trunk has none; use %s = n"),
  EXPANSION_OUTSIDE_BLOCK(
      "expansion-outside-block",
      "%s: expansion = %d multiplies a block's input channels, and the trunk has no block; use"
          + " filters = n"),
  MISSING_SIZE("missing-size", "%s: @%s on the trunk needs %s = n"),
  NO_OUTPUT(
      "no-output", "network %s has no @Output step; end the trunk with @Dense(units = n) @Output"),
  OUTPUT_NOT_LAST(
      "output-not-last", "%s: @Output must be the last step of the trunk; %s follows it"),
  OUTPUT_NEEDS_DENSE(
      "output-needs-dense",
      "%s: @Output needs @Dense(units = n), or @Conv(filters = n) for per-pixel output, on the same"
          + " field"),
  OUTPUT_IN_BLOCK(
      "output-in-block", "%s: @Output belongs on the network's last field, not in block %s"),
  DENSE_SPATIAL(
      "dense-spatial",
      "%s: a dense unit must keep its input's height and width, but its branch maps %s to %s"),
  HIGHWAY_SHAPE(
      "highway-shape",
      "%s: a highway body must keep its input's shape, but maps %s to %s; the gate mixes H(x) with"
          + " x"),
  TRANSITION_EMPTY(
      "transition-empty",
      "%s: compression %s keeps floor(%s x %d) = %d channels; a transition must keep at least one"),
  MISSING_WIDTH("missing-width", "%s: @Stage of block %s needs width = w, the stage's channels"),
  TWO_CONNECTIONS(
      "two-connections", "block %s has both @%s and @%s; a block connects its branch one way"),
  GROUPS(
      "groups",
      "%s: a convolution from %s to %s cannot have %d groups: both channel counts must divide by"
          + " it"),
  NORM_GROUPS(
      "norm-groups",
      "%s: group norm cannot split the %d channels of %s into %d groups; the channels must divide"
          + " by the groups (%s)"),
  SE_REDUCTION(
      "se-reduction",
      "%s: squeeze-excitation reduction %d leaves no channel of %s; use at most its channels"),
  CONCAT_SOURCE("concat-source", "%s: @Concat(from = \"%s\") names no earlier step%s"),
  CONCAT_LATER(
      "concat-later",
      "%s: @Concat(from = \"%s\") names a step that comes later; only earlier outputs exist yet"),
  CONCAT_SHAPE("concat-shape", "%s: cannot concatenate %s from %s to %s: height and width differ"),
  CONCAT_IN_BLOCK(
      "concat-in-block",
      "%s: @Concat names trunk steps and belongs on a field of the network, not of block %s"),
  BLOCK_CYCLE("block-cycle", "block %s contains itself: %s"),
  CLASS_ONLY("misplaced", "@%s applies to classes; %s is %s"),
  BLOCK_FIELD_ONLY("misplaced", "@%s applies to block fields; %s is a Layer"),
  LAYER_FIELD_ONLY("misplaced", "@%s applies to Layer fields; %s is a %s stage"),
  RESIDUAL_ONLY("misplaced", "@%s applies to @ResidualBlock classes; %s is not a @ResidualBlock"),
  NETWORK_ONLY("misplaced", "@%s applies to @Network classes; %s is not a @Network"),
  SHORTCUT_PLACE(
      "misplaced",
      "@Shortcut applies to @ResidualBlock classes and their stage fields; %s is not a"
          + " @ResidualBlock"),
  STATIC_FIELD("misplaced", "@%s applies to instance fields; static field %s is not a step"),
  FIELD_OWNER("misplaced", "@%s applies to fields of a @Network or block class; %s is neither"),
  TWO_NORMS("misplaced", "@%s and @%s both normalise %s; keep one"),
  DROPOUT_ON_OUTPUT(
      "misplaced", "@Dropout cannot share a field with @Output; put it on the field before"),
  BATCH_NORM_ON_OUTPUT(
      "misplaced",
      "@%s cannot share a field with @Output; the output layer is the network's last op"),
  TRANSITION_NORM("misplaced", "@Transition runs its own batch norm and ReLU; remove @%s from %s"),
  GATED_AND_REZERO("misplaced", "@GatedSkip and @ReZero both scale the branch of %s; keep one"),
  HIGHWAY_SEQUENCE(
      "misplaced", "%s: a highway gate mixes feature maps or flat vectors, not the sequence %s"),
  GROUPED_DILATED(
      "misplaced", "%s: a grouped convolution cannot also be dilated; keep one of the two"),
  SEQUENCE_OUTPUT(
      "misplaced",
      "%s: @Output on a sequence %s is not supported; reduce it first with @LastStep or"
          + " @GlobalAvgPool"),
  SEQUENCE_GROUPS("misplaced", "%s: groups apply to 2-D convolutions, not to the sequence %s"),
  NOT_A_STEP(
      "not-a-step",
      "%s: field type %s is neither Layer nor a @ResidualBlock class; make it a Layer or a block"
          + " stage, or make it static"),
  BLOCK_NEEDS_STAGE("block-needs-stage", "%s: a %s field needs @Stage(blocks = n, width = w)"),
  EMPTY_STEP(
      "empty-step",
      "%s: a Layer field needs @Conv, @Dense, @MaxPool, @AvgPool, @GlobalAvgPool, @BatchNorm or"
          + " @Activation"),
  TWO_OPS("two-ops", "%s: one field holds one op, found @%s and @%s; split them into two fields"),
  EMPTY_BLOCK("empty-block", "block %s has no steps; its branch needs at least one layer"),
  EMPTY_NETWORK("empty-network", "network %s has no steps"),
  OUT_OF_RANGE("out-of-range", "%s: %s = %s %s"),
  STAGE_STRIDE_OUTSIDE_BLOCK(
      "stage-stride", "%s: %s = STAGE needs an enclosing @Stage; give a number"),
  BAD_NAME("bad-name", "network name \"%s\" %s"),
  DUPLICATE_NAME("duplicate-name", "network name \"%s\" is also used by %s"),
  VARIANT_VALUES(
      "variant-values",
      "@Variant(name = \"%s\") gives %d %s for the %d stages with %s = VARIANT; give one per"
          + " stage"),
  VARIANT_MISSING(
      "variant-missing",
      "%s: %s = VARIANT needs @Variant on network %s to give each member's value; give a number"),
  VARIANT_IN_BLOCK(
      "variant-in-block",
      "%s: %s = VARIANT belongs on a stage of the network; block %s is the same in every member"),
  VARIANT_UNUSED("variant-unused", "@Variant(name = \"%s\") sets %s, but %s; remove it"),
  VARIANT_CLASS("variant-class", "@Variant(name = \"%s\"): className \"%s\" %s"),
  FAMILY_NAME(
      "family-name",
      "@Network(name = \"%s\") has no effect on a family: each @Variant names its member; remove"
          + " it"),
  UNRESOLVED(
      "unresolved-type",
      "network %s is not generated: {%s} does not resolve after the last round; fix the error javac"
          + " reports there"),
  GRAPH_CLASS_TAKEN(
      "graph-class-taken",
      "cannot write %s for network %s: %s; rename the network class or the other type"),
  OUTPUT_ACTIVATION(
      "output-activation",
      "%s: loss %s needs the output activation %s, got %s (DL4J refuses the pair); %s"),
  SOFTMAX_ONE_OUTPUT(
      "softmax-one-output",
      "%s: softmax over one output is always 1.0 (DL4J refuses it); use 2 %s or more, or"
          + " @Activation(SIGMOID) @Output(loss = XENT) for one yes/no output"),
  VERTEX_NAME(
      "vertex-name",
      "%s: DL4J vertex name \"%s\" is %s, and DL4J refuses the graph; rename the field %s"),
  TOO_LARGE("too-large", "%s: %s = %s is larger than the limit %,d; %s"),
  NO_EFFECT_DROPOUT(
      "no-effect",
      "%s: @Dropout(0) has no effect: it drops nothing; give a rate in (0, 1), or remove it"),
  NO_EFFECT_IDENTITY(
      "no-effect",
      "%s: @Activation(IDENTITY) has no effect: the identity changes nothing (it matters only on"
          + " an @Output, in place of the loss's default); remove it"),
  NO_EFFECT_UPSAMPLE(
      "no-effect",
      "%s: @Upsample(scale = 1) has no effect: it keeps the height and width; give a scale of 2"
          + " or more, or remove it"),
  NO_EFFECT_POOL(
      "no-effect",
      "%s: @%s(kernel = 1) at stride 1 without padding has no effect: each window is one value;"
          + " give a larger kernel or stride, or remove it"),
  NO_EFFECT_STAGE_STRIDE(
      "no-effect",
      "%s: @Stage(stride = %d) has no effect: no layer of block %s says stride = STAGE; put"
          + " stride = STAGE on the layer that should stride, or remove it"),
  NO_EFFECT_ONE_BLOCK_DILATION(
      "no-effect",
      "%s: @Stage(dilationGrowth = %d) has no effect: the stage's one block dilates by"
          + " dilationGrowth^0 = 1; give more blocks, or remove it"),
  NO_EFFECT_DILATION_GROWTH(
      "no-effect",
      "%s: @Stage(dilationGrowth = %d) has no effect: no layer of block %s says dilation ="
          + " STAGE; put dilation = STAGE on the layers that should dilate, or remove it"),
  NO_EFFECT_STAGE_SHORTCUT(
      "no-effect",
      "%s: @Shortcut has no effect on a stage of block %s: only @ResidualBlock and @ShakeShake"
          + " blocks have a shortcut; remove it"),
  NO_EFFECT_STOCHASTIC_DEPTH(
      "no-effect",
      "@StochasticDepth has no effect on %s: its trunk has no stage of @ResidualBlock blocks to"
          + " drop; remove it"),
  NO_EFFECT_SURVIVAL(
      "no-effect",
      "@StochasticDepth(finalSurvival = 1.0) has no effect on %s: every block survives; give a"
          + " probability below 1, or remove it"),
  NO_EFFECT_MIX(
      "no-effect",
      "block %s: @%s has no effect with @Shortcut(NONE): there is no shortcut to mix the branch"
          + " with; remove it, or give the block a shortcut"),
  NO_EFFECT_GATE_KERNEL(
      "no-effect",
      "block %s: @HighwayGate(gateKernel = %d) has no effect on flat vectors %s: a dense gate has"
          + " no kernel; remove it"),
  NO_EFFECT_PRE_ACTIVATION(
      "no-effect",
      "block %s: activation = %s has no effect in a pre-activation block: nothing follows its"
          + " sum; remove it, or make the block post-activation"),
  INTERNAL("internal-error", "internal error while processing %s: %s; please report it");

  private final String id;
  private final String format;

  Message(String id, String format) {
    this.id = id;
    this.format = format;
  }

  public String id() {
    return id;
  }

  /** The message text, with its id, for these arguments. */
  public String format(Object... args) {
    return "[skipwire/" + id + "] " + String.format(Locale.ROOT, format, args);
  }

  /** A problem at {@code origin}, also its own site. */
  public Problem at(Origin origin, Object... args) {
    return new Problem(this, format(args), origin, origin);
  }
}
