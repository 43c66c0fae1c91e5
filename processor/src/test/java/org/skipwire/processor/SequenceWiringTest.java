package org.skipwire.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.skipwire.processor.Sources.compile;
import static org.skipwire.processor.Sources.source;

import com.google.testing.compile.Compilation;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.skipwire.runtime.SkipwireModel;
import org.skipwire.runtime.conf.SequenceAvgPooling;
import org.skipwire.runtime.conf.SequenceBatchNormalization;

/**
 * Two declarations that compiled clean and then failed in DL4J (found by the fuzz test):
 * {@code @BatchNorm} on a sequence ({@code input.size(1) does not match expected input size} at the
 * first forward pass) and {@code @GlobalAvgPool} then {@code @Dropout} on a sequence ({@code
 * MULTIPLY OP: the shapes of x [2,16,1] and y [2,16]} at the first training step). Both now build,
 * run and train, and batch norm of a sequence means PyTorch's {@code BatchNorm1d} on {@code [N, C,
 * T]}.
 */
class SequenceWiringTest {

  private static SkipwireModel model(String name, String body) throws Exception {
    Compilation c = compile(source(name, body));
    assertThat(c).succeededWithoutWarnings();
    return new Loaded(c).model("demo." + name + "Graph");
  }

  private static ComputationGraph trainsAStep(SkipwireModel model, long... input) {
    ComputationGraph graph = model.create();
    INDArray x = Nd4j.rand(input);
    INDArray y = graph.outputSingle(x);
    assertEquals(input[0], y.size(0));
    graph.fit(new DataSet(x, Nd4j.rand(y.shape())));
    assertTrue(Double.isFinite(graph.score()), "score " + graph.score());
    return graph;
  }

  @Test
  void batchNormOfASequenceNormalisesEachChannelOverExamplesAndSteps() throws Exception {
    SkipwireModel model =
        model(
            "SeqNorm",
            """
            @Network(input = @Input(channels = 2, length = 8))
            class SeqNorm {
              @Conv(kernel = 3, filters = 4) @BatchNorm @Activation(RELU) Layer c;
              @BatchNorm Layer norm;
              @GlobalAvgPool Layer gap;
              @Dense(units = 3) @Output Layer out;
            }
            """);
    assertTrue(
        ((LayerVertex) trainsAStep(model, 2, 2, 8).getConfiguration().getVertices().get("norm.bn"))
                .getLayerConf()
                .getLayer()
            instanceof SequenceBatchNormalization);

    // In training mode each channel of "norm" has mean 0 and variance 1 over the 3 x 8 values of
    // its examples and steps (gamma 1, beta 0 before training), not per step or per example.
    ComputationGraph graph = model.create();
    INDArray x = Nd4j.rand(3, 2, 8).muli(5);
    INDArray y = graph.feedForward(new INDArray[] {x}, true).get("norm.bn");
    assertArrayEquals(new long[] {3, 4, 8}, y.shape());
    for (int c = 0; c < 4; c++) {
      INDArray channel =
          y.get(
              org.nd4j.linalg.indexing.NDArrayIndex.all(),
              org.nd4j.linalg.indexing.NDArrayIndex.point(c),
              org.nd4j.linalg.indexing.NDArrayIndex.all());
      double input =
          graph
              .feedForward(new INDArray[] {x}, true)
              .get("c.relu")
              .get(
                  org.nd4j.linalg.indexing.NDArrayIndex.all(),
                  org.nd4j.linalg.indexing.NDArrayIndex.point(c),
                  org.nd4j.linalg.indexing.NDArrayIndex.all())
              .varNumber()
              .doubleValue();
      assertEquals(0, channel.meanNumber().doubleValue(), 1e-4, "mean of channel " + c);
      if (input > 1e-6) { // a channel that ReLU zeroed everywhere stays 0
        assertEquals(1, channel.var(false).getDouble(0), 1e-2, "variance of channel " + c);
      }
    }
  }

  /**
   * With DL4J's layer helpers off (the reference path) and on (the fast path, oneDNN's batch norm
   * through skipwire's helper where the build has it): the same outputs in training and inference,
   * and both train.
   */
  @Test
  void batchNormOfASequenceIsTheSameOnAndOffTheFastPath() throws Exception {
    SkipwireModel model =
        model(
            "SeqNormPaths",
            """
            @Network(input = @Input(channels = 3, length = 6))
            class SeqNormPaths {
              @Conv(kernel = 3, filters = 4) @BatchNorm @Activation(RELU) Layer c;
              @GlobalAvgPool Layer gap;
              @Dense(units = 2) @Output Layer out;
            }
            """);
    String property = "org.eclipse.deeplearning4j.helpers.disable";
    String before = System.getProperty(property);
    ComputationGraph reference;
    try {
      System.setProperty(property, "true");
      reference = model.create();
    } finally {
      if (before == null) {
        System.clearProperty(property);
      } else {
        System.setProperty(property, before);
      }
    }
    ComputationGraph fast = model.create();
    assertEquals(reference.params(), fast.params());
    Object helper =
        ((org.deeplearning4j.nn.layers.normalization.BatchNormalization) fast.getLayer("c.bn"))
            .getHelper();
    if (org.skipwire.runtime.onednn.Backend.active().layerHelpers()) {
      assertTrue(
          helper instanceof org.skipwire.runtime.onednn.OneDnnBatchNormHelper, "helper " + helper);
    }
    INDArray x = Nd4j.rand(4, 3, 6);
    for (boolean training : new boolean[] {true, false}) {
      // The step's output, after its ReLU: on the fast path a ReLU that alone reads a batch norm
      // runs in place on the norm's output (skipwire-onednn's InPlaceReluLayer), so the norm's own
      // activation in the map is the ReLU's, as with PyTorch's ReLU(inplace=True).
      INDArray a = reference.feedForward(new INDArray[] {x}, training).get("c.relu");
      INDArray b = fast.feedForward(new INDArray[] {x}, training).get("c.relu");
      assertTrue(a.equalsWithEps(b, 1e-4), training + ": " + a + " vs " + b);
    }
    trainsAStep(model, 2, 3, 6);
    INDArray labels = Nd4j.rand(4, 2);
    reference.fit(new DataSet(x, labels));
    assertTrue(Double.isFinite(reference.score()));
  }

  @Test
  void dropoutAfterPoolingASequenceTrains() throws Exception {
    SkipwireModel model =
        model(
            "PoolDrop",
            """
            @Network(input = @Input(channels = 2, length = 8))
            class PoolDrop {
              @Conv(kernel = 3, filters = 16) Layer c;
              @GlobalAvgPool Layer gap;
              @Dropout(0.1) Layer drop;
              @Activation(RELU) Layer act;
              @Dense(units = 3) @Output Layer out;
            }
            """);
    ComputationGraph graph = trainsAStep(model, 2, 2, 8);
    assertTrue(
        ((LayerVertex) graph.getConfiguration().getVertices().get("gap")).getLayerConf().getLayer()
            instanceof SequenceAvgPooling);
    assertEquals("global avgpool", model.vertices().get(1).kind());
  }
}
