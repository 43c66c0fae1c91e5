package org.skipwire.samples.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.skipwire.runtime.Models;
import org.skipwire.runtime.SkipwireModel;
import org.skipwire.runtime.data.DataException;
import org.skipwire.runtime.data.Datasets;
import org.skipwire.runtime.data.SeriesReader;
import org.skipwire.runtime.train.Checkpoint;
import org.skipwire.runtime.train.CheckpointException;
import org.skipwire.runtime.train.Checkpoints;

/**
 * A checkpoint opened for {@code lesion} and {@code inspect}: the trained graph, the generated
 * network it was trained as (by the name in its record), and its test set, shaped and normalised as
 * in training (the record's data options). Every failure is a one-line usage error.
 */
final class TrainedNetwork {
  final Path file;
  final Checkpoint checkpoint;
  final SkipwireModel model;

  private TrainedNetwork(Path file, Checkpoint checkpoint, SkipwireModel model) {
    this.file = file;
    this.checkpoint = checkpoint;
    this.model = model;
  }

  /** A checkpoint zip, or a run directory holding {@code checkpoint.zip}. */
  static TrainedNetwork open(Path path) {
    Path file = Files.isDirectory(path) ? Checkpoints.modelFile(path) : path;
    Checkpoint ck;
    try {
      ck = Checkpoints.loadFile(file);
    } catch (CheckpointException e) {
      throw new Main.UserError(e.getMessage());
    }
    String name = ck.info().model();
    SkipwireModel model =
        Models.find(name)
            .orElseThrow(
                () ->
                    new Main.UserError(
                        file
                            + ": holds model "
                            + name
                            + ", which is no generated network on the"
                            + " class path ('skipwire models' lists them)"));
    return new TrainedNetwork(file, ck, model);
  }

  String name() {
    return model.name();
  }

  ComputationGraph graph() {
    return checkpoint.graph();
  }

  /**
   * The test set for this network from {@code data} (null: the embedded data, as in train), its
   * first {@code limit} examples (0: all).
   */
  DataSetIterator test(Path data, int limit) {
    if (limit < 0) {
      throw new Main.UserError("--limit must be 0 (all) or more, got " + limit);
    }
    try {
      var o = checkpoint.info().plan().dataOptions();
      var options =
          new org.skipwire.runtime.data.DataOptions(
              o.batch(), o.seed(), o.normalize(), false, o.trainLimit(), limit);
      if (TrainingData.isCsv(data) || (data == null && TrainingData.takesSeries(model))) {
        var series = data == null ? Datasets.sunspots() : SeriesReader.read(data, null);
        return series.iterators(model.inputShape(), model.outputShape(), options).test();
      }
      return Datasets.open(data).iterators(model.inputShape(), model.outputShape(), options).test();
    } catch (DataException e) {
      throw new Main.UserError(e.getMessage());
    }
  }
}
