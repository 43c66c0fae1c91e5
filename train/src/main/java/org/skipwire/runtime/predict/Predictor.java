package org.skipwire.runtime.predict;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.skipwire.runtime.BatchNormFolding;
import org.skipwire.runtime.FastPaths;
import org.skipwire.runtime.data.DataException;
import org.skipwire.runtime.data.ImageData;
import org.skipwire.runtime.data.ImageDecoder;
import org.skipwire.runtime.data.Series;
import org.skipwire.runtime.train.CheckpointException;
import org.skipwire.runtime.train.CheckpointInfo;
import org.skipwire.runtime.train.Checkpoints;
import org.skipwire.runtime.train.InferenceInfo;

/**
 * A trained network read back from its checkpoint. A classifier reads pictures: the same
 * preprocessing as in training (decode, centre region resized to the input, grey or RGB as the
 * network was trained, standardised with the statistics the checkpoint records), then the
 * batch-norm folded inference copy of the network where something folds ({@link BatchNormFolding}),
 * softmax probabilities. A forecaster ({@link #regression()}) reads the last {@code T} values of a
 * series and gives the next one, standardised as in training and brought back to the series' units.
 *
 * <pre>{@code
 * Predictor p = Predictor.load(Path.of("runs/fashion-resnet"));     // the directory or its zip
 * for (Prediction top : p.top(Path.of("shoe.png"), 3)) {
 *   System.out.println(top.label() + " " + top.probability());
 * }
 * Predictor f = Predictor.load(Path.of("runs/tcn-forecaster"));
 * double next = f.forecast(Datasets.sunspots())[0];                 // in the series' units
 * }</pre>
 *
 * <p>Methods are synchronised: DL4J graphs are not safe for concurrent {@code output} calls.
 */
public final class Predictor {
  private final Path file;
  private final InferenceInfo info;
  private final ComputationGraph graph;
  private final int channels;
  private final int height;
  private final int width;
  private final float[] mean;
  private final float[] invStd;

  private Predictor(Path file, InferenceInfo info, ComputationGraph graph) {
    this.file = file;
    this.info = info;
    this.graph = graph;
    List<Integer> shape = info.imageShape();
    boolean series = info.task() == InferenceInfo.Kind.REGRESSION;
    // A forecaster's window [1, T] is read as one channel of one row of T values.
    this.channels = shape.get(0);
    this.height = series ? 1 : shape.get(1);
    this.width = series ? shape.get(1) : shape.get(2);
    mean = new float[channels];
    invStd = new float[channels];
    for (int c = 0; c < channels; c++) {
      mean[c] = info.normalization().mean().get(c).floatValue();
      invStd[c] = (float) (1 / info.normalization().std().get(c));
    }
  }

  /**
   * Loads the classifier or forecaster in a checkpoint directory ({@code runs/<model>}) or a
   * checkpoint zip.
   *
   * @throws CheckpointException in one line: no checkpoint, a damaged one, or one written before
   *     checkpoints recorded what prediction needs
   */
  public static Predictor load(Path dirOrZip) throws CheckpointException {
    Path file = Files.isDirectory(dirOrZip) ? Checkpoints.modelFile(dirOrZip) : dirOrZip;
    CheckpointInfo record = Checkpoints.readInfo(file);
    InferenceInfo info = record.inference();
    if (info == null) {
      throw new CheckpointException(
          file.toString(),
          "was written before checkpoints recorded class names and normalisation; train it one"
              + " more epoch with --resume to predict with it");
    }
    boolean picture =
        info.task() == InferenceInfo.Kind.CLASSIFICATION && info.imageShape().size() == 3;
    boolean series =
        info.task() == InferenceInfo.Kind.REGRESSION
            && info.layout().equals("SERIES")
            && info.imageShape().size() == 2
            && info.imageShape().get(0) == 1
            && info.normalization().mean().size() == 1;
    if (!picture && !series) {
      throw new CheckpointException(
          file.toString(),
          "holds "
              + info.model()
              + " with input "
              + info.imageShape()
              + " laid out as "
              + info.layout()
              + " for "
              + info.task().jsonName()
              + "; the predictor reads [c, h, w] pictures for classifiers and [1, T] windows for"
              + " forecasters");
    }
    ComputationGraph graph;
    try {
      graph = ModelSerializer.restoreComputationGraph(file.toFile(), false);
      FastPaths.install(graph);
    } catch (IOException | RuntimeException e) {
      throw new CheckpointException(
          file.toString(), "cannot be loaded (" + e.getMessage() + ")", e);
    }
    ComputationGraph inference =
        BatchNormFolding.foldable(graph.getConfiguration()).isEmpty()
            ? graph
            : BatchNormFolding.forInference(graph);
    return new Predictor(file, info, inference);
  }

