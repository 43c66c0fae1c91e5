package org.skipwire.runtime.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.skipwire.runtime.SkipwireModel;
import org.skipwire.runtime.data.SeriesDataSetIterator;

/**
 * What a run learns, as the network declares it ({@link SkipwireModel#task()}, from its {@code
 * Output}): classes ({@link Classification}: mean cross-entropy and accuracy) or the next value of
 * a series ({@link Regression}: mean squared error, reported in the series' units against the naive
 * last-value forecast). It scores batches and the test set, and words the epoch lines, the final
 * line and the plots.
 */
abstract sealed class Task {

  /** Classes, the one task of image data. */
  static Task classification() {
    return new Classification();
  }

  /** The next value of the series {@code test} holds the later windows of. */
  static Task regression(SeriesDataSetIterator test) {
    return new Regression(test.std(), test.naiveMse());
  }

  /** Summed loss (and, for classes, correct count) of a batch of outputs against its labels. */
  abstract BatchStatsListener.Scores score(INDArray output, INDArray labels);

  /** What one example is called in messages: {@code images}, {@code windows}. */
  abstract String examples();

  /** The progress bar's figures for the epoch so far. */
  abstract String barMessage(double meanLoss, double accuracy);

  /** The line printed after each epoch. */
  abstract String summary(EpochMetrics m);

  /** The line printed last: the run's result on the test set. */
  abstract String finalLine(Trainer.Evaluation last, int epochs, String name);

  /** The test MSE in the data's units for a mean standardised squared error; NaN for classes. */
  abstract double toDataUnits(double meanLoss);

  /** The naive forecast's test MSE in the data's units; NaN for classes. */
  abstract double baselineMse();

  /** Writes the run's charts to {@code dir}. */
  abstract void writePlots(Path dir, String name, List<EpochMetrics> history) throws IOException;

  /** Images into classes: softmax outputs, one-hot labels. */
  static final class Classification extends Task {
    @Override
    BatchStatsListener.Scores score(INDArray output, INDArray labels) {
      return BatchStatsListener.score(output, labels);
    }

    @Override
    String examples() {
      return "images";
    }

    @Override
    String barMessage(double meanLoss, double accuracy) {
      return String.format(Locale.ROOT, "loss %.4f  acc %.2f%%", meanLoss, 100 * accuracy);
    }

    @Override
    String summary(EpochMetrics m) {
      return String.format(
          Locale.ROOT,
          "epoch %3d  loss %.4f  acc %6.2f%%  test loss %.4f  test acc %6.2f%%  lr %.2e  %,.0f"
              + " img/s  %.1f s",
          m.epoch(),
          m.trainLoss(),
          100 * m.trainAccuracy(),
          m.testLoss(),
          100 * m.testAccuracy(),
          m.learningRate(),
          m.imagesPerSecond(),
          m.seconds());
    }

    @Override
    String finalLine(Trainer.Evaluation last, int epochs, String name) {
      return String.format(
          Locale.ROOT,
          "test accuracy %.2f%% on %d images after %d %s (%s)",
          100 * last.accuracy(),
          last.images(),
          epochs,
          epochs == 1 ? "epoch" : "epochs",
          name);
    }

    @Override
    double toDataUnits(double meanLoss) {
      return Double.NaN;
    }

    @Override
    double baselineMse() {
      return Double.NaN;
    }

    @Override
    void writePlots(Path dir, String name, List<EpochMetrics> history) throws IOException {
      Plots.writeAll(dir, name, history);
    }
  }

  /**
   * The next value of a series: identity outputs against standardised targets, scored by squared
   * error averaged over outputs (DL4J's MSE loss, without the weight-decay term).
   */
  static final class Regression extends Task {
    private final double std;
    private final double baselineMse;

    /**
     * @param std the standard deviation the targets were divided by
     * @param baselineMse the naive last-value forecast's test MSE, in the data's units
     */
    Regression(double std, double baselineMse) {
      this.std = std;
      this.baselineMse = baselineMse;
    }

    @Override
    BatchStatsListener.Scores score(INDArray output, INDArray labels) {
      INDArray d = output.castTo(DataType.DOUBLE).sub(labels.castTo(DataType.DOUBLE));
      long n = d.size(0);
      double perOutput = d.length() / (double) n;
      double sum = d.mul(d).sumNumber().doubleValue() / perOutput;
      return new BatchStatsListener.Scores(sum, 0, n);
    }

    @Override
    String examples() {
      return "windows";
    }

    @Override
    String barMessage(double meanLoss, double accuracy) {
      return String.format(Locale.ROOT, "loss %.4f", meanLoss);
    }

    @Override
    String summary(EpochMetrics m) {
      return String.format(
          Locale.ROOT,
          "epoch %3d  loss %.4f  test loss %.4f  test MSE %.4g  lr %.2e  %,.0f windows/s  %.1f s",
          m.epoch(),
          m.trainLoss(),
          m.testLoss(),
          m.testMse(),
          m.learningRate(),
          m.imagesPerSecond(),
          m.seconds());
    }

    @Override
    String finalLine(Trainer.Evaluation last, int epochs, String name) {
      double mse = last.mse();
      return String.format(
          Locale.ROOT,
          "test MSE %.4g (RMSE %.4g) in the series' units on %d values; naive last-value baseline"
              + " MSE %.4g; ratio %.3f",
          mse,
          Math.sqrt(mse),
          last.images(),
          baselineMse,
          mse / baselineMse);
    }

    @Override
    double toDataUnits(double meanLoss) {
      return meanLoss * std * std;
    }

    @Override
    double baselineMse() {
      return baselineMse;
    }

    @Override
    void writePlots(Path dir, String name, List<EpochMetrics> history) throws IOException {
      Plots.writeRegression(dir, name, history, baselineMse);
    }
  }
}
