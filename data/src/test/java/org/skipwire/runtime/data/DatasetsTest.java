package org.skipwire.runtime.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.skipwire.runtime.data.TestFiles.assertMessage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.dataset.DataSet;

class DatasetsTest {
  @TempDir Path dir;

  @ParameterizedTest(name = "gzip={0}")
  @ValueSource(booleans = {false, true})
  void opensIdxDirectory(boolean gzip) throws IOException {
    TestFiles.idxDir(dir, 12, 5, gzip);

    Dataset ds = Datasets.open(dir);

    assertEquals(DataFormat.IDX, ds.format());
    assertEquals(12, ds.train().size());
    assertEquals(5, ds.test().size());
    assertEquals(List.of(1, 4, 4), ds.imageShape());
    assertEquals(10, ds.numClasses());
  }

  @Test
  void acceptsDotSpellingOfMnistNames() throws IOException {
    TestFiles.write(dir.resolve("train-images.idx3-ubyte"), TestFiles.images(3, 4, 4), false);
    TestFiles.write(dir.resolve("train-labels.idx1-ubyte"), TestFiles.labels(3, 3), false);
    TestFiles.write(dir.resolve("t10k-images.idx3-ubyte"), TestFiles.images(2, 4, 4), false);
    TestFiles.write(dir.resolve("t10k-labels.idx1-ubyte"), TestFiles.labels(2, 3), false);

    assertEquals(3, Datasets.open(dir).train().size());
  }

  @Test
  void opensCifarDirectoryOrItsParent() throws IOException {
    TestFiles.cifarDir(dir.resolve("cifar-10-batches-bin"), 2, 3);

    Dataset ds = Datasets.open(dir);

    assertEquals(DataFormat.CIFAR10, ds.format());
    assertEquals(10, ds.train().size());
    assertEquals(3, ds.test().size());
    assertEquals(List.of(3, 32, 32), ds.imageShape());
    assertEquals(Datasets.CIFAR10_CLASSES, ds.classNames());
  }

  @Test
  void missingIdxFileIsNamed() throws IOException {
    TestFiles.idxDir(dir, 4, 4, true);
    Files.delete(dir.resolve("t10k-labels-idx1-ubyte.gz"));

    DataException e = assertThrows(DataException.class, () -> Datasets.open(dir));

    assertMessage(e, dir.resolve("t10k-labels-idx1-ubyte") + "[.gz]", "missing");
  }

  @Test
  void missingCifarBatchIsNamed() throws IOException {
    TestFiles.cifarDir(dir, 1, 1);
    Files.delete(dir.resolve("data_batch_4.bin"));

    DataException e = assertThrows(DataException.class, () -> Datasets.open(dir));

    assertMessage(e, dir.resolve("data_batch_4.bin"), "missing");
  }

  @Test
  void testImagesOfAnotherSizeAreRejected() throws IOException {
    TestFiles.idxDir(dir, 4, 4, false);
    TestFiles.write(dir.resolve("t10k-images-idx3-ubyte"), TestFiles.images(4, 5, 5), false);

    DataException e = assertThrows(DataException.class, () -> Datasets.open(dir));

    assertMessage(e, dir.resolve("t10k-images-idx3-ubyte"), "5x5", "4x4");
  }

  @Test
  void emptyDirectoryHasNoDataSet() {
    DataException e = assertThrows(DataException.class, () -> Datasets.open(dir));

    assertMessage(e, dir, "no data set found");
  }

  @Test
  void missingDirectory() {
    Path none = dir.resolve("nope");

    DataException e = assertThrows(DataException.class, () -> Datasets.open(none));

    assertEquals(none + ": no such directory", e.getMessage());
  }

  @Test
  void networkOfAnotherInputShapeIsRefused() throws IOException {
    Dataset ds = Datasets.open(TestFiles.idxDir(dir, 4, 4, false));

    DataException e =
        assertThrows(
            DataException.class,
            () -> ds.iterators(List.of(3, 32, 32), List.of(10), DataOptions.defaults()));

    assertMessage(e, ds.name(), "[1, 4, 4]", "[3, 32, 32]");
    assertEquals(
        ds.name()
            + ": images are [1, 4, 4] (or 16 flat, or [4, 4] as a sequence of 4 rows) but the"
            + " network expects input [3, 32, 32]; choose a network declared for [1, 4, 4]",
        e.getMessage());
  }

