package org.skipwire.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.graph.rnn.LastTimeStepVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Convolution1DLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;
import org.skipwire.runtime.Models;
import org.skipwire.runtime.SkipwireModel;
import org.skipwire.runtime.Training;
import org.skipwire.runtime.VertexInfo;
import org.skipwire.runtime.train.Progress;
import org.skipwire.runtime.train.TrainResult;
import org.skipwire.runtime.train.Trainer;
import org.skipwire.runtime.train.TrainingPlan;

/**
 * How {@code train} picks its data for a forecaster. No generated network takes a series yet, so
 * these run the command's data choice with a hand-built one (input [1, 12], output [1]).
 */
class TrainingDataTest {
  @TempDir Path dir;

  private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);

  private static final SkipwireModel FORECASTER =
      new SkipwireModel() {
        @Override
        public String name() {
          return "test-forecaster";
        }

        @Override
        public String declaration() {
          return "test.Forecaster";
        }

        @Override
        public List<Integer> inputShape() {
          return List.of(1, 12);
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
          return Task.REGRESSION;
        }

        @Override
        public List<VertexInfo> vertices() {
          return List.of();
        }

        @Override
        public ComputationGraphConfiguration configuration(Training training) {
          return training
              .builder()
              .graphBuilder()
              .addInputs("in")
              .setInputTypes(InputType.recurrent(1, 12))
              .addLayer(
                  "conv",
                  new Convolution1DLayer.Builder()
                      .kernelSize(3)
                      .convolutionMode(ConvolutionMode.Causal)
                      .nOut(4)
                      .activation(Activation.RELU)
                      .build(),
                  "in")
              .addVertex("last", new LastTimeStepVertex("in"), "conv")
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
      };

  private Trainer trainer() {
    TrainingPlan plan =
        TrainingPlan.builder()
            .epochs(1)
            .batch(32)
            .learningRate(0.01)
            .trainLimit(128)
            .progress(Progress.QUIET)
            .build();
    return new Trainer(plan, out);
  }

  private List<String> lines() {
    return printed.toString(StandardCharsets.UTF_8).lines().toList();
  }

  @Test
  void aForecasterWithoutDataTrainsOnTheShippedSunspots() {
    TrainResult r = new TrainingData(null, null).train(trainer(), FORECASTER);

    assertTrue(
        lines()
            .get(0)
            .startsWith(
                "training test-forecaster on sunspots (embedded), column sunspots: 128 windows of"
                    + " 12 values"),
        lines().get(0));
    assertTrue(lines().get(lines().size() - 1).startsWith("test MSE "), lines().toString());
    assertEquals(562, r.testImages()); // ceil((2820 - 12) / 5)
  }

  @Test
  void aCsvFileTrainsOnItsNamedColumn() throws Exception {
    Path csv = dir.resolve("wave.csv");
    StringBuilder text = new StringBuilder("step,\"wave, scaled\",noise\n");
    for (int i = 0; i < 200; i++) {
      text.append(i)
          .append(",\"")
          .append(Math.sin(i / 5.0))
          .append("\",")
          .append(i % 3)
          .append('\n');
    }
    Files.writeString(csv, text);

    TrainResult r = new TrainingData(csv, "wave, scaled").train(trainer(), FORECASTER);

    assertTrue(
        lines().get(0).startsWith("training test-forecaster on " + csv + ", column wave, scaled:"),
        lines().get(0));
    assertEquals(38, r.testImages()); // ceil((200 - 12) / 5)
    assertTrue(Double.isFinite(r.testMse()) && Double.isFinite(r.baselineMse()));
  }

  @Test
  void imageNetworksStillGetImagesAndColumnNeedsACsv() {
    SkipwireModel highway = Models.find("highway-mlp").orElseThrow();
    assertTrue(!TrainingData.takesSeries(highway) && TrainingData.takesSeries(FORECASTER));

    Main.UserError e =
        assertThrows(Main.UserError.class, () -> new TrainingData(dir.resolve("images"), "v"));
    assertTrue(
        e.getMessage().startsWith("--column picks the series in a CSV file"), e.getMessage());
    assertTrue(TrainingData.isCsv(Path.of("a/B.CSV")) && !TrainingData.isCsv(Path.of("a/csv")));
  }
}
