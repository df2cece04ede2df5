package io.paramstream.core.table;

import java.util.List;

/**
 * The table parts of one push, checked for shape and values and ready to be applied under the
 * tables' locks, in three steps a caller may interleave with its own work (the dense groups of a
 * mixed push, the de-duplication table): {@link #lock}, {@link #prepare} (the checks that need the
 * tables' state; changes nothing), then {@link #commit} or nothing. A push of no tables is valid
 * and does nothing.
 */
public final class TablePush {

  private final List<RowGradient> parts;
  private final SparseTable[] tables;

  /** Checked by {@link TableStore#stage}: every table known and once, every part's shape right. */
  TablePush(List<RowGradient> parts, SparseTable[] tables) {
    this.parts = List.copyOf(parts);
    this.tables = tables;
  }

  /** Whether this push carries any table part. */
  public boolean isEmpty() {
    return tables.length == 0;
  }

  /**
   * Locks the push's tables; fails with NOT_FOUND, holding nothing, if one was deleted since it was
   * staged.
   */
  public LockedTables lock() {
    return new LockedTables(List.of(tables), false);
  }

  /**
   * Coalesces duplicate ids and checks the sums and row limits. Changes no row. Caller holds {@link
   * #lock}.
   *
   * @return float32 bytes the push's new keyed rows will take, optimizer buffers included
   * @throws IllegalArgumentException when duplicate rows sum to a non-finite value
   * @throws RowLimitException when a keyed table would pass its row limit
   */
  public long prepare() {
    long newBytes = 0;
    for (int i = 0; i < tables.length; i++) {
      RowGradient part = parts.get(i);
      newBytes += tables[i].prepare(part.ids(), part.gradient()) * tables[i].bytesPerRow();
    }
    return newBytes;
  }

  /**
   * Applies what {@link #prepare} checked, right after it under the same locks.
   *
   * @return each table's version after the push, in the order of the parts
   */
  public long[] commit() {
    long[] versions = new long[tables.length];
    for (int i = 0; i < tables.length; i++) {
      versions[i] = tables[i].commit();
    }
    return versions;
  }

  /**
   * The tables' versions now, for a duplicate push that changes nothing. Caller holds the locks.
   */
  public long[] currentVersions() {
    long[] versions = new long[tables.length];
    for (int i = 0; i < tables.length; i++) {
      versions[i] = tables[i].version();
    }
    return versions;
  }

  /** Table names in the order of the parts. */
  public List<String> tableNames() {
    return parts.stream().map(RowGradient::table).toList();
  }
}
