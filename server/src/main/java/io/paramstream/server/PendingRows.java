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

  /** Bytes reserved for the tables' id arrays together (value arrays come from the pool). */
  private long reservedIdBytes;

  /** One table's rows so far, in arrays of exactly the rows staged. */
  private static final class Staged {
    final int dim;
    long[] ids = new long[0];
    float[] values = new float[0];

    Staged(int dim) {
      this.dim = dim;
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
    int dim = table == null ? store.tables().dim(name) : table.dim;
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
    int from = table.ids.length;
    if (!grow(table, rows, what, holdsStaging || !isEmpty())) {
      return false;
    }
    staged.putIfAbsent(name, table);
    for (int i = 0; i < rows; i++) {
      table.ids[from + i] = slice.getIds(i);
    }
    Payloads.decodeInto(slice.getValues(), table.values, from * dim);
    return true;
  }

  /**
   * Makes room for {@code rows} more rows: the ids' bytes reserved, the values from the stream's
   * pool of staging arrays (so a worker pushing batches of one size reuses them). Arrays stay
   * exactly the rows staged, as the store wants them; a table split over several slices is copied
   * once per slice, which few pushes do.
   *
   * @return false when the memory does not fit now and {@code mustNotWait} is false
   */
  private boolean grow(Staged table, int rows, String what, boolean mustNotWait) {
    if (rows == 0) {
      return true;
    }
    long total = (long) table.ids.length + rows;
    if (total * table.dim > GroupStore.MAX_GROUP_SIZE) {
      throw invalid(
          what
              + " "
              + total
              + " rows of "
              + table.dim
              + " floats are more than one push may carry");
    }
    long idBytes = (long) rows * Long.BYTES;
    // Both together, or a slice whose ids fit and values never do would wait forever.
    buffers.checkCanEverFit(what, idBytes + total * table.dim * Float.BYTES);
    if (!buffers.reserve(what, idBytes)) {
      return refuse(what, idBytes, mustNotWait);
    }
    float[] values = buffers.take((int) (total * table.dim), what, false);
    if (values == null) {
      buffers.unreserve(idBytes);
      return refuse(what, total * table.dim * Float.BYTES, mustNotWait);
    }
    System.arraycopy(table.values, 0, values, 0, table.values.length);
    if (table.values.length > 0) {
      buffers.give(table.values);
    }
    table.values = values;
    table.ids = Arrays.copyOf(table.ids, (int) total);
    reservedIdBytes += idBytes;
    return true;
  }

  private boolean refuse(String what, long bytes, boolean mustNotWait) {
    if (mustNotWait) {
      throw buffers.exhausted(what, bytes);
    }
    return false;
  }

  /** Every table's ids and rows. */
  List<RowGradient> complete() {
    List<RowGradient> parts = new ArrayList<>(staged.size());
    for (Map.Entry<String, Staged> entry : staged.entrySet()) {
      parts.add(new RowGradient(entry.getKey(), entry.getValue().ids, entry.getValue().values));
    }
    return parts;
  }

  /** Rows staged over all tables. */
  long rowCount() {
    long rows = 0;
    for (Staged table : staged.values()) {
      rows += table.ids.length;
    }
    return rows;
  }

  /** Drops everything staged and gives its memory back to the budget. */
  void release() {
    for (Staged table : staged.values()) {
      if (table.values.length > 0) {
        buffers.give(table.values);
      }
    }
    staged.clear();
    buffers.unreserve(reservedIdBytes);
    reservedIdBytes = 0;
  }

  private static GroupStoreException invalid(String message) {
    return new GroupStoreException(Reason.INVALID_ARGUMENT, message);
  }
}
