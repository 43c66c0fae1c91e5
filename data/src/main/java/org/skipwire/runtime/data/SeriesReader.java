package org.skipwire.runtime.data;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Reads a univariate series from one column of a CSV file (RFC 4180 as Apache Commons CSV parses
 * it: comma-separated, fields may be quoted, quoted fields may hold commas, quotes and line breaks)
 * with a header row naming the columns, one row per time step, oldest first, UTF-8.
 *
 * <ul>
 *   <li>The column is chosen by name. Without a name the file must have one column, the series, or
 *       two: a time stamp (a date, a month, a year or a step number, as text) and then the series,
 *       as {@code month,sunspots}. With more columns, name one.
 *   <li>A value is a plain decimal number: {@code 58}, {@code -0.5}, {@code 1.2e3}; surrounding
 *       spaces are ignored. {@code NaN}, {@code Inf}, hexadecimal and thousands separators are not
 *       numbers.
 *   <li>Missing values ({@code NA}, {@code NaN}, {@code N/A}, {@code null} or an empty field) are
 *       refused, not skipped: a skipped row would make a window span a gap without saying so. Fill
 *       or cut the series first.
 * </ul>
 *
 * <p>Every problem is a {@link DataException} whose one-line message starts with the file, and with
 * the line for a problem in one row: {@code data.csv:17: "12,5" in column level is not a number}.
 * Empty lines are skipped; line numbers count them.
 */
public final class SeriesReader {
  /** A plain decimal number, as the reader accepts it. */
  private static final Pattern NUMBER =
      Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?");

  /** How CSV files (R's write.csv, spreadsheets, pandas) spell a missing value, lowercased. */
  private static final Set<String> MISSING = Set.of("", "na", "nan", "n/a", "null", "none");

  private static final Pattern STARTLINE = Pattern.compile("\\(startline (\\d+)\\)\\s*(.*)");

  private static final CSVFormat FORMAT =
      CSVFormat.DEFAULT.builder().setIgnoreSurroundingSpaces(true).setIgnoreEmptyLines(true).get();

  private SeriesReader() {}

