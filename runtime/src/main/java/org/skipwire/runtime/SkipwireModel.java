package org.skipwire.runtime;

import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * A network generated from a {@code @Network} declaration. The processor writes one implementation
 * per declaration ({@code ResNet18} gives {@code ResNet18Graph}) and registers it as a service, so
 * {@link Models} finds every generated network on the class path.
 */
public interface SkipwireModel {

  /** The name programs use, e.g. {@code resnet18}. */
  String name();

  /** The qualified name of the declaring class. */
  String declaration();

  /** One input example's shape, channels first: {@code [3, 224, 224]} or {@code [784]}. */
  List<Integer> inputShape();

  /** One example's output shape, e.g. {@code [1000]}. */
  List<Integer> outputShape();

  /** Parameters the optimiser updates (batch-norm running statistics excluded). */
  long trainableParams();

  /**
   * All parameters, batch-norm running mean and variance included: the length of {@code
   * create().params()}. This is also {@code numParams()}, except in graphs with parametrised
   * vertices (the highway gate): DL4J's {@code ComputationGraph.numParams()} sums layers only.
   */
  long totalParams();

  /** What one input example is, as declared by {@code @Input}. */
  enum InputKind {
    /** A feature map {@code [channels, height, width]}. */
    IMAGE,
    /** A vector {@code [features]}. */
    FLAT,
    /** A sequence {@code [channels, length]}. */
    SEQUENCE
  }

  /** What the network learns, from its {@code @Output} layer and loss. */
  enum Task {
    /** Class scores: a cross-entropy or likelihood loss. */
    CLASSIFICATION,
    /** Values: a squared or absolute error loss. */
    REGRESSION,
    /** A class score for every pixel (a {@code @Conv} output layer). */
    PER_PIXEL
  }

  /** The kind of the declared input. */
  InputKind inputKind();

  /** The loss declared by {@code @Output}. */
  org.skipwire.Loss loss();

  /** What the network learns, from its output layer and loss. */
  Task task();

  /** Every vertex in topological order, with the shapes and counts computed at compile time. */
  List<VertexInfo> vertices();

  /** The DL4J configuration with the given training settings. */
  ComputationGraphConfiguration configuration(Training training);

  /** The DL4J configuration with {@link Training#defaults()}. */
  default ComputationGraphConfiguration configuration() {
    return configuration(Training.defaults());
  }

  /**
   * The DL4J input type of {@link #inputShape()}, what {@code configuration} was built for: an
   * image for {@code [C, H, W]}, a sequence for {@code [C, T]}, a vector for {@code [n]}.
   */
  default InputType inputType() {
    List<Integer> s = inputShape();
    return switch (s.size()) {
      case 3 -> InputType.convolutional(s.get(1), s.get(2), s.get(0));
      case 2 -> InputType.recurrent(s.get(0), s.get(1));
      case 1 -> InputType.feedForward(s.get(0));
      default -> throw new IllegalStateException(name() + ": no DL4J input type for " + s);
    };
  }

  /**
   * A new initialised graph with the given training settings, as the fast path runs it: {@link
   * FastPaths#configure} may give it another layout than {@link #configuration(Training)}'s (on the
   * oneDNN fast path an image network runs {@link ChannelsLast channels-last} inside; input,
   * output, parameters and results are the same), and {@link FastPaths#install} its helpers.
   */
  default ComputationGraph create(Training training) {
    ComputationGraph graph =
        new ComputationGraph(FastPaths.configure(configuration(training), inputType()));
    graph.init();
    FastPaths.install(graph);
    return graph;
  }

  /** A new initialised graph with {@link Training#defaults()}. */
  default ComputationGraph create() {
    return create(Training.defaults());
  }
}
