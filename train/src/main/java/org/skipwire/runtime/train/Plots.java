package org.skipwire.runtime.train;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * PNG charts of training runs (XChart, drawn off-screen). Each file is written to a temporary name
 * and renamed, so a reader never sees half a PNG.
 */
public final class Plots {
  /** Loss per epoch. */
  public static final String LOSS_FILE = "loss.png";

  /** Accuracy per epoch. */
  public static final String ACCURACY_FILE = "accuracy.png";

  /** Gradient norm per layer, one line per epoch. */
  public static final String GRADIENT_FLOW_FILE = "gradient-flow.png";

  /** A series' test mean squared error per epoch, in its units, against the naive forecast. */
  public static final String MSE_FILE = "mse.png";

  private static final int WIDTH = 800;
  private static final int HEIGHT = 500;

  /** Epoch lines drawn at most in a gradient-flow chart; more would be unreadable. */
  private static final int MAX_EPOCH_LINES = 8;

  static {
    // Charts are drawn into images; never ask for a display (servers, CI, ssh sessions).
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
  }

  private Plots() {}

  /** Writes {@link #LOSS_FILE}, {@link #ACCURACY_FILE} and {@link #GRADIENT_FLOW_FILE} to dir. */
  public static void writeAll(Path dir, String model, List<EpochMetrics> history)
      throws IOException {
    Map<String, List<EpochMetrics>> run = Map.of(model, history);
    loss(dir.resolve(LOSS_FILE), run);
    accuracy(dir.resolve(ACCURACY_FILE), run);
    gradientFlow(dir.resolve(GRADIENT_FLOW_FILE), model, history);
  }

  /**
   * Writes {@link #LOSS_FILE}, {@link #MSE_FILE} and {@link #GRADIENT_FLOW_FILE} for a regression
   * run (a series): no accuracy chart, there is no accuracy.
   *
   * @param baselineMse the naive forecast's test MSE, drawn as a line; NaN for none
   */
  public static void writeRegression(
      Path dir, String model, List<EpochMetrics> history, double baselineMse) throws IOException {
    Map<String, List<EpochMetrics>> run = Map.of(model, history);
    loss(dir.resolve(LOSS_FILE), run);
    mse(dir.resolve(MSE_FILE), run, baselineMse);
    gradientFlow(dir.resolve(GRADIENT_FLOW_FILE), model, history);
  }

  /**
   * Training and test loss per epoch of one or more runs (series named after the runs): mean
   * cross-entropy, or for a series the mean squared error between standardised values.
   */
  public static void loss(Path png, Map<String, List<EpochMetrics>> runs) throws IOException {
    boolean regression =
        runs.values().stream().flatMap(List::stream).anyMatch(EpochMetrics::isRegression);
    XYChart chart =
        epochChart(regression ? "loss (MSE, standardised values)" : "loss (cross-entropy)", "loss");
    addEpochSeries(chart, runs, "train", EpochMetrics::trainLoss, false);
    addEpochSeries(chart, runs, "test", EpochMetrics::testLoss, true);
    save(chart, png);
  }

  /** The file {@link #trainingLoss} writes in a comparison. */
  public static final String TRAINING_LOSS_FILE = "training-loss.png";

  /**
   * Training loss alone per epoch of several runs, one line each, on a log scale: the picture of He
   * et al. 2016, Fig. 1 and 6 (a deeper plain network above a shallower one).
   */
  public static void trainingLoss(Path png, Map<String, List<EpochMetrics>> runs)
      throws IOException {
    XYChart chart = epochChart("training loss (cross-entropy)", "training loss");
    logY(chart);
    addEpochSeries(chart, runs, "train", EpochMetrics::trainLoss, false);
    save(chart, png);
  }

  /** The file {@link #skipUsage} writes beside a checkpoint. */
  public static final String SKIP_USAGE_FILE = "skip-usage.png";

