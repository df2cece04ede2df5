package io.paramstream.core.table;

import io.paramstream.core.Hyperparameters;
import io.paramstream.core.Optimizer;

/**
 * What a table is and holds at one version, read under its lock: for listing tables and for the
 * memory a table takes.
 *
 * @param keyed whether rows are addressed by 64-bit ids ({@link KeyedTable}) rather than indices
 * @param maxRows the fixed row count of an indexed table, the row limit of a keyed one
 * @param rows rows stored: all of an indexed table, the touched ones of a keyed table
 * @param storedBytes float32 bytes of the stored rows and their optimizer buffers (capacity held
 *     for growth and the push scratch not included)
 * @param idOffset initializer id of row 0 (an indexed shard of a larger table; else 0)
 * @param idStride initializer ids per row (an indexed shard of a larger table; else 1)
 */
public record TableMetadata(
    String name,
    boolean keyed,
    int dim,
    boolean decay,
    Hyperparameters hyperparameters,
    Optimizer optimizer,
    RowInitializer initializer,
    long maxRows,
    long rows,
    long version,
    long storedBytes,
    long idOffset,
    long idStride) {}
