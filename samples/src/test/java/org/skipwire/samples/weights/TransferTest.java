package org.skipwire.samples.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.skipwire.runtime.Training;
import org.skipwire.runtime.data.Dataset;
import org.skipwire.runtime.data.Datasets;
import org.skipwire.runtime.train.CheckpointException;
import org.skipwire.runtime.train.Progress;
import org.skipwire.runtime.train.Schedule;
import org.skipwire.runtime.train.TrainResult;
import org.skipwire.runtime.train.Trainer;
import org.skipwire.runtime.train.TrainingPlan;
import org.skipwire.runtime.weights.SafetensorsWriter;
import org.skipwire.runtime.weights.TorchvisionNames;
import org.skipwire.runtime.weights.Transfer;
import org.skipwire.samples.zoo.FashionResNetGraph;

/**
 * Fine-tuning from a weights file: frozen parameters and batch-norm running statistics do not
 * change by a single bit, everything else does; the trunk learns at its scaled rate.
 */
class TransferTest {
  @TempDir static Path dir;
  static Path weights;
  static Dataset data;
  static final FashionResNetGraph MODEL = new FashionResNetGraph();

  @BeforeAll
  static void pretrained() throws Exception {
    // "Pretrained": a different seed's initialisation after one short epoch, so the batch norms'
    // running statistics are not their initial 0 and 1.
    data = Datasets.embedded();
    TrainResult pre = new Trainer(plan().seed(3).build(), quiet()).train(MODEL, data);
    weights = dir.resolve("pretrained.safetensors");
    SafetensorsWriter.write(pre.graph(), TorchvisionNames.RESNET, weights);
  }

  private static TrainingPlan.Builder plan() {
    return TrainingPlan.builder()
        .epochs(1)
        .batch(64)
        .trainLimit(256)
        .testLimit(64)
        .schedule(Schedule.CONSTANT)
        .progress(Progress.QUIET);
  }

  private static PrintStream quiet() {
    return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
  }

  /** The pretrained parameters of each layer, as loaded into a fresh graph. */
  private static Map<String, INDArray> start() {
    ComputationGraph g = MODEL.create(Training.defaults());
    Transfer.of(MODEL).weights(weights).out(quiet()).prepare(g, null);
    return ParamsByVertex.of(g);
  }

  private static TrainResult fineTune(Transfer t) throws Exception {
    return new Trainer(plan().build(), quiet()).startWith(t.out(quiet())).train(MODEL, data);
  }

  @Test
  void frozenTrunkStaysBitForBitAndTheHeadLearns() throws Exception {
    Map<String, INDArray> before = start();
    TrainResult r = fineTune(Transfer.of(MODEL).weights(weights).freeze("trunk"));
    Map<String, INDArray> after = ParamsByVertex.of(r.graph());
    for (String v : before.keySet()) {
      if (v.equals("fc")) {
        assertNotEquals(before.get(v), after.get(v), "the head trains");
      } else {
        assertEquals(before.get(v), after.get(v), v + " is frozen, running statistics included");
      }
    }
    assertTrue(before.containsKey("stage2.b0.conv1.bn"));
  }

  @Test
  void freezingUpToAFieldFreezesItAndWhatComesBefore() throws Exception {
    Map<String, INDArray> before = start();
    TrainResult r = fineTune(Transfer.of(MODEL).weights(weights).freeze("stage1"));
    Map<String, INDArray> after = ParamsByVertex.of(r.graph());
    for (String v : before.keySet()) {
      boolean frozen = v.startsWith("stem") || v.startsWith("stage1.");
      if (frozen) {
        assertEquals(before.get(v), after.get(v), v);
      } else {
        assertNotEquals(before.get(v), after.get(v), v + " trains");
      }
    }
    // A batch norm after the frozen part still moves its running statistics.
    INDArray mean0 = before.get("stage2.b0.conv1.bn");
    INDArray mean1 = after.get("stage2.b0.conv1.bn");
    assertNotEquals(mean0, mean1);
  }

  @Test
  void theTrunkLearnsAtItsScaledRate() throws Exception {
    TrainResult r = fineTune(Transfer.of(MODEL).weights(weights).trunkLrScale(0.25));
    ComputationGraph g = r.graph();
    double head = g.getLearningRate("fc");
    assertEquals(0.1, head, 1e-12);
    for (String v : List.of("stem", "stage1.b0.conv1", "stage3.b0.shortcut.bn")) {
      assertEquals(0.025, g.getLearningRate(v), 1e-12, v);
    }
  }

  @Test
  void aScaledTrunkIsNotStretchedAwayOnResume() throws Exception {
    Path run = dir.resolve("scaled-run");
    new Trainer(plan().checkpointDir(run).build(), quiet())
        .startWith(Transfer.of(MODEL).weights(weights).trunkLrScale(0.25).out(quiet()))
        .train(MODEL, data);
    CheckpointException e =
        assertThrows(
            CheckpointException.class,
            () ->
                new Trainer(plan().epochs(2).checkpointDir(run).resume(true).build(), quiet())
                    .train(MODEL, data));
    assertTrue(
        e.getMessage().contains("different learning rates (a --trunk-lr-scale run)"),
        e.getMessage());
    // The same number of epochs resumes (and has nothing left to do).
    new Trainer(plan().checkpointDir(run).resume(true).build(), quiet()).train(MODEL, data);
  }

  @Test
  void aFieldThatIsNotInTheTrunkIsOneLine() {
    Transfer.Failure e =
        assertThrows(Transfer.Failure.class, () -> Transfer.of(MODEL).freeze("stage9"));
    assertEquals(
        "--freeze: fashion-resnet has no trunk field 'stage9'; use trunk or one of stem, stage1, stage2,"
            + " stage3, avgpool",
        e.getMessage());
    assertThrows(Transfer.Failure.class, () -> Transfer.of(MODEL).freeze("fc"));
  }
}
