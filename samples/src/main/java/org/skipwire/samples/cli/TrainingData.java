package org.skipwire.samples.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.skipwire.runtime.SkipwireModel;
import org.skipwire.runtime.data.ChannelStats;
import org.skipwire.runtime.data.DataException;
import org.skipwire.runtime.data.DataFormat;
import org.skipwire.runtime.data.Dataset;
import org.skipwire.runtime.data.Datasets;
import org.skipwire.runtime.data.ImageFolders;
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
 *   <li>{@code --data DIR}: images (IDX or CIFAR-10 files, or one sub-folder per class of PNG and
 *       JPEG files, decoded to the network's input);
 *   <li>no {@code --data}: the embedded sunspot series for a network whose input is {@code [1, T]},
 *       the embedded Fashion-MNIST subset for any other.
 * </ul>
 *
 * {@code --column} without a CSV file is a usage error.
 */
final class TrainingData {
  private final Path path;
  private final String column;
  private final double valFraction;
  private final long seed;
  private final java.util.Map<List<Integer>, Dataset> images = new java.util.HashMap<>();
  private Series series;

  TrainingData(Path path, String column) {
    this(path, column, ImageFolders.DEFAULT_VAL_FRACTION, 42);
  }

  /**
   * @param valFraction the fraction of each class an image folder without {@code val/} holds out
   * @param seed picks the held-out images
   */
  TrainingData(Path path, String column, double valFraction, long seed) {
    this.valFraction = valFraction;
    this.seed = seed;
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
    return train(trainer, network, null);
  }

  /**
   * As {@link #train(Trainer, SkipwireModel)}, images standardised with {@code stats} (the
   * statistics pretrained weights expect) instead of their own when it is not null.
   */
  TrainResult train(Trainer trainer, SkipwireModel network, ChannelStats stats) {
    try {
      if (isCsv(path) || (path == null && takesSeries(network))) {
        return trainer.train(network, series());
      }
      Dataset d = images(network.inputShape());
      return trainer.train(network, stats == null ? d : d.withNormalization(stats));
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

  /**
   * The images for a network with this input. An image folder is decoded to the input's size, so it
   * is read once per shape ({@code compare} of two networks with one input reads it once).
   */
  private Dataset images(List<Integer> inputShape) throws DataException {
    boolean folder = path != null && Datasets.detect(path) == DataFormat.IMAGE_FOLDER;
    List<Integer> key = folder ? inputShape : List.of();
    Dataset d = images.get(key);
    if (d == null) {
      d = folder ? ImageFolders.open(path, inputShape, valFraction, seed) : Datasets.open(path);
      images.put(key, d);
    }
    return d;
  }
}