  /**
   * {@link SkipUsage}'s measures per epoch, one line each: residual blocks' {@code ||F(x)|| /
   * ||x||}, highway gates' mean T(x), ReZero and gated-skip alphas.
   *
   * @param history one map per epoch of this run (oldest first)
   */
  public static void skipUsage(Path png, String model, List<Map<String, Double>> history)
      throws IOException {
    XYChart chart = epochChart(model + ": skip usage on a fixed batch", "ratio, gate or alpha");
    Map<String, List<double[]>> lines = new LinkedHashMap<>();
    for (int e = 0; e < history.size(); e++) {
      int epoch = e + 1;
      history
          .get(e)
          .forEach(
              (k, v) ->
                  lines.computeIfAbsent(k, x -> new ArrayList<>()).add(new double[] {epoch, v}));
    }
    lines.forEach(
        (name, points) -> {
          double[] xs = points.stream().mapToDouble(p -> p[0]).toArray();
          double[] ys =
              points.stream().mapToDouble(p -> Double.isFinite(p[1]) ? p[1] : 0).toArray();
          chart.addSeries(name, xs, ys);
        });
    chart.getStyler().setLegendVisible(lines.size() <= 16);
    chart.getStyler().setLegendPosition(LegendPosition.OutsideE);
    ensureSeries(chart);
    save(chart, png);
  }

  /** The file {@link #lesion} writes. */
  public static final String LESION_FILE = "lesion.png";

  /**
   * The lesion experiment, side by side: left, the metric with each block deleted alone (x: the
   * block's position) against the intact network's; right, the mean with k random blocks deleted
   * (x: k), as Veit et al. 2016, Fig. 3 and 5. One line per network.
   *
   * @param reports network name to its report
   */
  public static void lesion(Path png, Map<String, Lesions.Report> reports) throws IOException {
    String metric = reports.values().stream().findFirst().map(Lesions.Report::metric).orElse("");
    XYChart single =
        new XYChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title("one block deleted")
            .xAxisTitle("block (input → output)")
            .yAxisTitle(metric)
            .build();
    XYChart random =
        new XYChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title("k random blocks deleted (mean of the draws)")
            .xAxisTitle("k")
            .yAxisTitle(metric)
            .build();
    style(single);
    style(random);
    single.getStyler().setXAxisDecimalPattern("0");
    random.getStyler().setXAxisDecimalPattern("0");
    boolean percent = metric.endsWith("accuracy");
    reports.forEach(
        (name, r) -> {
          double scale = percent ? 100 : 1;
          List<Double> xs = new ArrayList<>();
          List<Double> ys = new ArrayList<>();
          for (int i = 0; i < r.single().size(); i++) {
            double m = r.single().get(i).metric();
            if (Double.isFinite(m)) {
              xs.add(i + 1.0);
              ys.add(scale * m);
            }
          }
          if (!xs.isEmpty()) {
            single.addSeries(name, xs, ys);
            XYSeries intact =
                single.addSeries(
                    name + " intact",
                    new double[] {1, r.single().size()},
                    new double[] {scale * r.intact(), scale * r.intact()});
            intact.setMarker(SeriesMarkers.NONE);
            intact.setLineStyle(dashed());
          }
          if (!r.random().isEmpty()) {
            double[] ks = new double[r.random().size() + 1];
            double[] ms = new double[ks.length];
            ms[0] = scale * r.intact();
            for (int k = 1; k < ks.length; k++) {
              ks[k] = k;
              ms[k] = scale * r.random().get(k - 1).metric();
            }
            random.addSeries(name, ks, ms);
          }
        });
    ensureSeries(single);
    ensureSeries(random);
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    BitmapEncoder.saveBitmap(List.of(single, random), 1, 2, bytes, BitmapFormat.PNG);
    write(bytes.toByteArray(), png);
  }

