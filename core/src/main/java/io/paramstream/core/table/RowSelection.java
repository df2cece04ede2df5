package io.paramstream.core.table;

/**
 * Rows to read from one table, in the order they come back; ids may repeat.
 *
 * @param ifNewerThan read only when the table's version is greater; {@link #ANY_VERSION} always
 */
public record RowSelection(String table, long[] ids, long ifNewerThan) {

  /** Reads the rows whatever the table's version. */
  public static final long ANY_VERSION = -1;

  public RowSelection {
    if (table == null || ids == null) {
      throw new IllegalArgumentException("a row selection needs a table name and ids");
    }
  }
}
