package org.skipwire.runtime;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A faster way to run DL4J, supplied by a module on the class path and found through {@link
 * java.util.ServiceLoader} (a {@code META-INF/services/org.skipwire.runtime.FastPath} file). The
 * runtime itself runs DL4J as shipped; {@code skipwire-onednn} provides one that loads libnd4j's
 * oneDNN build and puts skipwire's oneDNN helpers into graphs. The runtime calls it only through
 * {@link FastPaths}, so without such a module nothing about ND4J's loading changes.
 */
public interface FastPath {

  /**
   * Makes the choices that must come before ND4J loads its native library (system properties
   * JavaCPP reads once). Called once, from {@link FastPaths#init()}; must not touch ND4J itself.
   */
  void init();

  /**
   * The configuration this fast path runs fastest, computing what {@code conf} computes with the
   * same parameters, e.g. its {@link ChannelsLast} copy; {@code conf} itself where it has nothing
   * to change. Called before the graph is built ({@link SkipwireModel#create}); must not modify
   * {@code conf}.
   *
   * @param inputs the network's input types, in order
   */
  default ComputationGraphConfiguration configure(
      ComputationGraphConfiguration conf, InputType... inputs) {
    return conf;
  }

  /**
   * Puts this fast path's helpers into an initialised graph's layers (after {@code init()}, before
   * training); returns how many layers it changed, 0 where it has nothing to offer here.
   */
  int install(ComputationGraph graph);

  /**
   * ReLU's backward pass, {@code delta = epsilon} where {@code output > 0} and 0 elsewhere, on this
   * fast path's kernels; false (nothing written) where it has none for these arrays. Skipwire's own
   * components that apply a ReLU (a {@link org.skipwire.runtime.conf.BatchNormRelu}, an {@link
   * org.skipwire.runtime.conf.AddActivationVertex}) call it through {@link FastPaths#reluBackward}.
   *
   * @param output the ReLU's output, or its input: positive at the same places
   */
  default boolean reluBackward(INDArray output, INDArray epsilon, INDArray delta) {
    return false;
  }

  /**
   * {@code out = max(0, a + b)} in one pass on this fast path's kernels (an {@link
   * org.skipwire.runtime.conf.AddActivationVertex} that ends a residual block); false (nothing
   * written) where it has none for these arrays. Called through {@link FastPaths#addRelu}.
   */
  default boolean addRelu(INDArray a, INDArray b, INDArray out) {
    return false;
  }

  /** One line on what runs, e.g. the native build and which helpers are on; may load ND4J. */
  String describe();
}
