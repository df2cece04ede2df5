package io.paramstream.client;

/**
 * Metadata of a table on the server, without its rows.
 *
 * @param name table name
 * @param dim floats per row
 * @param keyed keyed (rows created on first touch) or indexed
 * @param rows rows stored: every row of an indexed table, the rows touched so far of a keyed one
 * @param maxRows indexed: the row count; keyed: the row limit (0 when it has none of its own)
 * @param weightDecay whether weight decay applies to the rows
 * @param version pushes applied to the table since creation
 * @param hyperparameters hyperparameters in force, or {@code null} if the server did not say
 * @param optimizer the update rule, or {@code null} if the server did not say
 * @param initializer how rows start, or {@code null} if the server did not say
 * @param bytes bytes of float32 values held for the stored rows, optimizer buffers included
 * @param idOffset see {@link TableSpec#idOffset}
 * @param idStride see {@link TableSpec#idStride}
 */
public record TableInfo(
    String name,
    int dim,
    boolean keyed,
    long rows,
    long maxRows,
    boolean weightDecay,
    long version,
    Hyperparameters hyperparameters,
    OptimizerSpec optimizer,
    RowInitializer initializer,
    long bytes,
    long idOffset,
    long idStride) {}
