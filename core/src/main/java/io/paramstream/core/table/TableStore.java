package io.paramstream.core.table;

import io.paramstream.core.GroupStoreException;
import io.paramstream.core.Hyperparameters;
import io.paramstream.core.Optimizer;
import io.paramstream.core.checkpoint.CorruptCheckpointException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The sparse tables of one server by name, and pushes that update several of them atomically.
 * Tables live beside the dense groups of a {@code GroupStore} and share its error vocabulary:
 * unknown and duplicate names throw {@link GroupStoreException} (NOT_FOUND, ALREADY_EXISTS), bad
 * input {@link IllegalArgumentException}, a full keyed table {@link RowLimitException}.
 */
public final class TableStore {

  private final ConcurrentMap<String, SparseTable> tables = new ConcurrentHashMap<>();
  private final AtomicLong nextOrder = new AtomicLong();

  /**
   * Creates a table of {@code rows} rows, each set from {@code initializer}.
   *
   * @throws GroupStoreException ALREADY_EXISTS when the name is taken
   */
  public IndexedTable createIndexed(
      String name,
      int rows,
      int dim,
      boolean decay,
      Hyperparameters hyperparameters,
      Optimizer optimizer,
      RowInitializer initializer) {
    return createIndexed(name, rows, dim, decay, hyperparameters, optimizer, initializer, 0, 1);
  }

  /**
   * Creates a table of {@code rows} rows where row {@code i} starts as the initializer's row {@code
   * i * idStride + idOffset}: one shard of a larger table, holding the rows a single server would.
   *
   * @throws GroupStoreException ALREADY_EXISTS when the name is taken
   */
  public IndexedTable createIndexed(
      String name,
      int rows,
      int dim,
      boolean decay,
      Hyperparameters hyperparameters,
      Optimizer optimizer,
      RowInitializer initializer,
      long idOffset,
      long idStride) {
    if (tables.containsKey(name)) {
      throw alreadyExists(name); // before allocating the rows
    }
    return register(
        new IndexedTable(
            nextOrder.getAndIncrement(),
            name,
            rows,
            dim,
            decay,
            hyperparameters,
            optimizer,
            initializer,
            idOffset,
            idStride,
            true));
  }

  /**
   * Creates an empty keyed table that holds at most {@code maxRows} rows ({@code Long.MAX_VALUE}
   * for as many as {@link KeyedTable#MAX_ROWS}).
   *
   * @throws GroupStoreException ALREADY_EXISTS when the name is taken
   */
  public KeyedTable createKeyed(
      String name,
      int dim,
      boolean decay,
      Hyperparameters hyperparameters,
      Optimizer optimizer,
      RowInitializer initializer,
      long maxRows) {
    return register(
        new KeyedTable(
            nextOrder.getAndIncrement(),
            name,
            dim,
            decay,
            hyperparameters,
            optimizer,
            initializer,
            maxRows));
  }

  /**
   * Reads a table written by {@link TableCheckpoint#write} and adds it, as it was saved.
   *
   * @throws CorruptCheckpointException when the bytes are not a whole, intact table
   * @throws GroupStoreException ALREADY_EXISTS when the name is taken
   */
  public SparseTable restore(InputStream in) throws IOException {
    return register(TableCheckpoint.read(in, nextOrder.getAndIncrement()));
  }

  private <T extends SparseTable> T register(T table) {
    if (tables.putIfAbsent(table.name(), table) != null) {
      throw alreadyExists(table.name());
    }
    return table;
  }

  private static GroupStoreException alreadyExists(String name) {
    return new GroupStoreException(
        GroupStoreException.Reason.ALREADY_EXISTS, "a table named '" + name + "' already exists");
  }

  /** Whether a table of that name exists. */
  public boolean contains(String name) {
    return tables.containsKey(name);
  }

  /**
   * The table named {@code name}.
   *
   * @throws GroupStoreException NOT_FOUND
   */
  public SparseTable table(String name) {
    SparseTable table = tables.get(name);
    if (table == null) {
      throw new GroupStoreException(
          GroupStoreException.Reason.NOT_FOUND, "no table named '" + name + "'");
    }
    return table;
  }

  /** Table names, sorted. */
  public List<String> names() {
    List<String> names = new ArrayList<>(tables.keySet());
    names.sort(null);
    return names;
  }

  /** Metadata of the named tables, or of every table when {@code names} is empty, by name. */
  public List<TableMetadata> list(Collection<String> names) {
    List<TableMetadata> result = new ArrayList<>();
    for (SparseTable table : resolve(names)) {
      table.lock.lock();
      try {
        if (!table.isDeleted()) {
          result.add(table.metadata());
        }
      } finally {
        table.lock.unlock();
      }
    }
    result.sort(Comparator.comparing(TableMetadata::name));
    return result;
  }

  /**
   * Deletes the named tables: all of them, or none (NOT_FOUND) if any is unknown.
   *
   * @return what the deleted tables held, for the caller's accounting
   */
  public List<TableMetadata> delete(Collection<String> names) {
    if (names.isEmpty()) {
      throw new IllegalArgumentException("name at least one table to delete");
    }
    try (LockedTables locked = new LockedTables(resolve(names), false)) {
      List<SparseTable> doomed = locked.live();
      List<TableMetadata> removed = doomed.stream().map(SparseTable::metadata).toList();
      locked.markDeleted();
      doomed.forEach(t -> tables.remove(t.name(), t));
      return removed;
    }
  }