  /** Training and test accuracy (percent) per epoch of one or more runs. */
  public static void accuracy(Path png, Map<String, List<EpochMetrics>> runs) throws IOException {
    XYChart chart = epochChart("accuracy", "accuracy (%)");
    addEpochSeries(chart, runs, "train", m -> 100 * m.trainAccuracy(), false);
    addEpochSeries(chart, runs, "test", m -> 100 * m.testAccuracy(), true);
    chart.getStyler().setLegendPosition(LegendPosition.InsideSE);
    save(chart, png);
  }

  /**
   * A series' test MSE per epoch in its own units for one or more runs, and the naive last-value
   * forecast's as a dashed horizontal line.
   *
   * @param baselineMse the naive forecast's test MSE; NaN to leave it out
   */
  public static void mse(Path png, Map<String, List<EpochMetrics>> runs, double baselineMse)
      throws IOException {
    XYChart chart = epochChart("test MSE (series units)", "mean squared error");
    addEpochSeries(chart, runs, "test", EpochMetrics::testMse, false);
    int epochs = runs.values().stream().mapToInt(List::size).max().orElse(0);
    if (Double.isFinite(baselineMse) && epochs > 0) {
      XYSeries s =
          chart.addSeries(
              "naive last-value forecast",
              new double[] {1, Math.max(1, epochs)},
              new double[] {baselineMse, baselineMse});
      s.setMarker(SeriesMarkers.NONE);
      s.setLineStyle(dashed());
    }
    save(chart, png);
  }

  /**
   * Mean gradient L2 norm per layer (x: layer depth, input side at 1; y: log scale), one line per
   * epoch (at most 8, evenly spaced, always the first and the last).
   */
  public static void gradientFlow(Path png, String model, List<EpochMetrics> history)
      throws IOException {
    XYChart chart =
        new XYChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title(model + ": gradient L2 norm per layer")
            .xAxisTitle("layer (input → output)")
            .yAxisTitle("mean gradient norm")
            .build();
    style(chart);
    logY(chart);
    for (int idx : pickEpochs(history.size())) {
      EpochMetrics m = history.get(idx);
      addNorms(chart, "epoch " + m.epoch(), m.gradientNorms(), false);
    }
    if (!history.isEmpty()) {
      List<String> layers = List.copyOf(history.get(history.size() - 1).gradientNorms().keySet());
      if (layers.size() <= 12) {
        // Few layers: name them on the axis instead of numbering them.
        chart.getStyler().setXAxisMaxLabelCount(layers.size());
        chart
            .getStyler()
            .setxAxisTickLabelsFormattingFunction(
                x -> {
                  long i = Math.round(x);
                  return Math.abs(x - i) < 1e-9 && i >= 1 && i <= layers.size()
                      ? layers.get((int) i - 1)
                      : "";
                });
      }
    }
    ensureSeries(chart);
    save(chart, png);
  }

  /**
   * The last epoch's gradient norms of several runs on one chart, against relative depth (0 = first
   * layer, 1 = last) so networks of different depth line up: the degradation experiment's picture.
   */
  public static void gradientFlowComparison(Path png, Map<String, List<EpochMetrics>> runs)
      throws IOException {
    XYChart chart =
        new XYChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title("gradient L2 norm per layer, last epoch")
            .xAxisTitle("relative depth (0 = input side, 1 = output)")
            .yAxisTitle("mean gradient norm")
            .build();
    style(chart);
    logY(chart);
    runs.forEach(
        (name, history) -> {
          if (!history.isEmpty()) {
            addNorms(chart, name, history.get(history.size() - 1).gradientNorms(), true);
          }
        });
    ensureSeries(chart);
    save(chart, png);
  }

  static List<Integer> pickEpochs(int n) {
    List<Integer> out = new ArrayList<>();
    if (n <= MAX_EPOCH_LINES) {
      for (int i = 0; i < n; i++) {
        out.add(i);
      }
      return out;
    }
    for (int k = 0; k < MAX_EPOCH_LINES; k++) {
      int i = (int) Math.round((double) k * (n - 1) / (MAX_EPOCH_LINES - 1));
      if (out.isEmpty() || out.get(out.size() - 1) != i) {
        out.add(i);
      }
    }
    return out;
  }

