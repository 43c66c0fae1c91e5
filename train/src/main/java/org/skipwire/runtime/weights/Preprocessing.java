package org.skipwire.runtime.weights;

import java.util.List;
import java.util.Locale;
import org.skipwire.runtime.data.ChannelStats;

/**
 * The input normalisation a set of weights was trained with, recorded beside a run that starts from
 * them. torchvision's ImageNet weights expect {@code (x / 255 - mean) / std} per RGB channel with
 * the constants below; weights of skipwire's own (or of a network with another number of channels)
 * expect the normalisation their own training used, the data's channel statistics.
 *
 * <p>The command line standardises a run's images with these statistics ({@code
 * Dataset#withNormalization}) when it starts from torchvision weights, so the checkpoint records
 * them and prediction repeats them.
 *
 * @param mean per channel, on the 0..1 scale
 * @param std per channel, on the 0..1 scale
 * @param source where the constants come from
 */
public record Preprocessing(List<Double> mean, List<Double> std, String source) {
  /** torchvision's ImageNet constants ({@code transforms.Normalize} in its reference scripts). */
  public static final Preprocessing IMAGENET =
      new Preprocessing(
          ChannelStats.imagenet().mean(), ChannelStats.imagenet().std(), "torchvision ImageNet");

  /**
   * The normalisation weights loaded under {@code names} into a network with {@code channels} input
   * channels expect: ImageNet's for torchvision names on RGB input, otherwise null (the data's own
   * statistics, as the trainer computes them).
   */
  public static Preprocessing expectedBy(NamingConvention names, int channels) {
    boolean torchvision =
        names == TorchvisionNames.RESNET
            || names == TorchvisionNames.DENSENET
            || names == TorchvisionNames.MOBILENET_V2;
    return torchvision && channels == 3 ? IMAGENET : null;
  }

  /** As JSON: {@code {"mean": [...], "std": [...], "source": "..."}}. */
  public String json() {
    return String.format(
        Locale.ROOT, "{\"mean\": %s, \"std\": %s, \"source\": \"%s\"}", mean, std, source);
  }
}
