package io.paramstream.core.table;

import io.paramstream.core.Hyperparameters;
import io.paramstream.core.Optimizer;

/**
 * What a checkpoint records about one table besides its rows, fixed at the checkpoint's cut.
 *
 * @param rowLimit the fixed row count of an indexed table, the row limit of a keyed one
 * @param rows rows stored at the cut (rows created later are not in the checkpoint)
 * @param steps the optimizer's step count (Adam's bias correction)
 * @param idOffset sharded indexed tables: row {@code i} is row {@code i * idStride + idOffset} of
 *     the whole table (0 otherwise)
 * @param idStride 1 unless sharded
 */
public record TableHeader(
    String name,
    boolean keyed,
    int dim,
    boolean decay,
    Hyperparameters hyperparameters,
    Optimizer optimizer,
    long steps,
    long version,
    RowInitializer initializer,
    long rowLimit,
    int rows,
    long idOffset,
    long idStride) {

  /** Arrays per row: the values, and the optimizer's momentum or moments. */
  public int arrays() {
    return optimizer.arraysPerElement();
  }

  /** Bytes of the rows' floats and ids: what a copy of the whole table costs. */
  public long rowBytes() {
    return (long) rows * ((keyed ? Long.BYTES : 0) + (long) arrays() * dim * Float.BYTES);
  }
}