  /**
   * The series in column {@code column} of a CSV file.
   *
   * @param column the header name of the column; null for the only column or the second of two
   * @throws DataException naming the file (and line), if it cannot be read, has no such column, or
   *     holds a value that is not a number
   */
  public static Series read(Path file, String column) throws DataException {
    String source = file.toString();
    if (!Files.exists(file)) {
      throw new DataException(source, "no such file");
    }
    if (Files.isDirectory(file)) {
      throw new DataException(source, "is a directory, expected a CSV file");
    }
    try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      return read(in, source, source, column);
    } catch (DataException e) {
      throw e;
    } catch (IOException e) {
      throw ioProblem(source, e);
    }
  }

  /**
   * The series in column {@code column} of CSV text.
   *
   * @param source the file or resource, as messages name it
   * @param name the series' name, for messages and logs
   * @param column the header name of the column; null for the only column or the second of two
   */
  public static Series read(Reader in, String source, String name, String column)
      throws DataException {
    List<String> header = null;
    List<Row> rows = new ArrayList<>();
    try (CSVParser parser = CSVParser.parse(in, FORMAT)) {
      Iterator<CSVRecord> it = parser.iterator();
      while (it.hasNext()) {
        CSVRecord r = it.next();
        List<String> fields = r.toList();
        long line = parser.getCurrentLineNumber() - lineBreaks(fields);
        if (header == null) {
          header = headerNames(fields);
          if (header.size() == 1 && (header.get(0).contains(";") || header.get(0).contains("\t"))) {
            throw new DataException(
                source,
                "the header \""
                    + header.get(0)
                    + "\" is one column; separate the fields with commas");
          }
        } else if (fields.size() != header.size()) {
          throw new DataException(
              source + ":" + line,
              fields.size()
                  + (fields.size() == 1 ? " field" : " fields")
                  + " but the header has "
                  + header.size()
                  + " ("
                  + String.join(", ", header)
                  + ")");
        } else {
          rows.add(new Row(line, fields));
        }
      }
    } catch (DataException e) {
      throw e;
    } catch (UncheckedIOException e) {
      throw ioProblem(source, e.getCause());
    } catch (IOException e) {
      throw ioProblem(source, e);
    }
    if (header == null) {
      throw new DataException(
          source, "empty; expected a header row (e.g. month,sunspots) and one row per time step");
    }
    if (rows.isEmpty()) {
      throw new DataException(source, "has a header but no rows");
    }
    int c = column == null ? defaultColumn(source, header) : columnIndex(source, header, column);
    String chosen = header.get(c);
    double[] values = new double[rows.size()];
    for (int i = 0; i < values.length; i++) {
      Row row = rows.get(i);
      String cell = row.fields().get(c).strip();
      if (MISSING.contains(cell.toLowerCase(Locale.ROOT))) {
        throw new DataException(
            source + ":" + row.line(),
            "missing value "
                + (cell.isEmpty() ? "(empty)" : "\"" + cell + "\"")
                + " in column "
                + chosen
                + "; gaps are not filled or skipped: fill or cut the series first");
      }
      if (!NUMBER.matcher(cell).matches()) {
        throw new DataException(
            source + ":" + row.line(), "\"" + cell + "\" in column " + chosen + " is not a number");
      }
      values[i] = Double.parseDouble(cell);
      if (!Double.isFinite(values[i])) {
        throw new DataException(
            source + ":" + row.line(), "\"" + cell + "\" in column " + chosen + " is out of range");
      }
    }
    List<String> times = new ArrayList<>();
    int timeColumn = c == 0 ? 1 : 0; // the first other column, if there is one
    if (timeColumn < header.size()) {
      for (Row row : rows) {
        times.add(row.fields().get(timeColumn).strip());
      }
    }
    return new Series(name, chosen, values, times);
  }

  private record Row(long line, List<String> fields) {}

  private static List<String> headerNames(List<String> fields) {
    List<String> names = new ArrayList<>();
    for (String f : fields) {
      names.add(f.replace("\uFEFF", "").strip()); // a byte-order mark from a spreadsheet export
    }
    return names;
  }

  private static int columnIndex(String source, List<String> header, String column)
      throws DataException {
    int found = -1;
    for (int i = 0; i < header.size(); i++) {
      if (header.get(i).equals(column.strip())) {
        if (found >= 0) {
          throw new DataException(source, "column " + column + " appears twice in the header");
        }
        found = i;
      }
    }
    if (found < 0) {
      throw new DataException(
          source, "no column \"" + column + "\"; the columns are " + String.join(", ", header));
    }
    return found;
  }

  /**
   * The series' column when none is named: the only column, or the second of two (the first holds
   * the time stamps). Position, not content, decides: a value that is not a number must be reported
   * in its own column, not make another column the series.
   */
  private static int defaultColumn(String source, List<String> header) throws DataException {
    if (header.size() <= 2) {
      return header.size() - 1;
    }
    throw new DataException(
        source,
        "cannot tell which column is the series (columns "
            + String.join(", ", header)
            + "); choose one with --column NAME");
  }

  private static long lineBreaks(List<String> fields) {
    long n = 0;
    for (String f : fields) {
      for (int i = 0; i < f.length(); i++) {
        char ch = f.charAt(i);
        if (ch == '\n' || (ch == '\r' && (i + 1 == f.length() || f.charAt(i + 1) != '\n'))) {
          n++;
        }
      }
    }
    return n;
  }

  private static DataException ioProblem(String source, Throwable e) {
    if (e instanceof CharacterCodingException) {
      return new DataException(source, "not UTF-8 text", e);
    }
    String m = e.getMessage();
    String text = m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    if (e instanceof org.apache.commons.csv.CSVException) {
      // Commons CSV says "(startline 7) EOF reached before encapsulated token finished".
      Matcher at = STARTLINE.matcher(text);
      boolean located = at.matches();
      String where = located ? source + ":" + at.group(1) : source;
      String what = located ? at.group(2) : text;
      if (what.startsWith("EOF reached before encapsulated token finished")) {
        what = "a quoted field is not closed before the end of the file";
      }
      return new DataException(where, "malformed CSV: " + what, e);
    }
    return new DataException(source, "cannot read (" + text + ")", e);
  }
}
