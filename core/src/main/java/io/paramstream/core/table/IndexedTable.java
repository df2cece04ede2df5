package io.paramstream.core.table;

import io.paramstream.core.Hyperparameters;
import io.paramstream.core.Optimizer;

/**
 * A table of a fixed number of rows addressed {@code 0..rows-1}, every row allocated and set from
 * the initializer at creation (row {@code i} takes the initializer's value for id {@code i}). The
 * rows are stored in chunks ({@link RowBlocks}), so {@code rows * dim} may exceed the 2^31 - 1
 * elements of one Java array; a row itself is at most one array.
 */
public final class IndexedTable extends SparseTable {

  private final int rows;

  IndexedTable(
      long order,
      String name,
      int rows,
      int dim,
      boolean decay,
      Hyperparameters hyperparameters,
      Optimizer optimizer,
      RowInitializer initializer) {
    super(order, name, dim, decay, hyperparameters, optimizer, initializer);
    if (rows < 0) {
      throw new IllegalArgumentException("table '" + name + "' needs rows >= 0, got " + rows);
    }
    this.rows = rows;
    lock.lock();
    try {
      ensureRows(rows, true);
      if (initializer.kind() != RowInitializer.Kind.ZEROS) {
        for (int r = 0; r < rows; r++) {
          initializer.fill(r, values.block(r), values.offset(r), dim);
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
  void checkNewRows(long[] ids, int count) {}

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
