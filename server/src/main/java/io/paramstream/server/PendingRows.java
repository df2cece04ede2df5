package io.paramstream.server;

import io.paramstream.core.GroupStore;
import io.paramstream.core.GroupStoreException;
import io.paramstream.core.GroupStoreException.Reason;
import io.paramstream.core.table.RowGradient;
import io.paramstream.proto.v1.RowSlice;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The row slices of one push, gathered per table until its last message: a table may appear in
 * several slices and messages, and its ids and gradient rows are appended in arrival order (the
 * store sums repeated ids). Every staged byte is reserved from the transient budget first, as group
 * staging is; tables come back in the order of their first slice.
 */
final class PendingRows {

  private final StagingBuffers buffers;
  private final Map<String, Staged> staged = new LinkedHashMap<>();

  /** Bytes reserved for every table's arrays together. */
  private long reservedBytes;

  /** One table's rows so far. */
  private static final class Staged {
    final int dim;
    long[] ids = new long[0];
    float[] values = new float[0];
    int count;

    Staged(int dim) {
      this.dim = dim;
    }

    long bytesFor(long rows) {
      return rows * (Long.BYTES + (long) dim * Float.BYTES);
    }
  }

  PendingRows(StagingBuffers buffers) {
    this.buffers = buffers;
  }

  boolean isEmpty() {
    return staged.isEmpty();
  }

  /**
   * Stages one slice.
   *
   * @param holdsStaging whether the push already holds staged memory, so must not wait for more
   * @return false, staging nothing, when the memory it needs does not fit the budget now
   * @throws GroupStoreException NOT_FOUND for an unknown table, INVALID_ARGUMENT for a slice whose
   *     payload is not {@code ids * dim * 4} bytes, RESOURCE_EXHAUSTED when it can never fit
   */
  boolean add(GroupStore store, long pushId, RowSlice slice, boolean holdsStaging) {
    String name = slice.getTable();
    if (name.isEmpty()) {
      throw invalid("row slice has an empty table name");
    }
    String what = "push " + pushId + ", rows of table '" + name + "',";
    int floats = Payloads.elementCount(slice.getValues(), "table '" + name + "'");
    Staged table = staged.get(name);
    int dim = table == null ? store.tableDim(name) : table.dim;
    int rows = slice.getIdsCount();
    if ((long) rows * dim != floats) {
      throw invalid(
          "row slice for table '"
              + name
              + "' has "
              + rows
              + " ids and "
              + slice.getValues().size()
              + " bytes of values; the table's rows are "
              + dim
              + " floats, so ids * dim * 4 = "
              + (long) rows * dim * Float.BYTES
              + " bytes were expected");
    }
    if (table == null) {
      table = new Staged(dim);
    }
    if (!ensureCapacity(table, (long) table.count + rows, what, holdsStaging)) {
      return false;
    }
    staged.putIfAbsent(name, table);
    for (int i = 0; i < rows; i++) {
      table.ids[table.count + i] = slice.getIds(i);
    }
    Payloads.decodeInto(slice.getValues(), table.values, table.count * dim);
    table.count += rows;
    return true;
  }

  /** Grows a table's arrays to hold {@code rows}, reserving the new size before allocating it. */
  private boolean ensureCapacity(Staged table, long rows, String what, boolean holdsStaging) {
    if (rows <= table.ids.length) {
      return true;
    }
    if (rows * table.dim > GroupStore.MAX_GROUP_SIZE) {
      throw invalid(
          what + " " + rows + " rows of " + table.dim + " floats are more than one push may carry");
    }
    // Exact for the first slice (the common one-message push), doubling after that.
    long capacity = table.ids.length == 0 ? rows : Math.max(rows, 2L * table.ids.length);
    if (capacity * table.dim > GroupStore.MAX_GROUP_SIZE) {
      capacity = rows;
    }
    long bytes = table.bytesFor(capacity);
    if (!buffers.reserve(what, bytes)) {
      if (holdsStaging || !isEmpty()) {
        throw buffers.exhausted(what, bytes);
      }
      return false;
    }
    long oldBytes = table.bytesFor(table.ids.length);
    try {
      table.ids = Arrays.copyOf(table.ids, (int) capacity);
      table.values = Arrays.copyOf(table.values, (int) (capacity * table.dim));
    } catch (OutOfMemoryError e) {
      buffers.unreserve(bytes);
      throw new GroupStoreException(
          Reason.RESOURCE_EXHAUSTED,
          "the server has no heap left to stage " + what + " nothing was applied");
    }
    buffers.unreserve(oldBytes);
    reservedBytes += bytes - oldBytes;
    return true;
  }

  /** Every table's ids and rows, trimmed to what arrived. */
  List<RowGradient> complete() {
    List<RowGradient> parts = new ArrayList<>(staged.size());
    for (Map.Entry<String, Staged> entry : staged.entrySet()) {
      Staged table = entry.getValue();
      long[] ids = table.ids;
      float[] values = table.values;
      if (ids.length != table.count) {
        // Doubling left spare room; the store wants exact arrays. Small next to the push itself.
        ids = Arrays.copyOf(ids, table.count);
        values = Arrays.copyOf(values, table.count * table.dim);
      }
      parts.add(new RowGradient(entry.getKey(), ids, values));
    }
    return parts;
  }

  /** Rows staged over all tables. */
  long rowCount() {
    long rows = 0;
    for (Staged table : staged.values()) {
      rows += table.count;
    }
    return rows;
  }

  /** Drops everything staged and gives its memory back to the budget. */
  void release() {
    staged.clear();
    buffers.unreserve(reservedBytes);
    reservedBytes = 0;
  }

  private static GroupStoreException invalid(String message) {
    return new GroupStoreException(Reason.INVALID_ARGUMENT, message);
  }
}