  /** The checkpoint zip it came from. */
  public Path file() {
    return file;
  }

  /** The model, classes, shapes and normalisation the checkpoint records. */
  public InferenceInfo info() {
    return info;
  }

  /** Whether this is a forecaster ({@link #forecast}) rather than a classifier ({@link #top}). */
  public boolean regression() {
    return info.task() == InferenceInfo.Kind.REGRESSION;
  }

  /** The number of past values a forecaster reads, {@code T}. */
  public int window() {
    requireTask(true, "window");
    return width;
  }

  /**
   * The forecaster's prediction of the value after {@code values}, in their units, from their last
   * {@link #window()} values (standardised with the training part's mean and standard deviation, as
   * in training, and the output brought back).
   *
   * @return one value per output of the network (one for skipwire's forecasters)
   * @throws IllegalArgumentException if there are fewer values than the window, or one is not
   *     finite
   */
  public double[] forecast(double[] values) {
    requireTask(true, "forecast");
    if (values.length < width) {
      throw new IllegalArgumentException(
          values.length
              + " values; "
              + info.model()
              + " forecasts from the last "
              + width
              + " (its input "
              + info.inputShape()
              + ")");
    }
    double mu = info.normalization().mean().get(0);
    double sigma = info.normalization().std().get(0);
    float[] x = new float[width];
    for (int t = 0; t < width; t++) {
      double v = values[values.length - width + t];
      if (!Double.isFinite(v)) {
        throw new IllegalArgumentException(
            "value " + (values.length - width + t) + " is " + v + "; a forecast needs numbers");
      }
      x[t] = (float) ((v - mu) / sigma);
    }
    float[] out = output(x, 1)[0];
    double[] forecast = new double[out.length];
    for (int i = 0; i < out.length; i++) {
      forecast[i] = out[i] * sigma + mu;
    }
    return forecast;
  }

  /**
   * The forecaster's prediction of the value after the end of {@code series}, in its units.
   *
   * @throws DataException naming the series if it is shorter than the window
   */
  public double[] forecast(Series series) throws DataException {
    requireTask(true, "forecast");
    if (series.size() < width) {
      throw new DataException(
          series.name(),
          series.size()
              + " values; "
              + info.model()
              + " forecasts from the last "
              + width
              + " (its input "
              + info.inputShape()
              + ")");
    }
    return forecast(series.values());
  }

  private void requireTask(boolean forecaster, String what) {
    if (regression() != forecaster) {
      throw new IllegalStateException(
          info.model()
              + " is a "
              + (regression() ? "forecaster; use forecast" : "classifier; use top")
              + ", not "
              + what);
    }
  }

  /** One name per output. */
  public List<String> classNames() {
    return info.classNames();
  }

  /** The {@code k} most probable classes of the picture in {@code file}, most probable first. */
  public List<Prediction> top(Path file, int k) throws DataException {
    requireTask(false, "top");
    return ranked(probabilities(ImageDecoder.decode(file, channels, height, width)), k);
  }

  /** The {@code k} most probable classes of a picture, most probable first. */
  public List<Prediction> top(BufferedImage image, int k) {
    requireTask(false, "top");
    return ranked(probabilities(ImageDecoder.toPixels(image, channels, height, width)), k);
  }

