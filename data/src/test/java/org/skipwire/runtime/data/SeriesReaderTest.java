package org.skipwire.runtime.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.skipwire.runtime.data.TestFiles.assertMessage;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SeriesReaderTest {
  @TempDir Path dir;

  private Path csv(String text) throws IOException {
    Path file = dir.resolve("series.csv");
    Files.writeString(file, text, StandardCharsets.UTF_8);
    return file;
  }

  @Test
  void readsTheNamedColumnWithItsTimeStamps() throws IOException {
    Path file = csv("month,level,other\n2020-01,1.5,9\n2020-02,-2,9\n2020-03,3e2,9\n");

    Series s = SeriesReader.read(file, "level");

    assertEquals("level", s.column());
    assertEquals(file.toString(), s.name());
    assertArrayEquals(new double[] {1.5, -2, 300}, s.values());
    assertEquals(List.of("2020-01", "2020-02", "2020-03"), s.times());
  }

  @Test
  void quotedFieldsMayHoldCommasQuotesAndLineBreaks() throws IOException {
    Path file =
        csv(
            "\"date, local\",\"level \"\"m\"\"\"\r\n"
                + "\"Jan 1, 2020\",\"1.25\"\r\n"
                + "\"Jan\n2, 2020\", 2.5 \r\n"
                + "\"Jan 3, 2020\",x\r\n");

    DataException e =
        assertThrows(DataException.class, () -> SeriesReader.read(file, "level \"m\""));
    // The quoted line break counts: the bad row starts on line 5.
    assertMessage(e, file + ":5", "\"x\"", "level \"m\"", "not a number");

    Files.writeString(file, Files.readString(file).replace(",x", ",\"3,5\""));
    e = assertThrows(DataException.class, () -> SeriesReader.read(file, "level \"m\""));
    assertMessage(e, file + ":5", "\"3,5\"", "not a number");

    Files.writeString(file, Files.readString(file).replace("\"3,5\"", "\"-4\""));
    Series s = SeriesReader.read(file, "level \"m\"");
    assertArrayEquals(new double[] {1.25, 2.5, -4}, s.values());
    assertEquals(List.of("Jan 1, 2020", "Jan\n2, 2020", "Jan 3, 2020"), s.times());
  }

  @Test
  void missingFile() {
    Path none = dir.resolve("none.csv");

    DataException e = assertThrows(DataException.class, () -> SeriesReader.read(none, "v"));

    assertEquals(none + ": no such file", e.getMessage());
  }

  @Test
  void missingColumnListsTheColumns() throws IOException {
    Path file = csv("month,sunspots\n1749-01,58\n");

    DataException e = assertThrows(DataException.class, () -> SeriesReader.read(file, "spots"));

    assertEquals(file + ": no column \"spots\"; the columns are month, sunspots", e.getMessage());
  }

  @Test
  void badNumberNamesTheLine() throws IOException {
    // Line 1 header, line 2 a value, line 3 empty (skipped but counted), line 4 the bad one.
    Path file = csv("t,v\n1,2.5\n\n2,2.5.1\n3,4\n");

    DataException e = assertThrows(DataException.class, () -> SeriesReader.read(file, "v"));

    assertEquals(file + ":4: \"2.5.1\" in column v is not a number", e.getMessage());
    assertEquals(file + ":4", e.source());
  }

  @ParameterizedTest(name = "[{index}] {1}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        "NA|missing value \"NA\" in column v",
        "nan|missing value \"nan\" in column v",
        "``|missing value (empty) in column v",
        "Inf|\"Inf\" in column v is not a number",
        "0x1p3|\"0x1p3\" in column v is not a number",
        "1e999|\"1e999\" in column v is out of range",
      })
  void missingAndNonFiniteValuesAreRefusedWithTheirLine(String cell, String problem)
      throws IOException {
    Path file = csv("t,v\n1,1\n2," + cell + "\n3,3\n");

    DataException e = assertThrows(DataException.class, () -> SeriesReader.read(file, "v"));

    assertMessage(e, file + ":3", problem);
  }

  @Test
  void aRowWithTheWrongNumberOfFieldsIsRefused() throws IOException {
    Path file = csv("t,v\n1,1\n2,2,7\n");

    DataException e = assertThrows(DataException.class, () -> SeriesReader.read(file, "v"));

    assertEquals(file + ":3: 3 fields but the header has 2 (t, v)", e.getMessage());
  }

  @Test
  void emptyFileAndHeaderOnly() throws IOException {
    Path file = csv("");
    assertMessage(
        assertThrows(DataException.class, () -> SeriesReader.read(file, null)), file, "empty");

    csv("t,v\n");
    assertEquals(
        file + ": has a header but no rows",
        assertThrows(DataException.class, () -> SeriesReader.read(file, null)).getMessage());
  }

  @Test
  void unclosedQuoteIsMalformed() throws IOException {
    Path file = csv("t,v\n1,\"2\n3,4\n");

    DataException e = assertThrows(DataException.class, () -> SeriesReader.read(file, "v"));

    assertEquals(
        file + ":2: malformed CSV: a quoted field is not closed before the end of the file",
        e.getMessage());
  }

  @Test
  void semicolonsInsteadOfCommasAreNamed() throws IOException {
    Path file = csv("t;v\n1;2\n");

    DataException e = assertThrows(DataException.class, () -> SeriesReader.read(file, "v"));

    assertEquals(
        file + ": the header \"t;v\" is one column; separate the fields with commas",
        e.getMessage());
  }

  @Test
  void textThatIsNotUtf8IsRefused() throws IOException {
    Path file = dir.resolve("latin1.csv");
    Files.write(file, "t,v\ncaf\u00e9,1\n".getBytes(StandardCharsets.ISO_8859_1));

    DataException e = assertThrows(DataException.class, () -> SeriesReader.read(file, "v"));

    assertEquals(file + ": not UTF-8 text", e.getMessage());
  }

  @Test
  void withoutAColumnTheSeriesIsTheOnlyColumnOrTheSecondOfTwo() throws IOException {
    Series s = SeriesReader.read(csv("\uFEFFmonth,sunspots\n1749-01,58\n1749-02,62.6\n"), null);
    assertEquals("sunspots", s.column());
    assertArrayEquals(new double[] {58, 62.6}, s.values());
    assertEquals(List.of("1749-01", "1749-02"), s.times());

    Series years = SeriesReader.read(csv("year,sunspots\n1749,58\n1750,62\n"), null);
    assertEquals("sunspots", years.column());
    assertArrayEquals(new double[] {58, 62}, years.values());

    Series single = SeriesReader.read(csv("level\n1\n2\n"), null);
    assertEquals("level", single.column());
    assertEquals(List.of(), single.times());
  }

  @Test
  void withoutAColumnABadValueIsReportedInTheSeriesNotSkippedForAnotherColumn() throws IOException {
    // "day" is all numbers, "level" is not: the series is still "level", and its bad cell is named.
    Path file = csv("day,level\n1,2.5\n2,abc\n");

    DataException e = assertThrows(DataException.class, () -> SeriesReader.read(file, null));

    assertEquals(file + ":3: \"abc\" in column level is not a number", e.getMessage());
  }

  @Test
  void withoutAColumnThreeColumnsAreAmbiguous() throws IOException {
    Path file = csv("month,a,b\n1749-01,1,2\n1749-02,3,4\n");

    DataException e = assertThrows(DataException.class, () -> SeriesReader.read(file, null));

    assertEquals(
        file
            + ": cannot tell which column is the series (columns month, a, b); choose one with"
            + " --column NAME",
        e.getMessage());
  }

  @Test
  void shippedSunspotsAreMonthlyFrom1749To1983() throws IOException {
    Series s = Datasets.sunspots();

    assertEquals("sunspots (embedded)", s.name());
    assertEquals("sunspots", s.column());
    assertEquals(2820, s.size()); // 235 years of 12 months
    assertEquals(List.of("1749-01", "1749-02"), s.times().subList(0, 2));
    assertEquals("1983-12", s.times().get(2819));
    assertEquals(58.0, s.value(0));
    assertEquals(62.6, s.value(1));
    assertEquals(33.4, s.value(2819));
    for (int i = 0; i < s.size(); i++) {
      assertEquals(1749 + i / 12, Integer.parseInt(s.times().get(i).substring(0, 4)));
      assertEquals(1 + i % 12, Integer.parseInt(s.times().get(i).substring(5)));
      assertEquals(true, s.value(i) >= 0 && s.value(i) <= 253.8, "value " + i);
    }
  }
}
