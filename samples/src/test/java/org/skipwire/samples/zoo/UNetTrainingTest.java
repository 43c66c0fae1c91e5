package org.skipwire.samples.zoo;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.skipwire.runtime.Training;

/** The generated U-Net learns a per-pixel task: its loss falls within a few updates. */
class UNetTrainingTest {

  @Test
  void lossFallsOnASyntheticSegmentationTask() {
    ComputationGraph unet =
        new UNetGraph().create(Training.defaults().withUpdater(new Adam(1e-3)).withSeed(7));
    Nd4j.getRandom().setSeed(7);
    // Bright pixels are class 1, dark ones class 0: a task a U-Net can learn from a few batches.
    INDArray images = Nd4j.rand(DataType.FLOAT, 4, 1, 64, 64);
    INDArray bright = images.gt(0.5).castTo(DataType.FLOAT);
    INDArray labels = Nd4j.concat(1, bright.rsub(1.0), bright);
    DataSet batch = new DataSet(images, labels);
    double first = unet.score(batch);
    for (int i = 0; i < 10; i++) {
      unet.fit(batch);
    }
    double last = unet.score(batch);
    assertTrue(last < 0.7 * first, "loss " + first + " -> " + last);
  }
}
