package org.skipwire.runtime.train;

import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.graph.rnn.LastTimeStepVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Convolution1DLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;
import org.skipwire.runtime.SkipwireModel;
import org.skipwire.runtime.Training;
import org.skipwire.runtime.VertexInfo;

/**
 * A hand-built causal convolutional forecaster, standing in for a generated one until the DSL
 * declares sequence inputs: two causal Conv1D layers (the second dilated) over a window of {@code
 * T} values, the last time step, and a linear output trained with mean squared error.
 */
final class Forecaster {
  private Forecaster() {}

  /**
   * causal conv 3 (8, ReLU) -> causal conv 3, dilation 2 (8, ReLU) -> last step -> dense 1, MSE.
   */
  static ComputationGraphConfiguration configuration(Training training, int window) {
    return training
        .builder()
        .graphBuilder()
        .addInputs("in")
        .setInputTypes(InputType.recurrent(1, window))
        .addLayer(
            "conv1",
            new Convolution1DLayer.Builder()
                .kernelSize(3)
                .convolutionMode(ConvolutionMode.Causal)
                .nOut(8)
                .activation(Activation.RELU)
                .build(),
            "in")
        .addLayer(
            "conv2",
            new Convolution1DLayer.Builder()
                .kernelSize(3)
                .dilation(2)
                .convolutionMode(ConvolutionMode.Causal)
                .nOut(8)
                .activation(Activation.RELU)
                .build(),
            "conv1")
        .addVertex("last", new LastTimeStepVertex("in"), "conv2")
        .addLayer(
            "out",
            new OutputLayer.Builder(LossFunction.MSE)
                .nOut(1)
                .activation(Activation.IDENTITY)
                .build(),
            "last")
        .setOutputs("out")
        .build();
  }

  /** The forecaster behind the contract generated networks implement: input [1, T], output [1]. */
  static SkipwireModel model(int window) {
    return model(window, SkipwireModel.Task.REGRESSION);
  }

  /** The forecaster's graph, declared with another task (a declaration the trainer refuses). */
  static SkipwireModel model(int window, SkipwireModel.Task declared) {
    return new SkipwireModel() {
      @Override
      public String name() {
        return "forecaster";
      }

      @Override
      public String declaration() {
        return "test.Forecaster";
      }

      @Override
      public List<Integer> inputShape() {
        return List.of(1, window);
      }

      @Override
      public List<Integer> outputShape() {
        return List.of(1);
      }

      @Override
      public long trainableParams() {
        return create().numParams();
      }

      @Override
      public long totalParams() {
        return create().numParams();
      }

      @Override
      public InputKind inputKind() {
        return InputKind.SEQUENCE;
      }

      @Override
      public org.skipwire.Loss loss() {
        return org.skipwire.Loss.MSE;
      }

      @Override
      public Task task() {
        return declared;
      }

      @Override
      public List<VertexInfo> vertices() {
        return List.of();
      }

      @Override
      public ComputationGraphConfiguration configuration(Training training) {
        return Forecaster.configuration(training, window);
      }
    };
  }
}
