package io.paramstream.core.table;

import io.paramstream.core.Hyperparameters;
import io.paramstream.core.Optimizer;
import io.paramstream.core.OptimizerKernel;
import io.paramstream.core.SgdKernel;
import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A table of rows of {@code dim} float32 values updated by row-sparse gradients: a push names the
 * rows it touches and carries one gradient row for each, and only those rows change. Two kinds:
 * {@link IndexedTable} (rows {@code 0..rows-1}, all allocated up front) and {@link KeyedTable}
 * (rows addressed by any 64-bit id, created on first touch).
 *
 * <p><b>A push</b> is validated completely before anything changes: every index in range (indexed
 * tables), the gradient exactly {@code k * dim} long, every value finite, the sums of duplicate ids
 * finite, and the row limit (keyed tables). Any failure throws and leaves the table as it was.
 * Duplicate ids are summed first, in the order they appear, as torch coalesces a sparse gradient,
 * so {@code [(7, g1), (7, g2)]} is one step with {@code g1 + g2}. Each distinct row then gets one
 * step of the table's optimizer with the same arithmetic a dense group uses on the same numbers
 * ({@link SgdKernel} for plain SGD, {@link OptimizerKernel} otherwise).
 *
 * <p><b>Laziness.</b> Only touched rows change: an untouched row neither decays nor has its
 * momentum or Adam moments advanced, as in torch's {@code SparseAdam} and TensorFlow's {@code
 * LazyAdam}. Consequences worth knowing:
 *
 * <ul>
 *   <li>Weight decay is applied to a row only on the steps it is touched, so a rarely seen row
 *       decays less than it would in a dense group.
 *   <li>Adam and AdamW count steps per table, not per row: every applied push to the table is one
 *       step, whichever rows it touches, and bias correction uses that count. This is what {@code
 *       torch.optim.SparseAdam} (one {@code state['step']} per parameter tensor) and TF {@code
 *       LazyAdam} (the optimizer's {@code iterations}) do, so their results can be reproduced. It
 *       means a row first touched late gets nearly no bias correction: its first step is about
 *       {@code lr * (1 - beta1) / sqrt(1 - beta2)} (3.16 lr at the defaults) rather than {@code
 *       lr}. Per-row step counts would avoid that at 8 bytes a row, but match neither library.
 *   <li>SGD momentum buffers start at zero per row and are damped from the first step: a row's
 *       first update uses {@code (1 - dampening) * g}. With {@code dampening = 0} (the default, and
 *       required for Nesterov) that is {@code g}, exactly torch's first step.
 * </ul>
 *
 * <p><b>Concurrency.</b> One lock per table, as for a dense group: pushes to a table are
 * serialized, a read takes the same lock, so a read never sees part of a push, and keyed rows are
 * created only under it, so a row is created once however many pushes first touch it together.
 * Multi-table pushes ({@link TableStore#push}) lock tables in creation order.
 *
 * <p><b>Versions.</b> {@link #version()} advances by one per applied push, whatever its size, for
 * pull-if-newer ({@link #readIfNewer}).
 */
public abstract sealed class SparseTable permits IndexedTable, KeyedTable {

  /** Creation order in a {@link TableStore}; locks are taken in ascending order. */
  final long order;

  private final String name;
  private final int dim;
  private final boolean decay;
  private final Optimizer optimizer;
  private final RowInitializer initializer;
  final ReentrantLock lock = new ReentrantLock();

  /** Guarded by {@link #lock}. */
  final RowBlocks values;

  /** Guarded by {@link #lock}; null for plain SGD. */
  final RowBlocks first;

  /** Guarded by {@link #lock}; null for SGD. */
  final RowBlocks second;

  /** Guarded by {@link #lock}. */
  private Hyperparameters hyperparameters;

  /** Guarded by {@link #lock}. */
  private long version;

  /** Guarded by {@link #lock}: applied pushes, Adam's step count. */
  private long steps;

  /**
   * Guarded by {@link #lock}. The checkpoint whose cut still needs some of this table's rows as
   * they are, or null: before changing such a row, a push hands that cut a copy of its block (or
   * waits for the write).
   */
  private TableCut pendingCut;

  /** Guarded by {@link #lock}: set when the table is deleted, so a push that found it fails. */
  private boolean deleted;

  // Scratch for coalescing a push, reused so the hot path allocates nothing; it keeps the size of
  // the largest push seen (its ids, and its gradient once more if ids repeated). Guarded by lock.
  private final IdIndex pending = new IdIndex(1);

  /** Guarded by {@link #lock}: the row of each distinct id of the push prepared last, or -1. */
  private int[] preparedRows = new int[1];

  private float[] pendingGradient;
  private int pendingCount;

  /**
   * Guarded by {@link #lock}: the coalesced rows of the push prepared last, row {@code u} for its
   * {@code u}-th distinct id: the push's own gradient when no id repeats, else {@link
   * #pendingGradient}. Cleared by {@link #commit}, so no pooled array is kept past its push.
   */
  private float[] preparedGradient;

  SparseTable(
      long order,
      String name,
      int dim,
      boolean decay,
      Hyperparameters hyperparameters,
      Optimizer optimizer,
      RowInitializer initializer) {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("table name must not be empty");
    }
    if (dim <= 0) {
      throw new IllegalArgumentException("table '" + name + "' needs dim > 0, got " + dim);
    }
    this.order = order;
    this.name = name;
    this.dim = dim;
    this.decay = decay;
    this.hyperparameters = requireNonNull(hyperparameters, "hyperparameters");
    this.optimizer = requireNonNull(optimizer, "optimizer");
    this.initializer = requireNonNull(initializer, "initializer");
    this.values = new RowBlocks(dim);
    this.first = optimizer.isPlainSgd() ? null : new RowBlocks(dim);
    this.second = optimizer.kind() == Optimizer.Kind.SGD ? null : new RowBlocks(dim);
    this.pendingGradient = new float[dim];
  }

  private <T> T requireNonNull(T value, String what) {
    if (value == null) {
      throw new IllegalArgumentException("table '" + name + "' needs " + what);
    }
    return value;
  }

  public final String name() {
    return name;
  }

  /** Floats per row. */
  public final int dim() {
    return dim;
  }

  /** Whether weight decay applies to this table's rows. */
  public final boolean decay() {
    return decay;
  }

  public final Optimizer optimizer() {
    return optimizer;
  }

  public final RowInitializer initializer() {
    return initializer;
  }

  public final Hyperparameters hyperparameters() {
    lock.lock();
    try {
      return hyperparameters;
    } finally {
      lock.unlock();
    }
  }

  /** Takes effect from the next push, like a group's. */
  public final void setHyperparameters(Hyperparameters hyperparameters) {
    requireNonNull(hyperparameters, "hyperparameters");
    lock.lock();
    try {
      this.hyperparameters = hyperparameters;
    } finally {
      lock.unlock();
    }
  }

  /** Applied pushes since creation (or as restored from a checkpoint). */
  public final long version() {
    lock.lock();
    try {
      return version;
    } finally {
      lock.unlock();
    }
  }

  /** Rows that hold a value: all of an indexed table, the touched ones of a keyed table. */
  public final long rowCount() {
    lock.lock();
    try {
      return storedRows();
    } finally {
      lock.unlock();
    }
  }

  /** The table's settings and counters, all at one version. */
  public final TableMetadata metadata() {
    lock.lock();
    try {
      long rows = storedRows();
      return new TableMetadata(
          name,
          this instanceof KeyedTable,
          dim,
          decay,
          hyperparameters,
          optimizer,
          initializer,
          rowLimit(),
          rows,
          version,
          rows * bytesPerRow(),
          idOffset(),
          idStride());
    } finally {
      lock.unlock();
    }
  }

  /** Float32 bytes one stored row takes, its optimizer buffers included. */
  public final long bytesPerRow() {
    return bytesPerRow(dim, optimizer);
  }

  /** What {@link #bytesPerRow()} is for a table of {@code dim} updated by {@code optimizer}. */
  public static long bytesPerRow(int dim, Optimizer optimizer) {
    return (long) dim * Float.BYTES * optimizer.arraysPerElement();
  }

  /**
   * Applies one row-sparse gradient: {@code gradient} holds {@code ids.length} rows of {@link
   * #dim()} floats, row {@code i} for {@code ids[i]}. Atomic: validated completely before any row
   * changes (see the class comment).
   *
   * @return the table's version after this push
   * @throws IllegalArgumentException naming the table and the bad length, index or value
   * @throws RowLimitException when a keyed table would pass its row limit
   */
  public final long push(long[] ids, float[] gradient) {
    checkShape(ids, gradient);
    lock.lock();
    try {
      prepare(ids, gradient);
      return commit();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Copies rows {@code ids} into {@code out} ({@code ids.length * dim} floats, row {@code i} at
   * {@code i * dim}), all from one version. A keyed table returns the initializer's value for an id
   * it has never seen, without creating the row.
   *
   * @return the version the rows were read at
   * @throws IllegalArgumentException on an index out of range or a wrongly sized {@code out}
   */
  public final long read(long[] ids, float[] out) {
    return readIfNewer(ids, out, -1);
  }

  /**
   * {@link #read} unless the table is still at {@code knownVersion}: then {@code out} is left
   * untouched and {@code knownVersion} returned, so a puller that already holds this version copies
   * nothing.
   */
  public final long readIfNewer(long[] ids, float[] out, long knownVersion) {
    checkIds(ids);
    checkLength("output", out.length, ids.length);
    lock.lock();
    try {
      if (version == knownVersion) {
        return version;
      }
      for (int i = 0; i < ids.length; i++) {
        int row = findRow(ids[i]);
        if (row < 0) {
          initializer.fill(ids[i], out, i * dim, dim);
        } else {
          System.arraycopy(values.block(row), values.offset(row), out, i * dim, dim);
        }
      }
      return version;
    } finally {
      lock.unlock();
    }
  }

  /** Checks what needs no lock: ids in range, gradient length, finite values. */
  final void checkShape(long[] ids, float[] gradient) {
    checkIds(ids);
    checkLength("gradient", gradient.length, ids.length);
    int bad = SgdKernel.firstNonFinite(gradient);
    if (bad >= 0) {
      throw new IllegalArgumentException(
          "gradient for table '"
              + name
              + "' has non-finite value "
              + gradient[bad]
              + " in the row for id "
              + ids[bad / dim]
              + " (element "
              + bad % dim
              + ")");
    }
  }

  private void checkLength(String what, int length, int rows) {
    if (length != (long) rows * dim) {
      throw new IllegalArgumentException(
          what
              + " for table '"
              + name
              + "' has "
              + length
              + " elements, expected "
              + rows
              + " ids x dim "
              + dim
              + " = "
              + (long) rows * dim);
    }
  }

  /**
   * Coalesces duplicate ids into the scratch buffers and checks what depends on the table's state
   * (sums still finite, the row limit). Changes no row. Caller holds {@link #lock} and ran {@link
   * #checkShape}.
   *
   * @return how many rows {@link #commit} will create
   */
  final int prepare(long[] ids, float[] gradient) {
    pending.clear();
    pendingCount = 0;
    boolean duplicates = false;
    for (int i = 0; i < ids.length; i++) {
      if (pending.addIfAbsent(ids[i]) < 0) {
        pendingCount++;
      } else {
        duplicates = true;
      }
    }
    // Without repeated ids the push's rows are already its coalesced rows, in order: no copy.
    preparedGradient = duplicates ? coalesce(ids, gradient) : gradient;
    if (duplicates) {
      for (int u = 0; u < pendingCount; u++) {
        for (int j = 0; j < dim; j++) {
          if (!Float.isFinite(pendingGradient[u * dim + j])) {
            throw new IllegalArgumentException(
                "gradient for table '"
                    + name
                    + "': the rows for duplicate id "
                    + pending.id(u)
                    + " sum to a non-finite value at element "
                    + j);
          }
        }
      }
    }
    // Each distinct id's row, found once here and reused by commit: a keyed lookup is two random
    // reads of a large index, the costliest step of a push into a big table.
    if (preparedRows.length < pendingCount) {
      preparedRows = new int[pendingCount];
    }
    int missing = 0;
    for (int u = 0; u < pendingCount; u++) {
      int row = findRow(pending.id(u));
      preparedRows[u] = row;
      if (row < 0) {
        missing++;
      }
    }
    checkRowLimit(missing);
    return missing;
  }

  /**
   * Sums the rows of repeated ids into {@link #pendingGradient}, in the order their ids first
   * appear (the numbers {@link #pending} gave them).
   */
  private float[] coalesce(long[] ids, float[] gradient) {
    if (pendingGradient.length < pendingCount * dim) {
      pendingGradient = new float[pendingCount * dim];
    }
    int firstSeen = 0;
    for (int i = 0; i < ids.length; i++) {
      int u = pending.get(ids[i]);
      if (u == firstSeen) {
        System.arraycopy(gradient, i * dim, pendingGradient, u * dim, dim);
        firstSeen++;
      } else {
        for (int j = 0; j < dim; j++) {
          pendingGradient[u * dim + j] += gradient[i * dim + j];
        }
      }
    }
    return pendingGradient;
  }

  /** Applies what {@link #prepare} coalesced. Caller holds {@link #lock}. */
  final long commit() {
    steps++;
    Hyperparameters hp = hyperparameters;
    for (int u = 0; u < pendingCount; u++) {
      int row = preparedRows[u] >= 0 ? preparedRows[u] : rowForUpdate(pending.id(u));
      OptimizerKernel.apply(
          optimizer,
          values.block(row),
          first == null ? null : first.block(row),
          second == null ? null : second.block(row),
          values.offset(row),
          preparedGradient,
          u * dim,
          dim,
          hp,
          decay,
          steps,
          false);
    }
    preparedGradient = null;
    return ++version;
  }

  /** Ids a push may name: throws naming the table and the first bad one. */
  abstract void checkIds(long[] ids);

  /** The row holding {@code id}, or -1 when it has none yet. Caller holds {@link #lock}. */
  abstract int findRow(long id);

  /**
   * The row for {@code id}, created from the initializer when missing. Caller holds {@link #lock}
   * and has checked the limit.
   */
  abstract int rowForUpdate(long id);

  /**
   * Throws when creating {@code missing} new rows would pass the row limit. Caller holds {@link
   * #lock}.
   */
  abstract void checkRowLimit(int missing);

  /** Initializer id of row 0 of this table; 0 but for an indexed shard of a larger table. */
  long idOffset() {
    return 0;
  }

  /** Initializer ids advance by this per row; 1 but for an indexed shard of a larger table. */
  long idStride() {
    return 1;
  }

  /** Caller holds {@link #lock}. */
  final boolean isDeleted() {
    return deleted;
  }

  /** Caller holds {@link #lock}. */
  final void markDeleted() {
    deleted = true;
  }

  /** Caller holds {@link #lock}. */
  abstract int storedRows();

  /** The fixed row count of an indexed table, the row limit of a keyed one. */
  abstract long rowLimit();

  /** The id of stored row {@code row}. Caller holds {@link #lock}. */
  abstract long idOfRow(int row);

  /** Caller holds {@link #lock}. */
  final long steps() {
    return steps;
  }

  /** What a checkpoint records besides the rows, at this instant. Caller holds {@link #lock}. */
  final TableHeader header() {
    return new TableHeader(
        name,
        this instanceof KeyedTable,
        dim,
        decay,
        hyperparameters,
        optimizer,
        steps,
        version,
        initializer,
        rowLimit(),
        storedRows(),
        idOffset(),
        idStride());
  }

  /** Caller holds {@link #lock}. */
  final TableCut pendingCut() {
    return pendingCut;
  }

  /** Caller holds {@link #lock}. */
  final void setPendingCut(TableCut cut) {
    pendingCut = cut;
  }

  /**
   * Lets the push {@link #prepare}d last change its rows: null when no checkpoint cut needs them or
   * the cut now holds copies; otherwise the cut whose copies are over budget: the push must release
   * every lock, {@link TableCut#awaitRoom wait} on it, and try again. Caller holds {@link #lock}.
   */
  final TableCut cutToAwait() {
    TableCut cut = pendingCut;
    return cut == null || cut.preserve(this) ? null : cut;
  }

  /** Rows per storage block: the unit a checkpoint cut copies and writes. */
  final int rowsPerBlock() {
    return values.rowsPerBlock();
  }

  /**
   * Hands {@code sink} the {@code count} rows of block {@code block} from the live arrays. Caller
   * holds {@link #lock}.
   *
   * @param idScratch room for {@code count} ids, filled for a keyed table; null for indexed
   */
  final void writeBlock(int block, int count, long[] idScratch, TableRowSink sink)
      throws IOException {
    int row0 = block * rowsPerBlock();
    if (idScratch != null) {
      for (int i = 0; i < count; i++) {
        idScratch[i] = idOfRow(row0 + i);
      }
    }
    sink.rows(
        idScratch,
        values.block(row0),
        first == null ? null : first.block(row0),
        second == null ? null : second.block(row0),
        count);
  }

  /** A copy of the first {@code count} rows of block {@code block}. Caller holds {@link #lock}. */
  final RowRun copyBlock(int block, int count) {
    int row0 = block * rowsPerBlock();
    long[] ids = null;
    if (this instanceof KeyedTable) {
      ids = new long[count];
      for (int i = 0; i < count; i++) {
        ids[i] = idOfRow(row0 + i);
      }
    }
    int floats = count * dim;
    return new RowRun(
        ids,
        Arrays.copyOf(values.block(row0), floats),
        first == null ? null : Arrays.copyOf(first.block(row0), floats),
        second == null ? null : Arrays.copyOf(second.block(row0), floats),
        count);
  }

  /** Rows copied out of a block, as {@link TableRowSink#rows} takes them. */
  record RowRun(long[] ids, float[] values, float[] first, float[] second, int count) {
    void writeTo(TableRowSink sink) throws IOException {
      sink.rows(ids, values, first, second, count);
    }
  }

  /** Distinct rows of the push {@link #prepare}d last. Caller holds {@link #lock}. */
  final int preparedCount() {
    return pendingCount;
  }

  /** Id of the {@code u}-th distinct row of the push prepared last. Caller holds {@link #lock}. */
  final long preparedId(int u) {
    return pending.id(u);
  }

  /** Brings back counters from a checkpoint. Caller holds {@link #lock}. */
  final void restoreCounters(long version, long steps) {
    this.version = version;
    this.steps = steps;
  }

  /** Allocates storage for rows {@code [0, rows)}. Caller holds {@link #lock}. */
  final void ensureRows(int rows, boolean exact) {
    values.ensureRows(rows, exact);
    if (first != null) {
      first.ensureRows(rows, exact);
    }
    if (second != null) {
      second.ensureRows(rows, exact);
    }
  }

  @Override
  public final String toString() {
    return getClass().getSimpleName() + "[" + name + ", dim " + dim + "]";
  }
}
