package org.skipwire.runtime.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.skipwire.runtime.data.TestFiles.assertMessage;
import static org.skipwire.runtime.data.TestFiles.cifar;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CifarReaderTest {
  @TempDir Path dir;

  @Test
  void readsRecordsOfSeveralFilesInOrder() throws IOException {
    Path a = Files.write(dir.resolve("data_batch_1.bin"), cifar(3));
    Path b = Files.write(dir.resolve("data_batch_2.bin"), cifar(2));

    ImageData data = CifarReader.read(List.of(a, b));

    assertEquals(5, data.size());
    assertEquals(List.of(3, 32, 32), data.shape());
    assertEquals(2, data.label(2));
    assertEquals(1, data.label(4)); // record 1 of the second file
    // red, green, blue planes, rows top to bottom: (i + 7c + 3y + x) % 256
    assertEquals((2 + 7 * 2 + 3 * 5 + 9) % 256, data.pixel(2, 2, 5, 9));
    assertEquals((1 + 7 + 3 * 31 + 31) % 256, data.pixel(4, 1, 31, 31));
  }

  @Test
  void truncatedFile() throws IOException {
    byte[] full = cifar(4);
    Path f = Files.write(dir.resolve("data_batch_3.bin"), Arrays.copyOf(full, full.length - 100));

    DataException e = assertThrows(DataException.class, () -> CifarReader.read(List.of(f)));

    assertMessage(e, f, "not a whole number of 3073-byte records", "3 complete records");
  }

  @Test
  void emptyFile() throws IOException {
    Path f = Files.write(dir.resolve("test_batch.bin"), new byte[0]);

    DataException e = assertThrows(DataException.class, () -> CifarReader.read(List.of(f)));

    assertMessage(e, f, "empty");
  }

  @Test
  void labelOutOfRange() throws IOException {
    byte[] content = cifar(3);
    content[2 * CifarReader.RECORD] = 42;
    Path f = Files.write(dir.resolve("data_batch_1.bin"), content);

    DataException e = assertThrows(DataException.class, () -> CifarReader.read(List.of(f)));

    assertMessage(e, f, "record 2 has label 42, expected 0..9");
  }

  @Test
  void gzippedBatchIsNamed() throws IOException {
    Path f = Files.write(dir.resolve("data_batch_1.bin"), TestFiles.gzip(cifar(1)));

    DataException e = assertThrows(DataException.class, () -> CifarReader.read(List.of(f)));

    assertMessage(e, f, "gzip-compressed");
  }

  @Test
  void missingFile() {
    Path f = dir.resolve("data_batch_4.bin");

    DataException e = assertThrows(DataException.class, () -> CifarReader.read(List.of(f)));

    assertEquals(f + ": file not found", e.getMessage());
  }
}
