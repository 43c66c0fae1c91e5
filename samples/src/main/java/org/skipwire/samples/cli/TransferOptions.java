package org.skipwire.samples.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.skipwire.runtime.SkipwireModel;
import org.skipwire.runtime.data.ChannelStats;
import org.skipwire.runtime.train.GraphStart;
import org.skipwire.runtime.weights.Preprocessing;
import org.skipwire.runtime.weights.Transfer;
import org.skipwire.runtime.weights.WeightLoader;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code train}'s transfer-learning options: start from weights, new head, freezing, trunk lr. */
final class TransferOptions {
  @Option(
      names = "--weights",
      paramLabel = "FILE",
      description =
          "start from these weights (.safetensors or torch.save .pth) instead of random ones")
  Path weights;

  @Mixin WeightsOptions keys;

  @Option(
      names = "--new-head",
      description =
          "re-initialise the output layer where the file's has another shape (other classes)")
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

  private Transfer transfer;
  private SkipwireModel model;

  /** The start these options ask for: {@link GraphStart#NONE} without any of them. */
  GraphStart start(SkipwireModel model, PrintStream out) {
    if (weights == null && (newHead || keys.keys != null)) {
      throw new Main.UserError((newHead ? "--new-head" : "--keys") + " needs --weights");
    }
    if (weights == null && freeze == null && trunkLrScale == 1) {
      return GraphStart.NONE;
    }
    this.model = model;
    try {
      return transfer =
          Transfer.of(model)
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

  /**
   * The statistics the data is standardised with when the weights expect their own (torchvision's
   * ImageNet mean and std), said on {@code out}; null for the data's own.
   */
  ChannelStats normalization(PrintStream out) {
    Preprocessing p = transfer == null ? null : transfer.preprocessing();
    if (p == null) {
      return null;
    }
    out.println(
        "normalisation: "
            + p.source()
            + " mean "
            + p.mean()
            + ", std "
            + p.std()
            + ", as the weights expect");
    return new ChannelStats(p.mean(), p.std());
  }

  /**
   * Records in {@code dir/pretrained.json} where the run's weights came from and the input
   * normalisation they expect (torchvision's ImageNet mean and std for torchvision names on RGB
   * input); nothing when the run did not start from a weights file.
   */
  void record(Path dir, PrintStream out) {
    if (transfer == null || transfer.loaded() == null || dir == null) {
      return;
    }
    WeightLoader.Result r = transfer.loaded();
    Preprocessing p = transfer.preprocessing();
    String json =
        "{\"weights\": \""
            + weights.toAbsolutePath().toString().replace("\\", "/").replace("\"", "'")
            + "\", \"keys\": \""
            + r.convention()
            + "\", \"tensors\": "
            + r.loaded()
            + ", \"reinitialised\": "
            + quoted(r.reinitialised())
            + ", \"frozen\": "
            + quoted(transfer.frozen())
            + ", \"trunkLrScale\": "
            + trunkLrScale
            + ", \"normalisation\": "
            + (p == null ? "\"the data's own channel statistics\"" : p.json())
            + "}\n";
    try {
      Files.writeString(dir.resolve("pretrained.json"), json);
    } catch (IOException e) {
      out.println(
          "note: " + dir.resolve("pretrained.json") + " not written (" + e.getMessage() + ")");
    }
  }

  private static String quoted(List<String> items) {
    return items.stream()
        .map(s -> "\"" + s.replace("\"", "'") + "\"")
        .collect(Collectors.joining(", ", "[", "]"));
  }
}
