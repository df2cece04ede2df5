package io.paramstream.core.table;

/**
 * One table's part of a push: {@code ids.length} rows of gradient, row {@code i} (at {@code i *
 * dim} in {@code gradient}) for {@code ids[i]}. Ids may repeat; their rows are summed. The arrays
 * are not copied: the caller must not change them during the push.
 */
public record RowGradient(String table, long[] ids, float[] gradient) {

  public RowGradient {
    if (table == null || ids == null || gradient == null) {
      throw new IllegalArgumentException("a row gradient needs a table name, ids and a gradient");
    }
  }
}