  /**
   * Locks the named tables (every table when {@code names} is empty) until the result is closed.
   *
   * @throws GroupStoreException NOT_FOUND when a named table is unknown; nothing stays locked
   */
  public LockedTables lock(Collection<String> names) {
    return lock(names, true);
  }

  /**
   * Locks the named tables until the result is closed; when {@code names} is empty, every table if
   * {@code emptyMeansAll}, else none.
   *
   * @throws GroupStoreException NOT_FOUND when a named table is unknown; nothing stays locked
   */
  public LockedTables lock(Collection<String> names, boolean emptyMeansAll) {
    if (names.isEmpty() && !emptyMeansAll) {
      return new LockedTables(List.of(), false);
    }
    return new LockedTables(resolve(names), names.isEmpty());
  }

  /**
   * Locks every table, for a consistent cut of groups and tables together: the caller holds every
   * group lock first, so a mixed push (which takes its group locks, then its table locks) is inside
   * the cut entirely or not at all.
   */
  public LockedTables lockAll() {
    return lock(List.of());
  }

  /** The named tables, or all of them when {@code names} is empty. */
  private List<SparseTable> resolve(Collection<String> names) {
    if (names.isEmpty()) {
      return new ArrayList<>(tables.values());
    }
    List<SparseTable> resolved = new ArrayList<>(names.size());
    for (String name : names) {
      resolved.add(table(name));
    }
    return resolved;
  }

  /**
   * Reads rows of several tables at one instant between pushes: every selected table is locked (in
   * creation order) before the first is read. A keyed table answers ids it has never seen with
   * their initial value, creating nothing.
   *
   * @return one result per selection, in order
   * @throws GroupStoreException NOT_FOUND for an unknown table
   * @throws IllegalArgumentException for an id outside an indexed table
   */
  public List<TableRows> read(List<RowSelection> selections) {
    List<SparseTable> selected = new ArrayList<>(selections.size());
    for (RowSelection selection : selections) {
      SparseTable table = table(selection.table());
      table.checkIds(selection.ids());
      selected.add(table);
    }
    List<TableRows> result = new ArrayList<>(selections.size());
    try (LockedTables locked = new LockedTables(selected, false)) {
      for (int i = 0; i < selections.size(); i++) {
        SparseTable table = selected.get(i);
        RowSelection selection = selections.get(i);
        long version = table.version();
        if (selection.ifNewerThan() != RowSelection.ANY_VERSION
            && version <= selection.ifNewerThan()) {
          result.add(
              new TableRows(table.name(), table.dim(), version, new long[0], new float[0], true));
          continue;
        }
        float[] values = new float[Math.multiplyExact(selection.ids().length, table.dim())];
        table.read(selection.ids(), values);
        result.add(
            new TableRows(table.name(), table.dim(), version, selection.ids(), values, false));
      }
    }
    return result;
  }

  /**
   * Applies every part or none: all parts are validated (shapes and values first, then under the
   * tables' locks the sums and row limits) before any table changes. Each table appears at most
   * once. Locks are taken in creation order, so concurrent multi-table pushes cannot deadlock, and
   * held until every part is applied, so a reader of any one table sees all of the push or none.
   *
   * @return each table's version after the push, in the order of {@code parts}
   */
  public long[] push(List<RowGradient> parts) {
    TablePush push = stage(parts);
    while (true) {
      Runnable awaitCheckpoint;
      try (LockedTables locked = push.lock()) {
        push.prepare();
        awaitCheckpoint = push.preserveForCheckpoint();
        if (awaitCheckpoint == null) {
          return push.commit();
        }
      }
      awaitCheckpoint.run(); // a checkpoint's copies are over budget: wait without locks
    }
  }

  /**
   * Checks what a push's table parts can be checked for without locks (every table known and named
   * once, ids in range, lengths, finite values) and returns them ready to apply.
   *
   * @throws GroupStoreException NOT_FOUND for an unknown table
   * @throws IllegalArgumentException naming the table and the bad value
   */
  public TablePush stage(List<RowGradient> parts) {
    int n = parts.size();
    SparseTable[] touched = new SparseTable[n];
    for (int i = 0; i < n; i++) {
      RowGradient part = parts.get(i);
      SparseTable table = table(part.table());
      for (int j = 0; j < i; j++) {
        if (touched[j] == table) {
          throw new IllegalArgumentException(
              "table '" + table.name() + "' appears twice in one push; send its rows together");
        }
      }
      table.checkShape(part.ids(), part.gradient());
      touched[i] = table;
    }
    return new TablePush(parts, touched);
  }

  /**
   * Adopts tables read from a checkpoint into this store, which must hold no table: all of them, or
   * none when a name repeats.
   *
   * @throws IllegalArgumentException when the store is not empty or a name repeats
   */
  public void importTables(List<SparseTable> restored) {
    if (!tables.isEmpty()) {
      throw new IllegalArgumentException("can only restore tables into a store without tables");
    }
    for (SparseTable table : restored) {
      if (tables.putIfAbsent(table.name(), table) != null) {
        tables.clear();
        throw new IllegalArgumentException("table '" + table.name() + "' appears twice");
      }
      nextOrder.accumulateAndGet(table.order + 1, Math::max);
    }
  }
}
