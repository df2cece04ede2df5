package io.paramstream.core.table;

import io.paramstream.core.Hyperparameters;
import io.paramstream.core.Optimizer;

/**
 * A table of a fixed number of rows addressed {@code 0..rows-1}, every row allocated and set from
 * the initializer at creation (row {@code i} takes the initializer's value for id {@code i *
 * idStride + idOffset}, in wrapping 64-bit arithmetic: a shard of a larger table starts each row
 * where the whole table's row would). The rows are stored in chunks ({@link RowBlocks}), so {@code
 * rows * dim} may exceed the 2^31 - 1 elements of one Java array; a row itself is at most one
 * array.
 */
public final class IndexedTable extends SparseTable {

  private final int rows;
  private final long idOffset;
  private final long idStride;

  /**
   * @param initialize false for a table a checkpoint is about to fill: rows stay zero rather than
   *     computing initial values that would be overwritten (seconds for a large table)
   */
  IndexedTable(
      long order,
      String name,
      int rows,
      int dim,
      boolean decay,
      Hyperparameters hyperparameters,
      Optimizer optimizer,
      RowInitializer initializer,
      long idOffset,
      long idStride,
      boolean initialize) {
    super(order, name, dim, decay, hyperparameters, optimizer, initializer);
    if (rows < 0) {
      throw new IllegalArgumentException("table '" + name + "' needs rows >= 0, got " + rows);
    }
    if (idStride == 0) {
      throw new IllegalArgumentException("table '" + name + "' needs an id stride other than 0");
    }
    this.rows = rows;
    this.idOffset = idOffset;
    this.idStride = idStride;
    lock.lock();
    try {
      ensureRows(rows, true);
      if (initialize && initializer.kind() != RowInitializer.Kind.ZEROS) {
        for (int r = 0; r < rows; r++) {
          initializer.fill(r * idStride + idOffset, values.block(r), values.offset(r), dim);
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /** The fixed number of rows. */
  public int rows() {
    return rows;
  }

  @Override
  void checkIds(long[] ids) {
    for (long id : ids) {
      if (id < 0 || id >= rows) {
        throw new IllegalArgumentException(
            "index " + id + " is out of range for table '" + name() + "' of " + rows + " rows");
      }
    }
  }

  @Override
  int findRow(long id) {
    return (int) id;
  }

  @Override
  int rowForUpdate(long id) {
    return (int) id;
  }

  @Override
  void checkRowLimit(int missing) {}

  @Override
  long idOffset() {
    return idOffset;
  }

  @Override
  long idStride() {
    return idStride;
  }

  @Override
  long rowLimit() {
    return rows;
  }

  @Override
  int storedRows() {
    return rows;
  }

  @Override
  long idOfRow(int row) {
    return row;
  }
}
