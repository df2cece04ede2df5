package io.paramstream.client;

import java.util.Objects;

/**
 * Rows to read from one table in a multi-table pull ({@link
 * ParamstreamClient#pullRows(java.util.List)}).
 *
 * @param table table name
 * @param ids the row ids, in the order the rows should come back; may repeat
 * @param ifNewerThan read only if the table's version is greater than this; {@link #ALWAYS} reads
 *     unconditionally
 */
public record RowQuery(String table, long[] ids, long ifNewerThan) {
  /** {@link #ifNewerThan} value that reads whatever the version. */
  public static final long ALWAYS = -1;

  public RowQuery {
    Objects.requireNonNull(table, "table");
    Objects.requireNonNull(ids, "ids");
    if (ifNewerThan < ALWAYS) {
      throw new IllegalArgumentException(
          "ifNewerThan must be >= 0 (or ALWAYS), got " + ifNewerThan);
    }
  }

  /** Reads the rows whatever the table's version. */
  public static RowQuery of(String table, long... ids) {
    return new RowQuery(table, ids, ALWAYS);
  }

  /** Reads the rows only if the table has advanced past {@code version}. */
  public static RowQuery ifNewerThan(String table, long version, long... ids) {
    if (version < 0) {
      throw new IllegalArgumentException("version must be >= 0, got " + version);
    }
    return new RowQuery(table, ids, version);
  }
}
