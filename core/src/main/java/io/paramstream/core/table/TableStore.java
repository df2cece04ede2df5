package io.paramstream.core.table;

import io.paramstream.core.CopyBudget;
import io.paramstream.core.GroupStoreException;
import io.paramstream.core.Hyperparameters;
import io.paramstream.core.Optimizer;
import io.paramstream.core.checkpoint.CorruptCheckpointException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
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
    return register(
        new IndexedTable(
            nextOrder.getAndIncrement(),
            name,
            rows,
            dim,
            decay,
            hyperparameters,
            optimizer,
            initializer));
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
      throw new GroupStoreException(
          GroupStoreException.Reason.ALREADY_EXISTS,
          "a table named '" + table.name() + "' already exists");
    }
    return table;
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

  /**
   * Applies every part or none: all parts are validated (shapes and values first, then under the
   * tables' locks the sums and row limits) before any table changes. Each table appears at most
   * once. Locks are taken in creation order, so concurrent multi-table pushes cannot deadlock, and
   * held until every part is applied, so a reader of any one table sees all of the push or none.
   *
   * @return each table's version after the push, in the order of {@code parts}
   */
  public long[] push(List<RowGradient> parts) {
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
    SparseTable[] locked = touched.clone();
    Arrays.sort(locked, Comparator.comparingLong(t -> t.order));
    int held = 0;
    try {
      for (SparseTable table : locked) {
        table.lock.lock();
        held++;
      }
      for (int i = 0; i < n; i++) {
        touched[i].prepare(parts.get(i).ids(), parts.get(i).gradient());
      }
      long[] versions = new long[n];
      for (int i = 0; i < n; i++) {
        versions[i] = touched[i].commit();
      }
      return versions;
    } finally {
      for (int i = held - 1; i >= 0; i--) {
        locked[i].lock.unlock();
      }
    }
  }

  /**
   * Marks a checkpoint's cut of every table, holding all their locks only while it reads their
   * headers and runs {@code atCut}, which reads what must be consistent with the tables (the
   * de-duplication table). A caller that also cuts groups holds their locks around this call: a
   * push that spans groups and tables takes the groups' locks first, then the tables'.
   */
  public TableCut beginCut(CopyBudget budget, Runnable atCut) {
    List<SparseTable> all = new ArrayList<>(tables.values());
    all.sort(Comparator.comparingLong(t -> t.order));
    int held = 0;
    try {
      for (SparseTable table : all) {
        table.lock.lock();
        held++;
      }
      List<SparseTable> byName = new ArrayList<>(all);
      byName.sort(Comparator.comparing(SparseTable::name));
      TableCut cut = new TableCut(byName, budget);
      atCut.run();
      return cut;
    } finally {
      for (int i = held - 1; i >= 0; i--) {
        all.get(i).lock.unlock();
      }
    }
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
