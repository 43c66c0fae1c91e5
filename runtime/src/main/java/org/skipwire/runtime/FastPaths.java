package org.skipwire.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinearDerivative;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.AddOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The {@link FastPath}s on the class path, looked up once. Where the runtime used to call the
 * oneDNN code directly ({@link SkipwireModel#create}, {@link BatchNormFolding}, the trainer,
 * checkpoint loading), it calls these; with no fast path registered they do nothing and DL4J runs
 * as shipped.
 */
public final class FastPaths {
  private static List<FastPath> found;
  private static boolean initialised;

  private FastPaths() {}

  /**
   * The registered fast paths, through the class loader that loaded the runtime (the one that has
   * DL4J, which is where a fast path's module must be too).
   */
  public static synchronized List<FastPath> all() {
    if (found == null) {
      List<FastPath> list = new ArrayList<>();
      ServiceLoader.load(FastPath.class, FastPath.class.getClassLoader()).forEach(list::add);
      found = List.copyOf(list);
    }
    return found;
  }

  /**
   * Runs every fast path's {@link FastPath#init()} once. Must come before ND4J loads its native
   * library to have any effect: {@link Training}'s static initialiser calls it, and a program's
   * {@code main} can call it first.
   */
  public static synchronized void init() {
    if (!initialised) {
      initialised = true;
      for (FastPath p : all()) {
        p.init();
      }
    }
  }

  /**
   * The configuration to build a new graph from: {@code conf} as every fast path would run it
   * ({@link FastPath#configure}), {@code conf} itself where none changes it. {@code conf} is left
   * untouched.
   */
  public static ComputationGraphConfiguration configure(
      ComputationGraphConfiguration conf, InputType... inputs) {
    init();
    ComputationGraphConfiguration result = conf;
    for (FastPath p : all()) {
      result = p.configure(result, inputs);
    }
    return result;
  }

  /** Lets every fast path install its helpers into the graph; returns how many layers changed. */
  public static int install(ComputationGraph graph) {
    init();
    int changed = 0;
    for (FastPath p : all()) {
      changed += p.install(graph);
    }
    return changed;
  }

  /**
   * ReLU's backward pass into {@code delta}: {@code epsilon} where {@code output > 0}, else 0. On
   * the first fast path that has a kernel for these arrays, else ND4J's {@code relu_bp}.
   *
   * @param output the ReLU's output, or its input: positive at the same places
   */
  public static void reluBackward(INDArray output, INDArray epsilon, INDArray delta) {
    for (FastPath p : all()) {
      if (p.reluBackward(output, epsilon, delta)) {
        return;
      }
    }
    Nd4j.getExecutioner().exec(new RectifiedLinearDerivative(output, epsilon, delta));
  }

  /**
   * {@code out = max(0, a + b)}: on the first fast path that has a kernel for these arrays, else
   * ND4J's add and then its ReLU in place.
   */
  public static void addRelu(INDArray a, INDArray b, INDArray out) {
    for (FastPath p : all()) {
      if (p.addRelu(a, b, out)) {
        return;
      }
    }
    Nd4j.exec(new AddOp(a, b, out));
    Nd4j.getExecutioner().exec(new RectifiedLinear(out, out));
  }

  /**
   * One line on what runs: each fast path's own description, or ND4J's backend as shipped where
   * none is on the class path. Loads ND4J.
   */
  public static String describe() {
    init();
    List<FastPath> paths = all();
    if (paths.isEmpty()) {
      String backend =
          Nd4j.getExecutioner().getEnvironmentInformation().getProperty("backend", "?");
      return backend + ", DL4J as shipped (no fast path on the class path, e.g. skipwire-onednn)";
    }
    List<String> lines = new ArrayList<>();
    for (FastPath p : paths) {
      lines.add(p.describe());
    }
    return String.join("; ", lines);
  }
}
