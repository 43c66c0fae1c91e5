package org.skipwire.samples.cli;

import java.nio.file.Path;
import java.util.stream.Collectors;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.skipwire.runtime.weights.NamingConvention;
import org.skipwire.runtime.weights.TorchvisionNames;
import org.skipwire.runtime.weights.WeightLoader;
import org.skipwire.runtime.weights.WeightsException;
import org.skipwire.runtime.weights.WeightsFile;
import picocli.CommandLine.Option;

/** {@code --keys}: which state_dict names a weights file uses, and loading through them. */
final class WeightsOptions {
  @Option(
      names = "--keys",
      paramLabel = "NAMES",
      description =
          "the file's key names: skipwire (vertex names), torchvision-resnet,"
              + " torchvision-densenet or torchvision-mobilenet-v2 (default: whichever matches the"
              + " file best)")
  String keys;

  /** The convention {@code --keys} names, or null for detection. */
  NamingConvention named() {
    if (keys == null) {
      return null;
    }
    NamingConvention c = TorchvisionNames.byName(keys);
    if (c == null) {
      throw new Main.UserError(
          "--keys: unknown names '"
              + keys
              + "'; use one of "
              + TorchvisionNames.KNOWN.stream()
                  .map(NamingConvention::name)
                  .collect(Collectors.joining(", ")));
    }
    return c;
  }

  /** The convention to write under: {@code --keys}, or the model family's torchvision names. */
  NamingConvention forExport(String model) {
    NamingConvention c = named();
    return c != null ? c : ZooNames.forModel(model);
  }

  /**
   * Loads {@code file} into {@code graph}: a usage error of one line, and nothing loaded, for any
   * problem with the file.
   */
  WeightLoader.Result load(ComputationGraph graph, String model, Path file, boolean newHead) {
    try (WeightsFile f = WeightsFile.open(file)) {
      NamingConvention c = named();
      if (c == null) {
        c = WeightLoader.detect(graph, f);
      }
      return new WeightLoader(model, c).newHead(newHead).load(graph, f);
    } catch (WeightsException e) {
      throw new Main.UserError(e.getMessage());
    }
  }
}
