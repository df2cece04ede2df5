package io.paramstream.core.table;

import io.paramstream.core.GroupStoreException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The locks of some tables, held from {@link TableStore#lock} until {@link #close}: while open, no
 * push, read or delete of these tables runs, so what the holder reads or changes across them is one
 * instant. Locks are taken in creation order (the one global order of table locks; group locks,
 * when a caller needs both, are taken before any table lock), so holders cannot deadlock. Not
 * thread-safe: close it on the thread that opened it.
 */
public final class LockedTables implements AutoCloseable {

  private final SparseTable[] locked;
  private int held;

  /**
   * Locks {@code tables} (a table listed twice is locked once).
   *
   * @param tolerateDeleted when false, a table deleted before its lock was taken fails the whole
   *     call with NOT_FOUND and nothing stays locked; when true it is skipped by {@link #live}
   */
  LockedTables(List<SparseTable> tables, boolean tolerateDeleted) {
    Map<SparseTable, Boolean> distinct = new IdentityHashMap<>();
    tables.forEach(t -> distinct.put(t, Boolean.TRUE));
    this.locked = distinct.keySet().toArray(new SparseTable[0]);
    Arrays.sort(locked, Comparator.comparingLong(t -> t.order));
    try {
      for (SparseTable table : locked) {
        table.lock.lock();
        held++;
        if (!tolerateDeleted && table.isDeleted()) {
          throw new GroupStoreException(
              GroupStoreException.Reason.NOT_FOUND, "no table named '" + table.name() + "'");
        }
      }
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  /** The locked tables not deleted, in lock (creation) order. */
  public List<SparseTable> live() {
    return Arrays.stream(locked).filter(t -> !t.isDeleted()).toList();
  }

  /** Marks every locked table deleted; the store drops them from its names. */
  void markDeleted() {
    for (SparseTable table : locked) {
      table.markDeleted();
    }
  }

  @Override
  public void close() {
    while (held > 0) {
      locked[--held].lock.unlock();
    }
  }
}
