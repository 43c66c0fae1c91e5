package org.skipwire.samples.cli;

import org.skipwire.runtime.weights.NamingConvention;
import org.skipwire.runtime.weights.TorchvisionNames;

/** Which torchvision names the zoo's networks follow, for export. */
final class ZooNames {
  private ZooNames() {}

  static NamingConvention forModel(String model) {
    if (model.startsWith("densenet") && !model.startsWith("densenet-bc")) {
      return TorchvisionNames.DENSENET;
    }
    if (model.matches(
        "resnet\\d+|wide-resnet50-2|resnext50-32x4d|cifar-resnet\\d+-(b|gn)|fashion-resnet")) {
      return TorchvisionNames.RESNET;
    }
    if (model.equals("mobilenet-v2")) {
      return TorchvisionNames.MOBILENET_V2;
    }
    return NamingConvention.SKIPWIRE;
  }
}
