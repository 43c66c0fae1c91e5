package org.skipwire.runtime;

import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
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

  /** A new initialised graph with the given training settings. */
  default ComputationGraph create(Training training) {
    ComputationGraph graph = new ComputationGraph(configuration(training));
    graph.init();
    FastPaths.install(graph);
    return graph;
  }

  /** A new initialised graph with {@link Training#defaults()}. */
  default ComputationGraph create() {
    return create(Training.defaults());
  }
}
