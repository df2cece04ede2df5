package io.paramstream.client;

import java.util.Arrays;
import java.util.Objects;

/**
 * The gradient of some rows of one table: row {@code i} of {@code rows} (elements {@code [i * dim,
 * (i + 1) * dim)}) is the gradient of row {@code ids[i]}. Ids may repeat; the server sums the rows
 * of one id before the update, as torch coalesces a sparse gradient.
 *
 * <p>The arrays are not copied: do not modify them until the push that carries them has been sent
 * (a push returns, or {@link PushSession#push} returns its future).
 *
 * @param table table name
 * @param ids row ids: 0..rows-1 for an indexed table, any 64-bit value for a keyed one
 * @param rows {@code ids.length * dim} gradient values, row after row
 */
public record RowGradient(String table, long[] ids, float[] rows) {

  /** Checks that {@code rows} holds a whole number of rows per id. */
  public RowGradient {
    Objects.requireNonNull(table, "table");
    Objects.requireNonNull(ids, "ids");
    Objects.requireNonNull(rows, "rows");
    if (table.isEmpty()) {
      throw new IllegalArgumentException("table name must not be empty");
    }
    if (ids.length == 0 ? rows.length != 0 : rows.length % ids.length != 0) {
      throw new IllegalArgumentException(
          "gradient of table "
              + table
              + ": "
              + rows.length
              + " values are not a whole number of rows for "
              + ids.length
              + " ids");
    }
  }

  /** Floats per row, as this gradient's shape says (0 when it has no rows). */
  public int dim() {
    return ids.length == 0 ? 0 : rows.length / ids.length;
  }

  // Records compare arrays by identity; a value type should compare contents.
  @Override
  public boolean equals(Object o) {
    return o instanceof RowGradient other
        && table.equals(other.table)
        && Arrays.equals(ids, other.ids)
        && Arrays.equals(rows, other.rows);
  }

  @Override
  public int hashCode() {
    return Objects.hash(table, Arrays.hashCode(ids), Arrays.hashCode(rows));
  }

  @Override
  public String toString() {
    return "RowGradient[table=" + table + ", ids=" + ids.length + ", dim=" + dim() + "]";
  }
}
