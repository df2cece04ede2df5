package io.paramstream.core.table;

/**
 * Rows read from one table at one version.
 *
 * @param values {@code ids.length * dim} floats, row {@code i} at {@code i * dim}; empty when
 *     {@code notModified}
 * @param notModified the table was not newer than the selection's {@code ifNewerThan}
 */
public record TableRows(
    String table, int dim, long version, long[] ids, float[] values, boolean notModified) {}
