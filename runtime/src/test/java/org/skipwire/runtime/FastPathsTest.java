package org.skipwire.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.factory.Nd4jBackend;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The runtime alone is a library that changes nothing about DL4J: no fast path registered, no ND4J
 * backend of its own, no class in DL4J's packages, no system property set, no helper swapped. (This
 * module's tests run without skipwire-onednn; its own tests check the other side.)
 */
class FastPathsTest {

  @Test
  void withoutAFastPathModuleDl4jRunsAsShipped() {
    assertEquals(List.of(), FastPaths.all());

    // Training's static initialiser runs FastPaths.init(); graph creation loads ND4J.
    ComputationGraphConfiguration conf =
        Training.defaults()
            .builder()
            .graphBuilder()
            .addInputs("in")
            .setInputTypes(InputType.convolutional(8, 8, 3))
            .addLayer("conv", new ConvolutionLayer.Builder(3, 3).nOut(4).build(), "in")
            .addLayer("bn", new BatchNormalization.Builder().build(), "conv")
            .addLayer("pool", new GlobalPoolingLayer.Builder().build(), "bn")
            .addLayer(
                "out",
                new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                    .nOut(2)
                    .activation(Activation.SOFTMAX)
                    .build(),
                "pool")
            .setOutputs("out")
            .build();
    ComputationGraph graph = new ComputationGraph(conf);
    graph.init();

    assertEquals(0, FastPaths.install(graph));
    for (Layer layer : graph.getLayers()) {
      assertNull(layer.getHelper(), layer.getConfig().getLayerName() + " has a helper");
    }
    assertNull(System.getProperty("org.bytedeco.javacpp.platform.extension"));
    assertNull(System.getProperty("org.eclipse.deeplearning4j.helpers.disable"));
    assertTrue(FastPaths.describe().contains("DL4J as shipped"), FastPaths.describe());
  }

  @Test
  void registersNoNd4jBackendAndShipsNothingInDl4jsPackages() {
    List<String> backends = new ArrayList<>();
    for (Nd4jBackend b : ServiceLoader.load(Nd4jBackend.class)) {
      backends.add(b.getClass().getName());
    }
    assertTrue(backends.stream().noneMatch(n -> n.startsWith("org.skipwire")), backends::toString);
    assertThrows(ClassNotFoundException.class, () -> Class.forName("org.nd4j.nativeblas.Nd4jCpu"));
  }
}
