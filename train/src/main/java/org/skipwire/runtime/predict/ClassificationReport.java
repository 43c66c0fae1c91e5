package org.skipwire.runtime.predict;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.nd4j.shade.jackson.core.JsonProcessingException;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;
import org.nd4j.shade.jackson.databind.node.ArrayNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;
import org.skipwire.runtime.data.DataException;
import org.skipwire.runtime.data.ImageData;
import org.skipwire.runtime.data.ImageFolders;
import org.skipwire.runtime.train.AtomicFiles;

/**
 * A classifier's results on labelled images: accuracy, each class's precision, recall and F1, and
 * the confusion matrix (rows the true class, columns the predicted one), as a table, JSON, or a PNG
 * heat map.
 */
public final class ClassificationReport {
  private final List<String> classNames;
  private final long[][] confusion;
  private final long total;
  private final long correct;

  private ClassificationReport(List<String> classNames, long[][] confusion) {
    this.classNames = List.copyOf(classNames);
    this.confusion = confusion;
    long t = 0;
    long c = 0;
    for (int i = 0; i < confusion.length; i++) {
      for (int j = 0; j < confusion.length; j++) {
        t += confusion[i][j];
      }
      c += confusion[i][i];
    }
    this.total = t;
    this.correct = c;
  }

  /**
   * The report of {@code predictor} on a folder of class sub-folders named as the model's classes
   * (some may be missing), decoded as in training.
   *
   * @throws DataException naming the file or folder: a bad image, or a folder of a class the model
   *     does not have
   */
  public static ClassificationReport of(Predictor predictor, Path folder) throws DataException {
    ImageFolders.Listing listing =
        ImageFolders.relabel(ImageFolders.scan(folder, false), predictor.classNames());
    return of(predictor, ImageFolders.read(listing, predictor.info().imageShape()), 128);
  }