  private static void addNorms(
      XYChart chart, String name, Map<String, Double> norms, boolean relative) {
    List<Double> xs = new ArrayList<>();
    List<Double> ys = new ArrayList<>();
    int i = 0;
    int n = norms.size();
    for (double v : norms.values()) {
      xs.add(relative ? (n == 1 ? 0.0 : (double) i / (n - 1)) : i + 1.0);
      // A log axis cannot show 0 or NaN; a vanished gradient shows at the floor instead.
      ys.add(Double.isFinite(v) && v > 1e-12 ? v : 1e-12);
      i++;
    }
    if (!xs.isEmpty()) {
      XYSeries s = chart.addSeries(name, xs, ys);
      s.setMarker(n > 60 ? SeriesMarkers.NONE : SeriesMarkers.CIRCLE);
    }
  }

  private static XYChart epochChart(String title, String yTitle) {
    XYChart chart =
        new XYChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title(title)
            .xAxisTitle("epoch")
            .yAxisTitle(yTitle)
            .build();
    style(chart);
    chart.getStyler().setXAxisDecimalPattern("0");
    return chart;
  }

  private static void addEpochSeries(
      XYChart chart,
      Map<String, List<EpochMetrics>> runs,
      String part,
      ToDoubleFunction<EpochMetrics> value,
      boolean dashed) {
    for (Map.Entry<String, List<EpochMetrics>> run : new LinkedHashMap<>(runs).entrySet()) {
      List<Double> xs = new ArrayList<>();
      List<Double> ys = new ArrayList<>();
      for (EpochMetrics m : run.getValue()) {
        double y = value.applyAsDouble(m);
        if (Double.isFinite(y)) {
          xs.add((double) m.epoch());
          ys.add(y);
        }
      }
      if (xs.isEmpty()) {
        continue;
      }
      String name = runs.size() == 1 ? part : run.getKey() + " " + part;
      XYSeries s = chart.addSeries(name, xs, ys);
      s.setMarker(SeriesMarkers.CIRCLE);
      if (dashed) {
        s.setLineStyle(dashed());
      }
    }
    ensureSeries(chart);
  }

  private static java.awt.BasicStroke dashed() {
    return new java.awt.BasicStroke(
        2f,
        java.awt.BasicStroke.CAP_BUTT,
        java.awt.BasicStroke.JOIN_MITER,
        10f,
        new float[] {6f, 4f},
        0f);
  }

  /** XChart refuses to draw a chart without series; an empty run still gets a (blank) chart. */
  private static void ensureSeries(XYChart chart) {
    if (chart.getSeriesMap().isEmpty()) {
      XYSeries s = chart.addSeries("no data", new double[] {1}, new double[] {1});
      s.setMarker(SeriesMarkers.NONE);
      s.setLineColor(new Color(0, 0, 0, 0));
    }
  }

  private static void logY(XYChart chart) {
    chart.getStyler().setYAxisLogarithmic(true);
    // Gradient norms often span less than a decade; label more than the powers of ten.
    chart.getStyler().setYAxisLogarithmicDecadeOnly(false);
  }

  private static void style(XYChart chart) {
    chart.getStyler().setChartBackgroundColor(Color.WHITE);
    chart.getStyler().setLegendPosition(LegendPosition.InsideNE);
    chart.getStyler().setMarkerSize(6);
    chart.getStyler().setAntiAlias(true);
  }

  private static void save(XYChart chart, Path png) throws IOException {
    write(BitmapEncoder.getBitmapBytes(chart, BitmapFormat.PNG), png);
  }

  private static void write(byte[] bytes, Path png) throws IOException {
    Path dir = png.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = AtomicFiles.createTemp(dir, ".plot-", ".png.tmp");
    try {
      Files.write(tmp, bytes);
      Files.move(tmp, png, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
