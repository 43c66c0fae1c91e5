package org.skipwire.runtime.data;

/** The file formats {@link Datasets#open} recognises in a directory. */
public enum DataFormat {
  /** MNIST-style IDX files: {@code train-images-idx3-ubyte}, ... , plain or {@code .gz}. */
  IDX,
  /** The CIFAR-10 binary version: {@code data_batch_1.bin} ... {@code test_batch.bin}. */
  CIFAR10,
  /** One sub-folder per class of PNG and JPEG files ({@link ImageFolders}). */
  IMAGE_FOLDER
}
