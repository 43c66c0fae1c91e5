/**
 * Image classification data: IDX (MNIST, Fashion-MNIST) and CIFAR-10 binary readers, the embedded
 * Fashion-MNIST subset, and DL4J iterators over them.
 *
 * <pre>{@code
 * Dataset data = Datasets.open(dirOrNull);   // null: the embedded subset; else IDX or CIFAR-10 files
 * DataSplit split = data.iterators(model.inputShape(), model.outputShape(), DataOptions.defaults());
 * }</pre>
 *
 * <p>Everything that can be wrong with the files or with the fit between data and network is a
 * {@link org.skipwire.runtime.data.DataException} with a one-line message that starts with the
 * file (or data set) at fault; a command-line program prints it as it is and exits non-zero.
 */
package org.skipwire.runtime.data;
