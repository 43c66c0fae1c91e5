package org.skipwire.samples.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import org.skipwire.runtime.SkipwireModel;
import org.skipwire.runtime.train.GraphStart;
import org.skipwire.runtime.weights.Transfer;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code train}'s transfer-learning options: start from weights, new head, freezing, trunk lr. */
final class TransferOptions {
  @Option(
      names = "--weights",
      paramLabel = "FILE",
      description = "start from these weights (.safetensors or torch.save .pth) instead of random ones")
  Path weights;

  @Mixin WeightsOptions keys;

  @Option(
      names = "--new-head",
      description = "re-initialise the output layer where the file's has another shape (other classes)")
  boolean newHead;

  @Option(
      names = "--freeze",
      paramLabel = "trunk|FIELD",
      description =
          "freeze the trunk (every field before the output layer), or FIELD and every field before"
              + " it; frozen batch norms use their running statistics")
  String freeze;

  @Option(
      names = "--trunk-lr-scale",
      paramLabel = "X",
      description = "the trunk's learning rate as a fraction of the head's (default: 1)")
  double trunkLrScale = 1;

  /** The start these options ask for: {@link GraphStart#NONE} without any of them. */
  GraphStart start(SkipwireModel model, PrintStream out) {
    if (weights == null && (newHead || keys.keys != null)) {
      throw new Main.UserError((newHead ? "--new-head" : "--keys") + " needs --weights");
    }
    if (weights == null && freeze == null && trunkLrScale == 1) {
      return GraphStart.NONE;
    }
    try {
      return Transfer.of(model)
          .weights(weights)
          .keys(keys.named())
          .newHead(newHead)
          .freeze(freeze)
          .trunkLrScale(trunkLrScale)
          .out(out);
    } catch (Transfer.Failure e) {
      throw new Main.UserError(e.getMessage());
    }
  }
}
