package io.paramstream.client;

import java.util.Objects;

/**
 * What to create: a sparse table of rows of {@code dim} floats, addressed by row id.
 *
 * <p>An <b>indexed</b> table ({@link #indexed}) has a fixed number of rows with ids 0..rows-1, all
 * set from the initializer at creation. A <b>keyed</b> table ({@link #keyed}) takes any 64-bit id
 * and creates a row from the initializer on the first push that touches it, up to {@code rows} rows
 * (0: no limit of its own). Start from a factory, or from {@link #builder} for the other fields.
 *
 * @param name unique table name, non-empty (tables and groups have separate names)
 * @param dim floats per row, > 0
 * @param keyed keyed (rows created on first touch) rather than indexed
 * @param rows indexed: the number of rows (> 0); keyed: the most rows the table may hold (0: no
 *     limit of its own)
 * @param weightDecay whether weight decay applies to the rows
 * @param hyperparameters the table's hyperparameters, or {@code null} for the server's defaults
 * @param optimizer the update rule, or {@code null} for plain SGD
 * @param initializer how rows start, or {@code null} for zeros
 * @param idOffset sharded clusters, indexed tables: row i of this table is row {@code i * idStride
 *     + idOffset} of the whole table (see {@link Builder#idPlacement}); 0 otherwise
 * @param idStride 1 unless this table is one shard's part of an indexed table
 */
public record TableSpec(
    String name,
    int dim,
    boolean keyed,
    long rows,
    boolean weightDecay,
    Hyperparameters hyperparameters,
    OptimizerSpec optimizer,
    RowInitializer initializer,
    long idOffset,
    long idStride) {

  /** Validates what can be checked locally so that mistakes fail before any network traffic. */
  public TableSpec {
    Objects.requireNonNull(name, "name");
    if (name.isEmpty()) {
      throw new IllegalArgumentException("table name must not be empty");
    }
    if (dim <= 0) {
      throw new IllegalArgumentException("table " + name + ": dim must be > 0, got " + dim);
    }
    if (rows < 0 || (!keyed && rows == 0)) {
      throw new IllegalArgumentException(
          "table "
              + name
              + ": "
              + (keyed ? "max rows must be >= 0" : "an indexed table needs rows > 0")
              + ", got "
              + rows);
    }
    if (idOffset < 0 || idStride < 1) {
      throw new IllegalArgumentException(
          "table "
              + name
              + ": id offset must be >= 0 and stride >= 1, got "
              + idOffset
              + " and "
              + idStride);
    }
  }

  /** An indexed table of {@code rows} zero rows, plain SGD with the server's hyperparameters. */
  public static TableSpec indexed(String name, long rows, int dim) {
    return builder(name, dim).indexed(rows).build();
  }

  /** A keyed table without a row limit of its own, zero rows, plain SGD. */
  public static TableSpec keyed(String name, int dim) {
    return builder(name, dim).keyed(0).build();
  }

  /** Starts a spec: a keyed table without a row limit unless {@link Builder#indexed} is called. */
  public static Builder builder(String name, int dim) {
    return new Builder(name, dim);
  }

  /** A builder holding this spec's values, to derive another from it. */
  public Builder toBuilder() {
    Builder b = new Builder(name, dim);
    b.keyed = keyed;
    b.rows = rows;
    b.weightDecay = weightDecay;
    b.hyperparameters = hyperparameters;
    b.optimizer = optimizer;
    b.initializer = initializer;
    b.idOffset = idOffset;
    b.idStride = idStride;
    return b;
  }

  /** Builds a {@link TableSpec}; {@link #build()} validates the whole. */
  public static final class Builder {
    private String name;
    private final int dim;
    private boolean keyed = true;
    private long rows;
    private boolean weightDecay;
    private Hyperparameters hyperparameters;
    private OptimizerSpec optimizer;
    private RowInitializer initializer;
    private long idOffset;
    private long idStride = 1;

    private Builder(String name, int dim) {
      this.name = name;
      this.dim = dim;
    }

    /** The table's name. */
    public Builder name(String newName) {
      this.name = newName;
      return this;
    }

    /** An indexed table of {@code rowCount} rows, ids 0..rowCount-1. */
    public Builder indexed(long rowCount) {
      this.keyed = false;
      this.rows = rowCount;
      return this;
    }

    /** A keyed table holding at most {@code maxRows} rows (0: no limit of its own). */
    public Builder keyed(long maxRows) {
      this.keyed = true;
      this.rows = maxRows;
      return this;
    }

    /** Whether weight decay applies to the rows (default false). */
    public Builder weightDecay(boolean decay) {
      this.weightDecay = decay;
      return this;
    }

    /** The table's hyperparameters (default: the server's). */
    public Builder hyperparameters(Hyperparameters newHyperparameters) {
      this.hyperparameters = newHyperparameters;
      return this;
    }

    /** The update rule (default: plain SGD). */
    public Builder optimizer(OptimizerSpec newOptimizer) {
      this.optimizer = newOptimizer;
      return this;
    }

    /** How rows start (default: zeros). */
    public Builder initializer(RowInitializer newInitializer) {
      this.initializer = newInitializer;
      return this;
    }

    /**
     * For a cluster client: this table holds rows {@code offset, offset + stride, ...} of a larger
     * indexed table, and initializes each with its id in that table, so a shard's rows start where
     * one server's would.
     */
    public Builder idPlacement(long offset, long stride) {
      this.idOffset = offset;
      this.idStride = stride;
      return this;
    }

    public TableSpec build() {
      return new TableSpec(
          name,
          dim,
          keyed,
          rows,
          weightDecay,
          hyperparameters,
          optimizer,
          initializer,
          idOffset,
          idStride);
    }
  }
}
