package org.skipwire.runtime.weights;

import java.util.List;

/**
 * The state_dict keys of torchvision's families for skipwire declarations written the way the zoo
 * writes them (stem, stages, blocks named after their torchvision fields).
 */
public final class TorchvisionNames {
  private TorchvisionNames() {}

  /**
   * torchvision's {@code ResNet} (resnet18 ... 152, {@code resnext50_32x4d}, {@code
   * wide_resnet50_2}) and CIFAR ResNets written in its style: {@code stem} is {@code conv1} /
   * {@code bn1}; stage {@code conv2 ... conv5} is {@code layer1 ... layer4} (a stage named {@code
   * stageN} is {@code layerN}); block {@code bK} is {@code K}; a block's {@code convN.bn} is {@code
   * bnN}; its projection shortcut is {@code downsample.0} and {@code downsample.1}; {@code fc}
   * stays. A group norm ({@code .gn}) stands where the batch norm would, as torchvision's {@code
   * ResNet(norm_layer = lambda c: nn.GroupNorm(g, c))} names it.
   */
  public static final NamingConvention RESNET =
      NamingConvention.named("torchvision-resnet")
          .rename("^stem\\.[bg]n$", "bn1")
          .rename("^stem$", "conv1")
          .rename("^conv(\\d+)\\.b(\\d+)\\.", "layer{1-1}.{2}.")
          .rename("^stage(\\d+)\\.b(\\d+)\\.", "layer{1}.{2}.")
          .rename("\\.conv(\\d+)\\.[bg]n$", ".bn{1}")
          .rename("\\.shortcut\\.[bg]n$", ".downsample.1")
          .rename("\\.shortcut$", ".downsample.0")
          .build();

  /**
   * torchvision's {@code DenseNet} (densenet121, 169, 201): everything but the classifier under
   * {@code features}; {@code stem} is {@code conv0} / {@code norm0}; unit {@code blockN.bK} is
   * {@code denseblockN.denselayer(K+1)} with {@code bottleneck} as {@code norm1} / {@code conv1}
   * and {@code conv} as {@code norm2} / {@code conv2}; {@code transitionN} is {@code
   * transitionN.norm} / {@code .conv}; {@code norm5} stays; {@code classifier} stays.
   */
  public static final NamingConvention DENSENET =
      NamingConvention.named("torchvision-densenet")
          .rename("^stem\\.bn$", "features.norm0")
          .rename("^stem$", "features.conv0")
          .rename(
              "^block(\\d+)\\.b(\\d+)\\.bottleneck\\.bn$",
              "features.denseblock{1}.denselayer{2+1}.norm1")
          .rename(
              "^block(\\d+)\\.b(\\d+)\\.bottleneck$",
              "features.denseblock{1}.denselayer{2+1}.conv1")
          .rename(
              "^block(\\d+)\\.b(\\d+)\\.conv\\.bn$", "features.denseblock{1}.denselayer{2+1}.norm2")
          .rename("^block(\\d+)\\.b(\\d+)\\.conv$", "features.denseblock{1}.denselayer{2+1}.conv2")
          .rename("^transition(\\d+)\\.bn$", "features.transition{1}.norm")
          .rename("^transition(\\d+)$", "features.transition{1}.conv")
          .rename("^norm5\\.bn$", "features.norm5")
          .build();

  /**
   * torchvision's {@code MobileNetV2} ({@code mobilenet_v2}): stage {@code featuresN} holds its
   * blocks {@code features.N}, {@code N + 1}, ..., so block {@code bK} is {@code features.(N+K)}
   * (one rule per stage of the zoo's table, since a template shifts by constants only); a block's
   * {@code convM} is {@code conv.M.0} and its batch norm {@code conv.M.1}, except the linear
   * projection that ends it ({@code conv2} of an inverted residual, {@code conv1} of {@code
   * features1}'s depthwise-separable block), a bare convolution {@code conv.M} followed by its
   * batch norm {@code conv.(M+1)}; {@code features0} and {@code features18} are {@code
   * features.0.0} / {@code .1} and {@code features.18.0} / {@code .1}; {@code classifier} is {@code
   * classifier.1} (after torchvision's dropout, {@code classifier.0}).
   */
  public static final NamingConvention MOBILENET_V2 =
      NamingConvention.named("torchvision-mobilenet-v2")
          .rename("^features(0|18)\\.bn$", "features.{1}.1")
          .rename("^features(0|18)$", "features.{1}.0")
          .rename("^classifier$", "classifier.1")
          .rename("^(features1\\.b\\d+)\\.conv1\\.bn$", "{1}.conv.2")
          .rename("^(features1\\.b\\d+)\\.conv1$", "{1}.conv.1")
          .rename("^(features\\d+\\.b\\d+)\\.conv2\\.bn$", "{1}.conv.3")
          .rename("^(features\\d+\\.b\\d+)\\.conv2$", "{1}.conv.2")
          .rename("^(features\\d+\\.b\\d+)\\.conv(\\d)\\.bn$", "{1}.conv.{2}.1")
          .rename("^(features\\d+\\.b\\d+)\\.conv(\\d)$", "{1}.conv.{2}.0")
          .rename("^features1\\.b(\\d+)\\.", "features.{1+1}.")
          .rename("^features2\\.b(\\d+)\\.", "features.{1+2}.")
          .rename("^features4\\.b(\\d+)\\.", "features.{1+4}.")
          .rename("^features7\\.b(\\d+)\\.", "features.{1+7}.")
          .rename("^features11\\.b(\\d+)\\.", "features.{1+11}.")
          .rename("^features14\\.b(\\d+)\\.", "features.{1+14}.")
          .rename("^features17\\.b(\\d+)\\.", "features.{1+17}.")
          .build();

  /** The conventions the command line tries, in order, when none is named. */
  public static final List<NamingConvention> KNOWN =
      List.of(NamingConvention.SKIPWIRE, RESNET, DENSENET, MOBILENET_V2);

  /** The convention called {@code name}, or null. */
  public static NamingConvention byName(String name) {
    return KNOWN.stream().filter(c -> c.name().equals(name)).findFirst().orElse(null);
  }
}
