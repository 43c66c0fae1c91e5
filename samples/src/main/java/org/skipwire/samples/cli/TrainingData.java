package org.skipwire.samples.cli;

import java.nio.file.Path;
import java.util.Locale;
import org.skipwire.runtime.SkipwireModel;
import org.skipwire.runtime.data.DataException;
import org.skipwire.runtime.data.Dataset;
import org.skipwire.runtime.data.Datasets;
import org.skipwire.runtime.data.Series;
import org.skipwire.runtime.data.SeriesReader;
import org.skipwire.runtime.train.CheckpointException;
import org.skipwire.runtime.train.TrainResult;
import org.skipwire.runtime.train.Trainer;
import org.skipwire.runtime.train.TrainingDivergedException;

/**
 * What {@code --data} and {@code --column} name, opened once and handed to each network:
 *
 * <ul>
 *   <li>{@code --data FILE.csv [--column NAME]}: a series, for a forecaster (input {@code [1, T]},
 *       output {@code [1]});
 *   <li>{@code --data DIR}: images (IDX or CIFAR-10 files);
 *   <li>no {@code --data}: the embedded sunspot series for a network whose input is {@code [1, T]},
 *       the embedded Fashion-MNIST subset for any other.
 * </ul>
 *
 * {@code --column} without a CSV file is a usage error.
 */
final class TrainingData {
  private final Path path;
  private final String column;
  private Dataset images;
  private Series series;

  TrainingData(Path path, String column) {
    if (column != null && !isCsv(path)) {
      throw new Main.UserError(
          "--column picks the series in a CSV file; give the file with --data FILE.csv");
    }
    this.path = path;
    this.column = column;
  }

  /** Whether {@code --data} names a CSV file (by its extension). */
  static boolean isCsv(Path path) {
    return path != null
        && path.getFileName() != null
        && path.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".csv");
  }

  /** A univariate forecaster's input: one value at each of T time steps. */
  static boolean takesSeries(SkipwireModel network) {
    return network.inputKind() == SkipwireModel.InputKind.SEQUENCE
        && network.inputShape().get(0) == 1;
  }

  /** Trains the network on this data, turning the expected failures into one-line errors. */
  TrainResult train(Trainer trainer, SkipwireModel network) {
    try {
      if (isCsv(path) || (path == null && takesSeries(network))) {
        return trainer.train(network, series());
      }
      return trainer.train(network, images());
    } catch (DataException | CheckpointException e) {
      throw new Main.UserError(e.getMessage());
    } catch (TrainingDivergedException e) {
      throw new Main.Failure(e.getMessage());
    }
  }

  private Series series() throws DataException {
    if (series == null) {
      series = path == null ? Datasets.sunspots() : SeriesReader.read(path, column);
    }
    return series;
  }

  private Dataset images() throws DataException {
    if (images == null) {
      images = Datasets.open(path);
    }
    return images;
  }
}
