package io.paramstream.core.table;

import io.paramstream.core.Hyperparameters;
import io.paramstream.core.Optimizer;

/**
 * What every new table is, indexed or keyed: the fields its create request names besides the row
 * count and the id layout. Checked when the table is created ({@code StoreTables}), so that a bad
 * field fails with the same error wherever the spec was built.
 *
 * @param name unique among tables (groups have their own names)
 * @param dim floats per row
 * @param decay whether the optimizer applies weight decay to the rows
 * @param hyperparameters null for the store's defaults
 * @param optimizer updates the rows; its state per row lives with the table
 * @param initializer the values a row starts from
 */
public record TableSpec(
    String name,
    int dim,
    boolean decay,
    Hyperparameters hyperparameters,
    Optimizer optimizer,
    RowInitializer initializer) {}
