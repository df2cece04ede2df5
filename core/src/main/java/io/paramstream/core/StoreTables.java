package io.paramstream.core;

import io.paramstream.core.table.LockedTables;
import io.paramstream.core.table.RowSelection;
import io.paramstream.core.table.SparseTable;
import io.paramstream.core.table.TableMetadata;
import io.paramstream.core.table.TableRows;
import io.paramstream.core.table.TableSpec;
import io.paramstream.core.table.TableStore;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The administration of a {@link GroupStore}'s sparse tables: create, list, delete, change
 * hyperparameters, read rows and restore one saved table. Reached through {@link
 * GroupStore#tables()}.
 *
 * <p>It owns the {@link TableStore} and checks what a table may be (name, dim, rows, stride) and
 * what it may cost: table bytes count against {@code --max-parameter-bytes} in the same accounting
 * ({@code StoreUsage}) as group bytes, and every change advances the store's change count that
 * periodic checkpoints read. It is separate from {@link GroupStore} because none of these
 * operations takes a group lock; what needs groups and tables under one lock order (the mixed push,
 * the checkpoint cut, restoring a whole store, a SetHyperparameters over both) stays there.
 *
 * <p>Errors are the store's: NOT_FOUND and ALREADY_EXISTS as {@link GroupStoreException}, bad input
 * as {@link IllegalArgumentException}, RESOURCE_EXHAUSTED as {@link GroupStoreException}.
 */
public final class StoreTables {

  private final TableStore tables = new TableStore();
  private final StoreUsage usage;
  private final Hyperparameters defaultHyperparameters;

  /** The owning store's change count, shared so a checkpoint sees table changes too. */
  private final AtomicLong changes;

  StoreTables(StoreUsage usage, Hyperparameters defaultHyperparameters, AtomicLong changes) {
    this.usage = usage;
    this.defaultHyperparameters = defaultHyperparameters;
    this.changes = changes;
  }

  /**
   * Creates an indexed table of {@code rows} rows where row {@code i} starts as the initializer's
   * row {@code i * idStride + idOffset} (0 and 1 for a table on one server).
   *
   * @throws GroupStoreException ALREADY_EXISTS; RESOURCE_EXHAUSTED past {@code
   *     --max-parameter-bytes} or the heap, with nothing allocated for the former
   * @throws IllegalArgumentException naming a bad field
   */
  public TableMetadata createIndexed(TableSpec spec, long rows, long idOffset, long idStride) {
    checkSpec(spec);
    String name = spec.name();
    int dim = spec.dim();
    if (rows <= 0 || rows > GroupStore.MAX_GROUP_SIZE) {
      throw new IllegalArgumentException(
          "indexed table '"
              + name
              + "' needs between 1 and "
              + GroupStore.MAX_GROUP_SIZE
              + " rows, got "
              + Long.toUnsignedString(rows));
    }
    if (idStride == 0) {
      throw new IllegalArgumentException("table '" + name + "' needs an id stride other than 0");
    }
    if (tables.contains(name)) {
      throw new GroupStoreException(
          GroupStoreException.Reason.ALREADY_EXISTS, "a table named '" + name + "' already exists");
    }
    long bytes = saturatedProduct(rows, SparseTable.bytesPerRow(dim, spec.optimizer()));
    usage.reserveTableBytes(List.of(name), bytes);
    long heap = Runtime.getRuntime().maxMemory();
    if (bytes >= heap) {
      usage.releaseTableBytes(bytes);
      throw new GroupStoreException(
          GroupStoreException.Reason.RESOURCE_EXHAUSTED,
          "table '"
              + name
              + "' of "
              + rows
              + " rows of "
              + dim
              + " floats needs "
              + bytes
              + " bytes with optimizer state, more than this server's whole heap of "
              + heap
              + " bytes (-Xmx); nothing was created");
    }
    try {
      TableMetadata created =
          tables
              .createIndexed(
                  name,
                  (int) rows,
                  dim,
                  spec.decay(),
                  orDefault(spec.hyperparameters()),
                  spec.optimizer(),
                  spec.initializer(),
                  idOffset,
                  idStride)
              .metadata();
      changes.incrementAndGet();
      return created;
    } catch (OutOfMemoryError e) {
      usage.releaseTableBytes(bytes);
      throw new GroupStoreException(
          GroupStoreException.Reason.RESOURCE_EXHAUSTED,
          "the server has no heap left for table '"
              + name
              + "' ("
              + rows
              + " rows of "
              + dim
              + " floats, "
              + bytes
              + " bytes with optimizer state); nothing was created");
    } catch (RuntimeException e) {
      usage.releaseTableBytes(bytes);
      throw e;
    }
  }

  /**
   * Creates an empty keyed table whose rows are created on first push, at most {@code maxRows}
   * ({@code Long.MAX_VALUE} for no limit of its own; new rows still count against {@code
   * --max-parameter-bytes}).
   *
   * @throws GroupStoreException ALREADY_EXISTS
   * @throws IllegalArgumentException naming a bad field
   */
  public TableMetadata createKeyed(TableSpec spec, long maxRows) {
    checkSpec(spec);
    TableMetadata created =
        tables
            .createKeyed(
                spec.name(),
                spec.dim(),
                spec.decay(),
                orDefault(spec.hyperparameters()),
                spec.optimizer(),
                spec.initializer(),
                maxRows)
            .metadata();
    changes.incrementAndGet();
    return created;
  }

  private static void checkSpec(TableSpec spec) {
    String name = spec.name();
    int dim = spec.dim();
    GroupStore.checkName("table", name);
    if (dim <= 0 || dim > GroupStore.MAX_GROUP_SIZE) {
      throw new IllegalArgumentException(
          "table '"
              + name
              + "' needs dim between 1 and "
              + GroupStore.MAX_GROUP_SIZE
              + ", got "
              + dim);
    }
    if (spec.optimizer() == null || spec.initializer() == null) {
      throw new IllegalArgumentException("table '" + name + "' needs an optimizer and initializer");
    }
  }

  private Hyperparameters orDefault(Hyperparameters hyperparameters) {
    return hyperparameters == null ? defaultHyperparameters : hyperparameters;
  }

  private static long saturatedProduct(long a, long b) {
    long high = Math.multiplyHigh(a, b);
    return high == 0 && a * b >= 0 ? a * b : Long.MAX_VALUE;
  }

  /**
   * Metadata of the named tables, or of every table when {@code names} is empty, sorted by name.
   *
   * @throws GroupStoreException NOT_FOUND for an unknown name
   */
  public List<TableMetadata> list(Collection<String> names) {
    return tables.list(names);
  }

  /**
   * Deletes the named tables: all of them, or none (NOT_FOUND) if any is unknown. Their bytes no
   * longer count against {@code --max-parameter-bytes}.
   */
  public void delete(Collection<String> names) {
    List<TableMetadata> removed = tables.delete(names);
    usage.releaseTableBytes(removed.stream().mapToLong(TableMetadata::storedBytes).sum());
    changes.incrementAndGet();
  }

  /**
   * Changes what {@code change} names on the named tables (every table when none is named), keeping
   * the rest of each table's hyperparameters. All or nothing: a result that would be invalid for
   * one table changes no table.
   */
  public List<TableMetadata> setHyperparameters(
      Collection<String> names, HyperparameterChange change) {
    Objects.requireNonNull(change, "change");
    List<TableMetadata> result;
    try (LockedTables locked = tables.lock(names, names.isEmpty())) {
      result = stageHyperparameters(locked, change).apply();
      changes.incrementAndGet();
    }
    return result;
  }

  /**
   * Computes {@code change} for every live table in {@code locked} without applying it, so a caller
   * changing groups too can fail before changing anything.
   */
  static StagedHyperparameters stageHyperparameters(
      LockedTables locked, HyperparameterChange change) {
    List<SparseTable> live = locked.live();
    List<Hyperparameters> updates = new ArrayList<>(live.size());
    for (SparseTable table : live) {
      updates.add(change.applyTo(table.hyperparameters()));
    }
    return new StagedHyperparameters(live, updates);
  }

  /** New hyperparameters computed for locked tables, not yet set. */
  record StagedHyperparameters(List<SparseTable> tables, List<Hyperparameters> updates) {

    /** Sets them; returns the tables' metadata sorted by name. The tables must still be locked. */
    List<TableMetadata> apply() {
      List<TableMetadata> result = new ArrayList<>(tables.size());
      for (int i = 0; i < tables.size(); i++) {
        tables.get(i).setHyperparameters(updates.get(i));
        result.add(tables.get(i).metadata());
      }
      result.sort(Comparator.comparing(TableMetadata::name));
      return result;
    }
  }

  /**
   * Reads rows of several tables at one instant between pushes, each table unless it is not newer
   * than its selection's {@code ifNewerThan}. See {@link TableStore#read}.
   */
  public List<TableRows> read(List<RowSelection> selections) {
    return tables.read(selections);
  }

  /**
   * Adds a table written by {@link io.paramstream.core.table.TableCheckpoint#write}, as it was
   * saved, counting its bytes against {@code --max-parameter-bytes} like any table's.
   *
   * @throws io.paramstream.core.checkpoint.CorruptCheckpointException when the bytes are not a
   *     whole, intact table
   * @throws GroupStoreException ALREADY_EXISTS; RESOURCE_EXHAUSTED past the limit, the table not
   *     added
   */
  public TableMetadata restore(InputStream in) throws IOException {
    TableMetadata restored = tables.restore(in).metadata();
    try {
      usage.reserveTableBytes(List.of(restored.name()), restored.storedBytes());
    } catch (GroupStoreException e) {
      tables.delete(List.of(restored.name()));
      throw e;
    }
    changes.incrementAndGet();
    return restored;
  }

  /** Adds the tables of a restored store, their bytes counted against the limit: all or none. */
  void importAll(List<SparseTable> restored) {
    long bytes = 0;
    for (SparseTable table : restored) {
      GroupStore.checkName("table", table.name());
      bytes += table.metadata().storedBytes();
    }
    usage.reserveTableBytes(restored.stream().map(SparseTable::name).toList(), bytes);
    try {
      tables.importTables(restored);
    } catch (RuntimeException e) {
      usage.releaseTableBytes(bytes);
      throw GroupStoreException.invalid(e.getMessage());
    }
  }

  /**
   * Floats per row of a table; lets a caller stage a push's rows before applying it.
   *
   * @throws GroupStoreException NOT_FOUND for an unknown table
   */
  public int dim(String name) {
    return tables.table(name).dim();
  }

  /**
   * The tables themselves, for checkpoints (a cut locks them with {@link TableStore#lockAll} after
   * every group lock; restore adds tables). Create, push and delete through the store, so that
   * limits and de-duplication apply.
   */
  public TableStore store() {
    return tables;
  }
}