  /**
   * The {@code k} most probable classes of an image given as {@code c*h*w} values in [0, 1],
   * channels first, at the size the network was trained on ({@link InferenceInfo#imageShape()}).
   */
  public List<Prediction> top(float[] pixels, int k) {
    requireTask(false, "top");
    if (pixels.length != channels * height * width) {
      throw new IllegalArgumentException(
          pixels.length
              + " values; this model reads "
              + info.imageShape()
              + " = "
              + channels * height * width);
    }
    float[] x = new float[pixels.length];
    int plane = height * width;
    for (int i = 0; i < x.length; i++) {
      int c = i / plane;
      x[i] = (pixels[i] - mean[c]) * invStd[c];
    }
    return ranked(output(x, 1)[0], k);
  }

  /** Class probabilities of one image given as {@code c*h*w} bytes (0..255), channels first. */
  public float[] probabilities(byte[] pixels) {
    requireTask(false, "probabilities");
    return probabilities(pixels, 1)[0];
  }

  /** Class probabilities of every image, in batches of {@code batch}. */
  public float[][] probabilities(ImageData images, int batch) {
    requireTask(false, "probabilities");
    if (!images.shape().equals(info.imageShape())) {
      throw new IllegalArgumentException(
          "images are " + images.shape() + ", the model reads " + info.imageShape());
    }
    float[][] out = new float[images.size()][];
    int size = images.imageSize();
    for (int start = 0; start < images.size(); start += batch) {
      int n = Math.min(batch, images.size() - start);
      byte[] chunk = new byte[n * size];
      for (int k = 0; k < n; k++) {
        for (int c = 0; c < channels; c++) {
          for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
              chunk[k * size + (c * height + y) * width + x] =
                  (byte) images.pixel(start + k, c, y, x);
            }
          }
        }
      }
      float[][] p = probabilities(chunk, n);
      System.arraycopy(p, 0, out, start, n);
    }
    return out;
  }

  private float[][] probabilities(byte[] pixels, int n) {
    int size = channels * height * width;
    int plane = height * width;
    float[] x = new float[n * size];
    for (int i = 0; i < x.length; i++) {
      int c = (i % size) / plane;
      x[i] = ((pixels[i] & 0xFF) / 255f - mean[c]) * invStd[c];
    }
    return output(x, n);
  }

  /** Runs the network on {@code n} standardised images laid out as in training. */
  private synchronized float[][] output(float[] x, int n) {
    int size = channels * height * width;
    long[] shape =
        switch (info.layout()) {
          case "FLAT" -> new long[] {n, size};
          case "SERIES" -> new long[] {n, 1, width};
          case "SEQUENCE" -> new long[] {n, width, height};
          default -> new long[] {n, channels, height, width};
        };
    float[] features = x;
    if (info.layout().equals("SEQUENCE")) {
      // Row t of the one-channel image is time step t, as ImageDataSetIterator lays it out.
      features = new float[x.length];
      for (int k = 0; k < n; k++) {
        for (int y = 0; y < height; y++) {
          for (int c = 0; c < width; c++) {
            features[k * size + c * height + y] = x[k * size + y * width + c];
          }
        }
      }
    }
    INDArray in = Nd4j.create(features, shape, DataType.FLOAT);
    INDArray out = graph.outputSingle(false, in).castTo(DataType.FLOAT);
    float[][] result = new float[n][];
    for (int k = 0; k < n; k++) {
      result[k] = out.getRow(k).toFloatVector();
    }
    return result;
  }

  private List<Prediction> ranked(float[] probabilities, int k) {
    if (k < 1) {
      throw new IllegalArgumentException("k must be at least 1, got " + k);
    }
    List<Prediction> all = new ArrayList<>();
    for (int i = 0; i < probabilities.length; i++) {
      String label = i < classNames().size() ? classNames().get(i) : Integer.toString(i);
      all.add(new Prediction(i, label, probabilities[i]));
    }
    all.sort(
        Comparator.comparingDouble(Prediction::probability)
            .reversed()
            .thenComparingInt(Prediction::index));
    return List.copyOf(all.subList(0, Math.min(k, all.size())));
  }
}
