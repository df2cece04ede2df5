package io.paramstream.core.table;

import io.paramstream.core.Hyperparameters;
import io.paramstream.core.Optimizer;

/**
 * A table whose rows are addressed by arbitrary 64-bit ids and created on first touch by a push,
 * starting from the {@link RowInitializer}'s value for their id. A read of an id never pushed
 * returns that same value without creating the row, so reads cannot fill the table.
 *
 * <p>Storage has no object per row: an open-addressing index ({@link IdIndex}, {@code long[]} keys,
 * {@code int[]} row numbers) maps an id to a dense row number, rows live in chunked float blocks
 * ({@link RowBlocks}, with the optimizer's buffers in parallel blocks of the same layout), and
 * {@code long[]} maps a row number back to its id for checkpoints. A push of {@code k} rows costs
 * O(k * dim) and, once the table and the push's scratch have grown to size, allocates nothing. Rows
 * are never removed.
 */
public final class KeyedTable extends SparseTable {

  /** Most rows any keyed table can hold: what the index can address. */
  public static final long MAX_ROWS = IdIndex.MAX_SIZE;

  private final long maxRows;

  /** Guarded by {@link #lock}: row numbers by id, and ids by row number. */
  private final IdIndex index = new IdIndex(16);

  KeyedTable(
      long order,
      String name,
      int dim,
      boolean decay,
      Hyperparameters hyperparameters,
      Optimizer optimizer,
      RowInitializer initializer,
      long maxRows) {
    super(order, name, dim, decay, hyperparameters, optimizer, initializer);
    if (maxRows < 0) {
      throw new IllegalArgumentException(
          "table '" + name + "' needs a row limit >= 0, got " + maxRows);
    }
    this.maxRows = Math.min(maxRows, MAX_ROWS);
  }

  /** The most rows this table may hold. */
  public long maxRows() {
    return maxRows;
  }

  @Override
  void checkIds(long[] ids) {}

  @Override
  int findRow(long id) {
    return index.get(id);
  }

  @Override
  int rowForUpdate(long id) {
    int existing = index.addIfAbsent(id);
    if (existing >= 0) {
      return existing;
    }
    int row = index.size() - 1;
    ensureRows(row + 1, false);
    initializer().fill(id, values.block(row), values.offset(row), dim());
    return row;
  }

  @Override
  void checkRowLimit(int missing) {
    long after = (long) index.size() + missing;
    if (missing > 0 && after > maxRows) {
      throw new RowLimitException(name(), maxRows, after);
    }
  }

  @Override
  long rowLimit() {
    return maxRows;
  }

  @Override
  int storedRows() {
    return index.size();
  }

  @Override
  long idOfRow(int row) {
    return index.id(row);
  }

  /** Adds row {@code id} as the next row, for a checkpoint being restored. Caller holds lock. */
  int restoreRow(long id) {
    if (index.addIfAbsent(id) >= 0) {
      throw new IllegalArgumentException("table '" + name() + "' restores id " + id + " twice");
    }
    int row = index.size() - 1;
    ensureRows(row + 1, false);
    return row;
  }
}
