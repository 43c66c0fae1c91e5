package org.skipwire.runtime.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.skipwire.runtime.data.TestFiles.assertMessage;
import static org.skipwire.runtime.data.TestFiles.gzip;
import static org.skipwire.runtime.data.TestFiles.images;
import static org.skipwire.runtime.data.TestFiles.labels;
import static org.skipwire.runtime.data.TestFiles.write;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IdxReaderTest {
  @TempDir Path dir;

  @ParameterizedTest(name = "gzip={0}")
  @ValueSource(booleans = {false, true})
  void readsImagesAndLabels(boolean gz) throws IOException {
    Path im =
        write(dir.resolve("train-images-idx3-ubyte" + (gz ? ".gz" : "")), images(3, 2, 5), gz);
    Path lb = write(dir.resolve("train-labels-idx1-ubyte" + (gz ? ".gz" : "")), labels(3, 10), gz);

    ImageData data = IdxReader.read(im, lb, 10);

    assertEquals(3, data.size());
    assertEquals(java.util.List.of(1, 2, 5), data.shape());
    assertEquals(2, data.label(2));
    assertEquals((2 * 31 + 1 * 5 + 3) % 256, data.pixel(2, 0, 1, 3));
  }

  @Test
  void gzipIsRecognisedByContentNotName() throws IOException {
    Path im = write(dir.resolve("train-images-idx3-ubyte"), images(2, 3, 3), true);
    Path plain = write(dir.resolve("plain.gz"), images(2, 3, 3), false);

    assertArrayEquals(IdxReader.readImages(plain).pixels(), IdxReader.readImages(im).pixels());
  }

  @Test
  void labelsFileWhereImagesExpected() throws IOException {
    Path f = write(dir.resolve("train-images-idx3-ubyte.gz"), labels(5, 10), true);

    DataException e = assertThrows(DataException.class, () -> IdxReader.readImages(f));

    assertMessage(e, f, "expected magic 2051 (IDX images), found 2049 (IDX labels)");
  }

  @Test
  void imagesFileWhereLabelsExpected() throws IOException {
    Path f = write(dir.resolve("train-labels-idx1-ubyte.gz"), images(5, 2, 2), true);

    DataException e = assertThrows(DataException.class, () -> IdxReader.readLabels(f));

    assertEquals(f + ": expected magic 2049 (IDX labels), found 2051 (IDX images)", e.getMessage());
  }

  @Test
  void notAnIdxFileAtAll() throws IOException {
    Path f = Files.writeString(dir.resolve("t10k-images-idx3-ubyte"), "<html>not found</html>");

    DataException e = assertThrows(DataException.class, () -> IdxReader.readImages(f));

    assertMessage(e, f, "expected magic 2051", "not an IDX file");
  }

  @Test
  void truncatedRawImages() throws IOException {
    byte[] full = images(10, 4, 4);
    Path f =
        write(dir.resolve("train-images-idx3-ubyte"), Arrays.copyOf(full, 16 + 16 * 7 + 5), false);

    DataException e = assertThrows(DataException.class, () -> IdxReader.readImages(f));

    assertMessage(e, f, "truncated", "10 images of 4x4", "7 complete images");
  }

  @Test
  void truncatedDataInsideGzip() throws IOException {
    byte[] full = images(10, 4, 4);
    Path f =
        write(dir.resolve("train-images-idx3-ubyte.gz"), Arrays.copyOf(full, 16 + 16 * 3), true);

    DataException e = assertThrows(DataException.class, () -> IdxReader.readImages(f));

    assertMessage(e, f, "truncated", "10 images of 4x4", "after 3 complete images");
  }

  @Test
  void truncatedGzipStream() throws IOException {
    byte[] gz = gzip(images(200, 8, 8));
    Path f =
        Files.write(dir.resolve("train-images-idx3-ubyte.gz"), Arrays.copyOf(gz, gz.length / 2));

    DataException e = assertThrows(DataException.class, () -> IdxReader.readImages(f));

    assertMessage(e, f, "truncated");
  }

  @Test
  void corruptGzipStream() throws IOException {
    byte[] gz = gzip(images(50, 8, 8));
    for (int i = 20; i < 60; i++) {
      gz[i] ^= 0x5A;
    }
    Path f = Files.write(dir.resolve("train-images-idx3-ubyte.gz"), gz);

    DataException e = assertThrows(DataException.class, () -> IdxReader.readImages(f));

    assertMessage(e, f);
  }

  @Test
  void fileEndsInsideHeader() throws IOException {
    Path f = Files.write(dir.resolve("train-labels-idx1-ubyte"), new byte[] {0, 0, 8});

    DataException e = assertThrows(DataException.class, () -> IdxReader.readLabels(f));

    assertMessage(e, f, "truncated", "header");
  }

  @Test
  void extraBytesAfterTheData() throws IOException {
    byte[] full = images(2, 4, 4);
    Path f =
        write(dir.resolve("train-images-idx3-ubyte"), Arrays.copyOf(full, full.length + 3), false);

    DataException e = assertThrows(DataException.class, () -> IdxReader.readImages(f));

    assertMessage(e, f, "3 unexpected bytes", "2 images of 4x4");
  }

  @Test
  void extraBytesAfterTheDataInsideGzip() throws IOException {
    byte[] full = images(2, 4, 4);
    Path f =
        write(
            dir.resolve("train-images-idx3-ubyte.gz"), Arrays.copyOf(full, full.length + 3), true);

    DataException e = assertThrows(DataException.class, () -> IdxReader.readImages(f));

    assertMessage(e, f, "unexpected data", "2 images of 4x4");
  }

  @Test
  void zeroSizedImagesAreWrongDimensions() throws IOException {
    Path f =
        write(
            dir.resolve("train-images-idx3-ubyte"),
            TestFiles.idx(IdxReader.IMAGES_MAGIC, new int[] {3, 0, 28}, new byte[0]),
            false);

    DataException e = assertThrows(DataException.class, () -> IdxReader.readImages(f));

    assertMessage(e, f, "images of 0x28");
  }

  @Test
  void countMismatchNamesBothFiles() throws IOException {
    Path im = write(dir.resolve("train-images-idx3-ubyte"), images(5, 2, 2), false);
    Path lb = write(dir.resolve("train-labels-idx1-ubyte"), labels(4, 3), false);

    DataException e = assertThrows(DataException.class, () -> IdxReader.read(im, lb, 10));

    assertMessage(e, lb, "4 labels but " + im + " has 5 images");
  }

  @Test
  void labelOutsideClasses() throws IOException {
    Path im = write(dir.resolve("train-images-idx3-ubyte"), images(5, 2, 2), false);
    Path lb = write(dir.resolve("train-labels-idx1-ubyte"), labels(5, 5), false);

    DataException e = assertThrows(DataException.class, () -> IdxReader.read(im, lb, 4));

    assertMessage(e, lb, "label 4 at index 4 is outside 0..3");
  }

  @Test
  void missingFile() {
    Path f = dir.resolve("t10k-labels-idx1-ubyte.gz");

    DataException e = assertThrows(DataException.class, () -> IdxReader.readLabels(f));

    assertEquals(f + ": file not found", e.getMessage());
  }
}
