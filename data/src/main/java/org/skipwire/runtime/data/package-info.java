/**
 * Training data: for classification, IDX (MNIST, Fashion-MNIST) and CIFAR-10 binary readers, the
 * embedded Fashion-MNIST subset, and DL4J iterators over them (as images, flat vectors or sequences
 * of rows); for forecasting, univariate series from a CSV column ({@link
 * org.skipwire.runtime.data.SeriesReader}), the embedded sunspot series, and windows over them.
 *
 * <pre>{@code
 * Dataset data = Datasets.open(dirOrNull);   // null: the embedded subset; else IDX or CIFAR-10 files
 * DataSplit split = data.iterators(model.inputShape(), model.outputShape(), DataOptions.defaults());
 *
 * Series series = SeriesReader.read(Path.of("levels.csv"), "level");   // or Datasets.sunspots()
 * SeriesSplit windows = series.iterators(model.inputShape(), model.outputShape(), DataOptions.defaults());
 * }</pre>
 *
 * <p>Everything that can be wrong with the files or with the fit between data and network is a
 * {@link org.skipwire.runtime.data.DataException} with a one-line message that starts with the file
 * (or data set) at fault; a command-line program prints it as it is and exits non-zero.
 */
package org.skipwire.runtime.data;