  @Test
  void colourImagesAreNeverASequence() throws IOException {
    Dataset ds = Datasets.open(TestFiles.cifarDir(dir, 1, 1));

    DataException e =
        assertThrows(
            DataException.class,
            () -> ds.iterators(List.of(32, 32), List.of(10), DataOptions.defaults()));

    assertMessage(e, ds.name(), "[3, 32, 32]", "3072 flat", "only one-channel images", "[32, 32]");
  }

  @Test
  void sequenceNetworkReadsRowsAsTimeStepsAndAugmentsOnlyWhenAsked() throws IOException {
    // 5 rows of 3 pixels: a network with input [3, 5] (3 features, 5 time steps).
    TestFiles.write(dir.resolve("train-images-idx3-ubyte"), TestFiles.images(6, 5, 3), false);
    TestFiles.write(dir.resolve("train-labels-idx1-ubyte"), TestFiles.labels(6, 3), false);
    TestFiles.write(dir.resolve("t10k-images-idx3-ubyte"), TestFiles.images(2, 5, 3), false);
    TestFiles.write(dir.resolve("t10k-labels-idx1-ubyte"), TestFiles.labels(2, 3), false);
    Dataset ds = Datasets.open(dir);
    DataOptions options = DataOptions.defaults().withBatch(6).withNormalize(false);

    DataSplit plain = ds.iterators(List.of(3, 5), List.of(3), options);
    DataSplit augmented = ds.iterators(List.of(3, 5), List.of(3), options.withAugment(true));

    assertEquals(ImageDataSetIterator.Layout.SEQUENCE, plain.train().layout());
    assertEquals(ImageDataSetIterator.Layout.SEQUENCE, plain.test().layout());
    DataSet test = plain.test().next();
    assertArrayEquals(new long[] {2, 3, 5}, test.getFeatures().shape());
    for (int i = 0; i < 2; i++) {
      for (int x = 0; x < 3; x++) {
        for (int t = 0; t < 5; t++) {
          assertEquals(
              ds.test().pixel(i, 0, t, x) / 255f, test.getFeatures().getFloat(i, x, t), 1e-7);
        }
      }
    }
    // The same shuffle in both; only the augmented one shifts or flips.
    boolean differs = false;
    for (int e = 0; e < 5; e++) {
      plain.train().setEpoch(e);
      augmented.train().setEpoch(e);
      differs |= !plain.train().next().getFeatures().equals(augmented.train().next().getFeatures());
    }
    assertEquals(true, differs, "augmentation on changes the training features");
    assertEquals(plain.test().data(), augmented.test().data());
    plain.test().reset();
    augmented.test().reset();
    assertEquals(plain.test().next().getFeatures(), augmented.test().next().getFeatures());
  }

  @Test
  void networkWithTooFewOutputsIsRefused() throws IOException {
    Dataset ds = Datasets.open(TestFiles.idxDir(dir, 12, 4, false));

    DataException e =
        assertThrows(
            DataException.class,
            () -> ds.iterators(List.of(1, 4, 4), List.of(5), DataOptions.defaults()));

    assertMessage(e, ds.name(), "10 classes", "[5]");
  }

  @Test
  void flatNetworkGetsFlatFeaturesAndLimitsApply() throws IOException {
    Dataset ds = Datasets.open(TestFiles.idxDir(dir, 12, 6, false));

    DataSplit split =
        ds.iterators(
            List.of(16),
            List.of(10),
            DataOptions.defaults().withBatch(4).withTrainLimit(10).withTestLimit(5));
    DataSet first = split.train().next();

    assertArrayEquals(new long[] {4, 16}, first.getFeatures().shape());
    assertArrayEquals(new long[] {4, 10}, first.getLabels().shape());
    assertEquals(10, split.train().size());
    assertEquals(3, split.train().batchesPerEpoch());
    assertEquals(5, split.test().size());
  }
}
