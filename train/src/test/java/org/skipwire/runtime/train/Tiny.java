package org.skipwire.runtime.train;

import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;
import org.skipwire.runtime.SkipwireModel;
import org.skipwire.runtime.Training;
import org.skipwire.runtime.VertexInfo;
import org.skipwire.runtime.data.DataException;
import org.skipwire.runtime.data.DataOptions;
import org.skipwire.runtime.data.DataSplit;
import org.skipwire.runtime.data.Dataset;
import org.skipwire.runtime.data.Datasets;

/** A hand-built conv + dense network and small slices of the embedded data, for fast tests. */
final class Tiny {
  private static Dataset embedded;

  private Tiny() {}

  /** conv 3x3/2 (8) -> BN -> ReLU -> max-pool 2 -> dense 32 -> softmax 10, for 1x28x28. */
  static ComputationGraph graph(Training training) {
    ComputationGraph g = new ComputationGraph(configuration(training));
    g.init();
    return g;
  }

  static ComputationGraphConfiguration configuration(Training training) {
    return training
        .builder()
        .graphBuilder()
        .addInputs("in")
        .setInputTypes(InputType.convolutional(28, 28, 1))
        .addLayer(
            "conv",
            new ConvolutionLayer.Builder(3, 3)
                .stride(2, 2)
                .nOut(8)
                .activation(Activation.IDENTITY)
                .build(),
            "in")
        .addLayer(
            "bn", new BatchNormalization.Builder().activation(Activation.RELU).build(), "conv")
        .addLayer(
            "pool",
            new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build(),
            "bn")
        .addLayer(
            "fc", new DenseLayer.Builder().nOut(32).activation(Activation.RELU).build(), "pool")
        .addLayer(
            "out",
            new OutputLayer.Builder(LossFunction.MCXENT)
                .nOut(10)
                .activation(Activation.SOFTMAX)
                .build(),
            "fc")
        .setOutputs("out")
        .build();
  }

  /** The tiny network behind the contract generated networks implement. */
  static SkipwireModel model() {
    return new SkipwireModel() {
      @Override
      public String name() {
        return "tiny";
      }

      @Override
      public String declaration() {
        return "test.Tiny";
      }

      @Override
      public List<Integer> inputShape() {
        return List.of(1, 28, 28);
      }

      @Override
      public List<Integer> outputShape() {
        return List.of(10);
      }

      @Override
      public long trainableParams() {
        return create().numParams() - 16; // less BN mean and variance
      }

      @Override
      public long totalParams() {
        return create().numParams();
      }

      @Override
      public InputKind inputKind() {
        return InputKind.IMAGE;
      }

      @Override
      public org.skipwire.Loss loss() {
        return org.skipwire.Loss.MCXENT;
      }

      @Override
      public Task task() {
        return Task.CLASSIFICATION;
      }

      @Override
      public List<VertexInfo> vertices() {
        return List.of();
      }

      @Override
      public ComputationGraphConfiguration configuration(Training training) {
        return Tiny.configuration(training);
      }
    };
  }

  /** The tiny graph as {@link Trainer#train(SkipwireModel, Dataset)} would make it. */
  static ComputationGraph graph(TrainingPlan plan, int batchesPerEpoch) {
    return graph(plan.training(batchesPerEpoch));
  }

  static synchronized Dataset embedded() throws DataException {
    if (embedded == null) {
      embedded = Datasets.embedded();
    }
    return embedded;
  }

  /** The first {@code train} and {@code test} embedded images, served as the plan says. */
  static DataSplit data(TrainingPlan plan, int train, int test) throws DataException {
    DataOptions o = plan.dataOptions().withTrainLimit(train).withTestLimit(test);
    return embedded().iterators(o);
  }
}
