package io.paramstream.client;

import java.util.Arrays;
import java.util.Objects;

/**
 * Rows of one table at one version, as read by a pull: row {@code i} (elements {@code [i * dim, (i
 * + 1) * dim)} of {@code values}) is the row of {@code ids[i]}, in the order the ids were asked
 * for. The arrays belong to the caller.
 *
 * @param table table name
 * @param version the table's version the rows were read at
 * @param dim floats per row
 * @param ids the ids asked for, in request order
 * @param values {@code ids.length * dim} floats
 */
public record TableRows(String table, long version, int dim, long[] ids, float[] values) {
  public TableRows {
    Objects.requireNonNull(table, "table");
    Objects.requireNonNull(ids, "ids");
    Objects.requireNonNull(values, "values");
    if (values.length != (long) ids.length * dim) {
      throw new IllegalArgumentException(
          "table "
              + table
              + ": "
              + values.length
              + " values for "
              + ids.length
              + " rows of "
              + dim);
    }
  }

  /** A copy of row {@code i} (the row of {@code ids[i]}). */
  public float[] row(int i) {
    Objects.checkIndex(i, ids.length);
    return Arrays.copyOfRange(values, i * dim, (i + 1) * dim);
  }

  // Records compare arrays by identity; a value type should compare contents.
  @Override
  public boolean equals(Object o) {
    return o instanceof TableRows other
        && table.equals(other.table)
        && version == other.version
        && dim == other.dim
        && Arrays.equals(ids, other.ids)
        && Arrays.equals(values, other.values);
  }

  @Override
  public int hashCode() {
    return Objects.hash(table, version, dim, Arrays.hashCode(ids), Arrays.hashCode(values));
  }

  @Override
  public String toString() {
    return "TableRows[table=" + table + ", version=" + version + ", rows=" + ids.length + "]";
  }
}