  /** The report of {@code predictor} on {@code images}, labelled by the predictor's classes. */
  public static ClassificationReport of(Predictor predictor, ImageData images, int batch) {
    float[][] p = predictor.probabilities(images, batch);
    int[] labels = new int[images.size()];
    int[] predicted = new int[images.size()];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = images.label(i);
      predicted[i] = argMax(p[i]);
    }
    return of(predictor.classNames(), labels, predicted);
  }

  /** The report of predictions against labels, both indices into {@code classNames}. */
  public static ClassificationReport of(List<String> classNames, int[] labels, int[] predicted) {
    int k = classNames.size();
    long[][] m = new long[k][k];
    for (int i = 0; i < labels.length; i++) {
      m[labels[i]][predicted[i]]++;
    }
    return new ClassificationReport(classNames, m);
  }

  private static int argMax(float[] v) {
    int best = 0;
    for (int i = 1; i < v.length; i++) {
      if (v[i] > v[best]) {
        best = i;
      }
    }
    return best;
  }

  public List<String> classNames() {
    return classNames;
  }

  /** Images counted. */
  public long total() {
    return total;
  }

  public double accuracy() {
    return total == 0 ? Double.NaN : (double) correct / total;
  }

  /** Images of class {@code t} predicted as {@code p}. */
  public long count(int t, int p) {
    return confusion[t][p];
  }

  /** Images whose true class is {@code k}. */
  public long support(int k) {
    long s = 0;
    for (long v : confusion[k]) {
      s += v;
    }
    return s;
  }

  /** Of the images predicted as {@code k}, the fraction that are; NaN if none was. */
  public double precision(int k) {
    long predicted = 0;
    for (long[] row : confusion) {
      predicted += row[k];
    }
    return predicted == 0 ? Double.NaN : (double) confusion[k][k] / predicted;
  }

  /**
   * Of the images of class {@code k}, the fraction predicted as {@code k}; NaN if there are none.
   */
  public double recall(int k) {
    long s = support(k);
    return s == 0 ? Double.NaN : (double) confusion[k][k] / s;
  }

  /** The harmonic mean of precision and recall; 0 when both are 0, NaN when either is undefined. */
  public double f1(int k) {
    double p = precision(k);
    double r = recall(k);
    if (Double.isNaN(p) || Double.isNaN(r)) {
      return Double.NaN;
    }
    return p + r == 0 ? 0 : 2 * p * r / (p + r);
  }

  /** A table: one line per class that has images or predictions, then the accuracy. */
  public String toText() {
    int nameWidth = Math.max(5, classNames.stream().mapToInt(String::length).max().orElse(5));
    StringBuilder b = new StringBuilder();
    b.append(
        String.format(
            Locale.ROOT, "%-" + nameWidth + "s  precision  recall     f1  images%n", "class"));
    for (int k = 0; k < classNames.size(); k++) {
      if (support(k) == 0 && Double.isNaN(precision(k))) {
        continue;
      }
      b.append(
          String.format(
              Locale.ROOT,
              "%-" + nameWidth + "s  %9s  %6s  %5s  %6d%n",
              classNames.get(k),
              percent(precision(k)),
              percent(recall(k)),
              percent(f1(k)),
              support(k)));
    }
    b.append(
        String.format(
            Locale.ROOT, "accuracy %.2f%% (%d of %d images)%n", 100 * accuracy(), correct, total));
    return b.toString();
  }

  private static String percent(double v) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.1f%%", 100 * v);
  }

  /** The figures as one JSON object. */
  public String toJson() {
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode root = json.createObjectNode();
    root.put("images", total);
    root.put("accuracy", accuracy());
    ArrayNode classes = root.putArray("classes");
    for (int k = 0; k < classNames.size(); k++) {
      ObjectNode c = classes.addObject();
      c.put("name", classNames.get(k));
      c.put("images", support(k));
      number(c, "precision", precision(k));
      number(c, "recall", recall(k));
      number(c, "f1", f1(k));
    }
    ArrayNode m = root.putArray("confusion");
    for (long[] row : confusion) {
      ArrayNode r = m.addArray();
      for (long v : row) {
        r.add(v);
      }
    }
    try {
      return json.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void number(ObjectNode node, String field, double v) {
    if (Double.isNaN(v)) {
      node.putNull(field);
    } else {
      node.put(field, v);
    }
  }

  /**
   * Writes the confusion matrix as a PNG heat map: true class down, predicted class across, each
   * cell the fraction of the true class's images (so rare classes show as clearly as common ones),
   * with its count.
   */
  public void writeConfusionPng(Path png, String title) throws IOException {
    int k = classNames.size();
    int side = Math.max(500, 60 * k + 250);
    HeatMapChart chart =
        new HeatMapChartBuilder().width(side + 120).height(side).title(title).build();
    chart.setXAxisTitle("predicted");
    chart.setYAxisTitle("true");
    chart.getStyler().setChartBackgroundColor(Color.WHITE);
    chart.getStyler().setShowValue(true);
    chart.getStyler().setHeatMapValueDecimalPattern("0%");
    chart.getStyler().setMin(0);
    chart.getStyler().setMax(1);
    chart.getStyler().setRangeColors(new Color[] {Color.WHITE, new Color(0x1f, 0x4e, 0x9c)});
    chart.getStyler().setValueFontColor(Color.DARK_GRAY);
    chart.getStyler().setXAxisLabelRotation(45);
    List<String> rows = new ArrayList<>();
    // The heat map's y axis grows upwards: list classes bottom-up so the first is on top.
    for (int t = k - 1; t >= 0; t--) {
      rows.add(classNames.get(t));
    }
    List<Number[]> cells = new ArrayList<>();
    for (int t = 0; t < k; t++) {
      long s = support(t);
      for (int p = 0; p < k; p++) {
        double v = s == 0 ? 0 : (double) confusion[t][p] / s;
        cells.add(new Number[] {p, k - 1 - t, v});
      }
    }
    chart.addSeries("fraction of the true class", classNames, rows, cells);
    AtomicFiles.write(png, BitmapEncoder.getBitmapBytes(chart, BitmapFormat.PNG));
  }
}
