package org.skipwire.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

class BatchNormFoldingTest {

  /**
   * c1 (with bias) -> bn1 (variance kept as variance) -> relu -> c2 -> bn2 (log10 std) -> add with
   * c3, which also feeds the output directly and so cannot fold into bn3.
   */
  private static ComputationGraph graph() {
    ComputationGraphConfiguration conf =
        new NeuralNetConfiguration.Builder()
            .seed(9)
            .dataType(DataType.DOUBLE)
            .updater(new Sgd(0.1))
            .convolutionMode(ConvolutionMode.Truncate)
            .graphBuilder()
            .addInputs("in")
            .setInputTypes(InputType.convolutional(6, 6, 2))
            .addLayer(
                "c1",
                new ConvolutionLayer.Builder(3, 3)
                    .padding(1, 1)
                    .nOut(3)
                    .activation(Activation.IDENTITY)
                    .build(),
                "in")
            .addLayer(
                "bn1", new BatchNormalization.Builder().useLogStd(false).eps(1e-3).build(), "c1")
            .addLayer(
                "r1", new ActivationLayer.Builder().activation(Activation.RELU).build(), "bn1")
            .addLayer(
                "c2",
                new ConvolutionLayer.Builder(3, 3)
                    .padding(1, 1)
                    .nOut(4)
                    .hasBias(false)
                    .activation(Activation.IDENTITY)
                    .build(),
                "r1")
            .addLayer("bn2", new BatchNormalization.Builder().build(), "c2")
            .addLayer(
                "c3",
                new ConvolutionLayer.Builder(1, 1)
                    .nOut(4)
                    .hasBias(false)
                    .activation(Activation.IDENTITY)
                    .build(),
                "in")
            .addLayer("bn3", new BatchNormalization.Builder().build(), "c3")
            .addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "bn2", "bn3")
            .addLayer(
                "r2", new ActivationLayer.Builder().activation(Activation.RELU).build(), "add")
            .addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "r2")
            .addLayer("gap3", new GlobalPoolingLayer.Builder(PoolingType.MAX).build(), "c3")
            .addLayer(
                "out",
                new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                    .nOut(3)
                    .activation(Activation.SOFTMAX)
                    .build(),
                "gap")
            .addLayer(
                "out3",
                new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                    .nOut(3)
                    .activation(Activation.SOFTMAX)
                    .build(),
                "gap3")
            .setOutputs("out", "out3")
            .build();
    ComputationGraph graph = new ComputationGraph(conf);
    graph.init();
    return graph;
  }

  @Test
  void foldsConvBatchNormPairsAndComputesTheSame() {
    ComputationGraph trained = graph();
    Nd4j.getRandom().setSeed(1);
    INDArray x = Nd4j.rand(DataType.DOUBLE, 5, 2, 6, 6).muli(3).subi(1);
    INDArray y = Nd4j.zeros(DataType.DOUBLE, 5, 3);
    for (int i = 0; i < 5; i++) {
      y.putScalar(i, i % 3, 1.0);
    }
    for (int i = 0; i < 5; i++) {
      // Moves the running statistics and gamma/beta away from their initial values.
      trained.fit(
          new org.nd4j.linalg.dataset.MultiDataSet(new INDArray[] {x}, new INDArray[] {y, y}));
    }

    assertEquals(
        Map.of("bn1", "c1", "bn2", "c2"), BatchNormFolding.foldable(trained.getConfiguration()));
    ComputationGraph folded = BatchNormFolding.forInference(trained);
    assertNull(folded.getVertex("bn1"));
    assertNull(folded.getVertex("bn2"));
    assertNull(folded.getVertex("r1"), "the ReLU after c1-bn1 is c1's activation now");
    assertNull(folded.getVertex("r2"), "the ReLU after the sum joined it");
    assertEquals(
        new org.skipwire.runtime.conf.AddActivationVertex(Activation.RELU.getActivationFunction())
            .merging("r2"),
        folded.getConfiguration().getVertices().get("add"));
    assertEquals("add", ActivationFusion.vertexOf(folded.getConfiguration(), "r2"));
    assertEquals(
        "relu",
        ((org.deeplearning4j.nn.conf.layers.ConvolutionLayer) folded.getLayer("c1").getConfig())
            .getActivationFn()
            .toString());
    assertTrue(folded.getVertex("bn3") != null, "c3 feeds two vertices: bn3 stays");

    INDArray[] expected = trained.output(false, x);
    INDArray[] actual = folded.output(false, x);
    for (int i = 0; i < expected.length; i++) {
      assertTrue(expected[i].equalsWithEps(actual[i], 1e-10), expected[i] + " vs " + actual[i]);
    }
  }
}
