package org.skipwire.runtime.weights;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Loads a state_dict into a graph: every tensor the graph declares is matched by key, type and
 * shape against the file before any value is copied, and the first problem (a missing key, an
 * unexpected key, a shape that differs, a type that is not floating point) is one line naming the
 * key and both shapes:
 *
 * <pre>
 * resnet50.pth: layer3.0.conv1.weight: file has [256, 512, 1, 1], resnet50 declares [256, 1024, 1, 1]
 * </pre>
 *
 * If reading fails halfway (a file changed under us), the graph's parameters are put back as they
 * were: a load either happens completely or not at all. Batch norm's {@code num_batches_tracked}
 * counters are ignored.
 *
 * <pre>{@code
 * ComputationGraph net = Models.byName("resnet50").create();
 * try (WeightsFile file = WeightsFile.open(Path.of("resnet50.pth"))) {
 *   new WeightLoader("resnet50", TorchvisionNames.RESNET).load(net, file);
 * }
 * }</pre>
 */
public final class WeightLoader {
  private final String model;
  private final NamingConvention names;
  private boolean newHead;

  /**
   * @param model the network's name, for messages
   * @param names how the graph's vertices are named in the file
   */
  public WeightLoader(String model, NamingConvention names) {
    this.model = Objects.requireNonNull(model, "model");
    this.names = Objects.requireNonNull(names, "names");
  }

  /**
   * Keeps the graph's own (freshly initialised) output layer where the file's differs in shape or
   * is missing, instead of refusing: a pretrained trunk with a new head for other classes.
   */
  public WeightLoader newHead(boolean on) {
    this.newHead = on;
    return this;
  }

  /** What a load did. */
  public record Result(int loaded, List<String> reinitialised, String convention) {}

  /**
   * Checks every tensor, then copies them all.
   *
   * @throws WeightsException for the first mismatch; the graph is unchanged
   */
  public Result load(ComputationGraph graph, WeightsFile file) throws WeightsException {
    List<ParamSlot> slots = ParamSlot.of(graph, names);
    Set<String> head = headVertices(graph);
    List<String> problems = new ArrayList<>();
    Map<String, String> reinit = new LinkedHashMap<>();
    List<ParamSlot> toCopy = new ArrayList<>();
    Set<String> declared = new HashSet<>();
    Map<String, TensorInfo> tensors = file.tensors();
    for (ParamSlot s : slots) {
      declared.add(s.key());
      TensorInfo t = tensors.get(s.key());
      boolean isHead = head.contains(s.vertex());
      if (t == null) {
        if (newHead && isHead) {
          reinit.putIfAbsent(s.vertex(), s.vertex() + " (not in the file)");
        } else {
          problems.add(
              s.key()
                  + ": missing from the file; "
                  + model
                  + " declares "
                  + s.shapeText()
                  + hint(tensors));
        }
        continue;
      }
      if (!t.shape().equals(s.shape())) {
        if (newHead && isHead) {
          reinit.putIfAbsent(
              s.vertex(),
              s.vertex()
                  + " (file has "
                  + t.shapeText()
                  + ", "
                  + model
                  + " declares "
                  + s.shapeText()
                  + ")");
        } else {
          problems.add(
              s.key()
                  + ": file has "
                  + t.shapeText()
                  + ", "
                  + model
                  + " declares "
                  + s.shapeText()
                  + (isHead ? "; to train a new output layer, use --new-head" : ""));
        }
        continue;
      }
      if (!t.dtype().floating()) {
        problems.add(s.key() + ": dtype " + t.dtype() + " is not floating point");
        continue;
      }
      toCopy.add(s);
    }
    for (TensorInfo t : tensors.values()) {
      if (!declared.contains(t.name()) && !ignored(t.name())) {
        problems.add(
            SafetensorsFile.printable(t.name())
                + ": in the file ("
                + t.dtype()
                + " "
                + t.shapeText()
                + ") but "
                + model
                + " has no such parameter under the "
                + names
                + " names");
      }
    }
    if (!problems.isEmpty()) {
      String more = problems.size() > 1 ? " (and " + (problems.size() - 1) + " more problems)" : "";
      throw new WeightsException(file.source(), problems.get(0) + more);
    }
    // A slot of a head vertex being re-initialised stays as the graph initialised it, all of them.
    toCopy.removeIf(s -> reinit.containsKey(s.vertex()));
    INDArray params = graph.params();
    INDArray before = params.dup();
    try {
      for (ParamSlot s : toCopy) {
        s.copyIn(file.readFloats(s.key()));
      }
    } catch (WeightsException | RuntimeException e) {
      params.assign(before);
      throw e;
    }
    return new Result(toCopy.size(), List.copyOf(reinit.values()), names.name());
  }

  /** Keys a state_dict holds that are no parameter: batch norm's update counter. */
  static boolean ignored(String key) {
    return key.endsWith(".num_batches_tracked") || key.equals("num_batches_tracked");
  }

  /** The output layers: the vertices a new head replaces. */
  static Set<String> headVertices(ComputationGraph graph) {
    return new HashSet<>(graph.getConfiguration().getNetworkOutputs());
  }

  private static String hint(Map<String, TensorInfo> tensors) {
    return tensors.isEmpty()
        ? "; the file holds no tensors"
        : "; the file's keys look like "
            + SafetensorsFile.printable(tensors.keySet().iterator().next());
  }

  /**
   * The known convention ({@link TorchvisionNames#KNOWN}) under which the most of the graph's keys
   * are in the file: the one to try when the user names none.
   */
  public static NamingConvention detect(ComputationGraph graph, WeightsFile file) {
    NamingConvention best = NamingConvention.SKIPWIRE;
    long bestHits = -1;
    for (NamingConvention c : TorchvisionNames.KNOWN) {
      long hits =
          ParamSlot.of(graph, c).stream().filter(s -> file.tensors().containsKey(s.key())).count();
      if (hits > bestHits) {
        best = c;
        bestHits = hits;
      }
    }
    return best;
  }
}
