package io.paramstream.core.table;

import io.paramstream.core.CopyBudget;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The sparse tables' part of a checkpoint's consistent cut, written out without stopping pushes.
 *
 * <p>Copy-on-write per storage block: {@link #of} creates it holding every table's lock, reading
 * only each table's header (settings, version, step count, stored row count); no row is copied.
 * {@link #forEachTable} then writes one table at a time, block by block, straight from the live
 * arrays under that table's lock, so pushes to other tables keep flowing and a push to the table
 * being written waits for one block at most. A push that would change rows of a block not yet
 * written first hands the cut a copy of that block (values, optimizer buffers, ids). Rows created
 * after the cut live past the cut's row count and are never written, and a keyed table's ids of
 * earlier rows never change, so the index is cut consistently without being copied.
 *
 * <p>Copies are charged to the checkpoint's {@link CopyBudget}, shared with the groups. Past it a
 * push waits until the writer has written that table (the writer takes a table someone waits for
 * next), so copies never exceed the budget: about one largest group or table, never a second model.
 *
 * <p>Close it when done, written or not: until then pushes to unwritten tables keep copying.
 */
public final class TableCut {

  private static final byte PENDING = 0;
  private static final byte COPIED = 1;
  private static final byte WRITTEN = 2;

  /** One table of the cut. Mutable fields are guarded by the budget's monitor. */
  private static final class Entry {
    final SparseTable table;
    final TableHeader header;
    final int rowsPerBlock;
    final byte[] blocks;
    final SparseTable.RowRun[] copies;
    boolean wanted; // a push waits for this table
    long wantedBytes; // what that push needed copied
    boolean done;

    Entry(SparseTable table) {
      this.table = table;
      this.header = table.header();
      this.rowsPerBlock = table.rowsPerBlock();
      int count = (int) ((header.rows() + (long) rowsPerBlock - 1) / rowsPerBlock);
      this.blocks = new byte[count];
      this.copies = new SparseTable.RowRun[count];
    }

    int rowsIn(int block) {
      return Math.min(rowsPerBlock, header.rows() - block * rowsPerBlock);
    }

    long bytesOf(int block) {
      return header.rows() == 0 ? 0 : header.rowBytes() / header.rows() * rowsIn(block);
    }
  }

  private final List<Entry> entries;
  private final Map<SparseTable, Entry> byTable = new IdentityHashMap<>();
  private final List<TableHeader> headers;
  private final CopyBudget budget;

  /** Guarded by budget. */
  private boolean closed;

  /**
   * Called holding the lock of every listed table; marks each as pending.
   *
   * @param tables sorted by name
   */
  TableCut(List<SparseTable> tables, CopyBudget budget) {
    this.budget = budget;
    this.entries = tables.stream().map(Entry::new).toList();
    this.headers = entries.stream().map(e -> e.header).toList();
    for (Entry entry : entries) {
      byTable.put(entry.table, entry);
      entry.table.setPendingCut(this);
    }
  }

  /**
   * Cuts the tables {@code locked} holds (the caller holds every group lock too, so a mixed push is
   * in the cut entirely or not at all); deleted ones are left out.
   */
  public static TableCut of(LockedTables locked, CopyBudget budget) {
    List<SparseTable> live = new ArrayList<>(locked.live());
    live.sort(Comparator.comparing(SparseTable::name));
    return new TableCut(live, budget);
  }

  /** Every table of the cut, sorted by name, as it was at the cut. */
  public List<TableHeader> tables() {
    return headers;
  }

  /** Bytes of the largest table's rows: the copy allowance a checkpoint gives its tables. */
  public long largestTableBytes() {
    return headers.stream().mapToLong(TableHeader::rowBytes).max().orElse(0);
  }

  /**
   * Lets the push {@code table} has prepared change its rows: copies each block it touches that the
   * cut still needs and returns true, or, when the copies do not fit the budget, copies nothing,
   * marks the table wanted and returns false. Caller holds the table's lock; its pending cut is
   * this.
   */
  boolean preserve(SparseTable table) {
    Entry entry = byTable.get(table);
    synchronized (budget) {
      if (closed || entry.done) {
        table.setPendingCut(null);
        return true;
      }
      BitSet needed = new BitSet(entry.blocks.length);
      long bytes = 0;
      for (int u = 0; u < table.preparedCount(); u++) {
        int row = table.findRow(table.preparedId(u));
        if (row < 0 || row >= entry.header.rows()) {
          continue; // a row created after the cut: not in the checkpoint
        }
        int block = row / entry.rowsPerBlock;
        if (entry.blocks[block] == PENDING && !needed.get(block)) {
          needed.set(block);
          bytes += entry.bytesOf(block);
        }
      }
      if (!budget.take(bytes)) {
        entry.wanted = true;
        entry.wantedBytes = bytes;
        return false;
      }
      for (int b = needed.nextSetBit(0); b >= 0; b = needed.nextSetBit(b + 1)) {
        entry.copies[b] = table.copyBlock(b, entry.rowsIn(b));
        entry.blocks[b] = COPIED;
      }
      return true;
    }
  }

  /**
   * Waits until {@code table} is written or there is room for the copies its push needs. The caller
   * holds no lock (the writer needs them) and tries the push again afterwards.
   */
  void awaitRoom(SparseTable table) {
    Entry entry = byTable.get(table);
    budget.awaitUntil(() -> closed || entry.done || budget.fits(entry.wantedBytes));
  }

  /** Hands out every table of the cut once: a wanted table first, then in name order. */
  public void forEachTable(TableRowSink sink) throws IOException {
    for (Entry entry = next(); entry != null; entry = next()) {
      write(entry, sink);
    }
  }

  private Entry next() {
    synchronized (budget) {
      if (closed) {
        throw new IllegalStateException("checkpoint cut is closed");
      }
      Entry first = null;
      for (Entry entry : entries) {
        if (entry.done) {
          continue;
        }
        if (entry.wanted) {
          return entry;
        }
        if (first == null) {
          first = entry;
        }
      }
      return first;
    }
  }

  private void write(Entry entry, TableRowSink sink) throws IOException {
    sink.begin(entry.header);
    long[] ids =
        entry.header.keyed() ? new long[Math.min(entry.rowsPerBlock, entry.header.rows())] : null;
    for (int b = 0; b < entry.blocks.length; b++) {
      SparseTable.RowRun copy;
      entry.table.lock.lock();
      try {
        synchronized (budget) {
          copy = entry.copies[b];
        }
        if (copy == null) {
          // Still the cut's image: write it in place; only pushes to this table wait meanwhile.
          entry.table.writeBlock(b, entry.rowsIn(b), ids, sink);
          synchronized (budget) {
            entry.blocks[b] = WRITTEN;
          }
          continue;
        }
      } finally {
        entry.table.lock.unlock();
      }
      copy.writeTo(sink);
      synchronized (budget) {
        entry.copies[b] = null;
        entry.blocks[b] = WRITTEN;
        budget.give(entry.bytesOf(b));
      }
    }
    sink.end();
    release(entry);
    synchronized (budget) {
      entry.done = true;
      budget.changed();
    }
  }

  private void release(Entry entry) {
    entry.table.lock.lock();
    try {
      if (entry.table.pendingCut() == this) {
        entry.table.setPendingCut(null);
      }
    } finally {
      entry.table.lock.unlock();
    }
  }

  /** Ends the cut: tables not written are free to change again, and waiting pushes go on. */
  public void close() {
    synchronized (budget) {
      if (closed) {
        return;
      }
    }
    entries.forEach(this::release);
    synchronized (budget) {
      closed = true;
      for (Entry entry : entries) {
        Arrays.fill(entry.copies, null);
      }
      budget.changed();
    }
  }
}
