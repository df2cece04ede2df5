package io.paramstream.core;

import io.paramstream.core.table.TableCut;
import io.paramstream.core.table.TableHeader;
import io.paramstream.core.table.TableRowSink;
import java.io.IOException;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A checkpoint's consistent cut of a {@link GroupStore}, written out without stopping the world.
 *
 * <p>Copy-on-write per group: {@link GroupStore#beginCheckpoint} marks the cut while it holds every
 * group and table lock only long enough to read the versions and the de-duplication table; it
 * copies no arrays. The sparse tables are cut the same way, per block of rows ({@link TableCut}),
 * and share this cut's {@link CopyBudget}. {@link #forEachGroup} then hands out one group at a
 * time, straight from the live arrays under that group's lock, so pushes to the other groups keep
 * flowing. A push that would change a group not yet written first hands the cut a copy of that one
 * group. Copies are capped at the size of the largest group; past the cap the push waits until the
 * writer has written that group, and the writer takes a group someone waits for next. So a
 * checkpoint costs at most about one largest group or table plus I/O buffers of extra memory, never
 * a second model, and a push waits at most for the write of one group (a push to a table, for the
 * groups and that table: tables are written after the groups).
 *
 * <p>Close it when done, written or not: until then pushes to unwritten groups keep copying.
 */
public final class CheckpointCut implements CheckpointSource, AutoCloseable {

  /** One group of the cut. Mutable fields are guarded by the budget's monitor. */
  private static final class Entry {
    final ParameterGroup group;
    final GroupHeader header;
    float[][] copy; // values, first moment, second moment, handed over by a push
    boolean pending = true; // the live arrays still hold the cut's image and must not change
    boolean written;
    boolean wanted; // a push waits for this group

    Entry(ParameterGroup group, GroupHeader header) {
      this.group = group;
      this.header = header;
    }
  }

  private final List<Entry> entries;
  private final Map<ParameterGroup, Entry> byGroup = new IdentityHashMap<>();
  private final List<GroupHeader> headers;
  private final Map<String, Long> lastSequences;
  private final long changeCount;
  private final TableCut tables;
  private final Runnable onClose;

  /** Bytes pushes may still copy before they must wait for the writer; guards this cut's state. */
  private final CopyBudget budget;

  /** Guarded by budget. */
  private boolean closed;

  /**
   * Called by the store holding every listed group's lock; marks each group as pending. Gives
   * {@code budget} the larger of the largest group's and the largest table's bytes.
   *
   * @param groups sorted by name, none deleted
   * @param tables the tables' cut, taken under the same locks, sharing {@code budget}
   */
  CheckpointCut(
      List<ParameterGroup> groups,
      Map<String, Long> lastSequences,
      long changeCount,
      TableCut tables,
      CopyBudget budget,
      Runnable onClose) {
    this.entries = groups.stream().map(g -> new Entry(g, g.header())).toList();
    this.headers = entries.stream().map(e -> e.header).toList();
    this.lastSequences = Map.copyOf(lastSequences);
    this.changeCount = changeCount;
    this.tables = tables;
    this.budget = budget;
    this.onClose = onClose;
    long largest = tables.largestTableBytes();
    for (Entry entry : entries) {
      byGroup.put(entry.group, entry);
      entry.group.setPendingCut(this);
      largest = Math.max(largest, entry.header.arrayBytes());
    }
    budget.give(largest);
  }

  @Override
  public List<GroupHeader> groups() {
    return headers;
  }

  @Override
  public Map<String, Long> lastSequences() {
    return lastSequences;
  }

  @Override
  public List<TableHeader> tables() {
    return tables.tables();
  }

  /** Hands out every table of the cut once: a table a push waits for first, then by name. */
  @Override
  public void forEachTable(TableRowSink sink) throws IOException {
    tables.forEachTable(sink);
  }

  /** The store's {@link GroupStore#changeCount()} no later than the cut. */
  public long changeCount() {
    return changeCount;
  }

  /**
   * Lets a push change {@code group}: hands the cut a copy if there is room and returns true, or
   * returns false and marks the group wanted. Caller holds the group's lock and its pending cut is
   * this.
   */
  boolean preserve(ParameterGroup group) {
    Entry entry = byGroup.get(group);
    synchronized (budget) {
      if (closed || !entry.pending) {
        group.setPendingCut(null);
        return true;
      }
      if (!budget.take(entry.header.arrayBytes())) {
        entry.wanted = true;
        return false;
      }
      entry.copy = group.copyArrays();
      entry.pending = false;
      group.setPendingCut(null);
      return true;
    }
  }

  /**
   * Waits until {@code group} is written or there is room to copy it. The caller holds no group
   * lock (the writer needs them) and tries {@link #preserve} again afterwards.
   */
  void awaitRoom(ParameterGroup group) {
    Entry entry = byGroup.get(group);
    budget.awaitUntil(() -> closed || !entry.pending || budget.fits(entry.header.arrayBytes()));
  }

  /** Hands out every group of the cut once: a wanted group first, then in name order. */
  @Override
  public void forEachGroup(GroupSink sink) throws IOException {
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
        if (entry.written) {
          continue;
        }
        if (entry.wanted && entry.pending) {
          return entry;
        }
        if (first == null) {
          first = entry;
        }
      }
      return first;
    }
  }

  private void write(Entry entry, GroupSink sink) throws IOException {
    float[][] copy;
    entry.group.lock.lock();
    try {
      synchronized (budget) {
        copy = entry.copy;
      }
      if (copy == null) {
        // Still the cut's image: write it in place; only pushes to this group wait meanwhile.
        entry.group.writeArrays(entry.header, sink);
        entry.group.setPendingCut(null);
        finished(entry);
        return;
      }
    } finally {
      entry.group.lock.unlock();
    }
    sink.group(entry.header, copy[0], copy[1], copy[2]);
    finished(entry);
  }

  private void finished(Entry entry) {
    synchronized (budget) {
      entry.written = true;
      entry.pending = false;
      if (entry.copy != null) {
        entry.copy = null;
        budget.give(entry.header.arrayBytes());
      }
      budget.changed();
    }
  }

  /**
   * Ends the cut: groups and tables not written are free to change again, and waiting pushes go on.
   */
  @Override
  public void close() {
    synchronized (budget) {
      if (closed) {
        return;
      }
    }
    tables.close();
    for (Entry entry : entries) {
      entry.group.lock.lock();
      try {
        if (entry.group.pendingCut() == this) {
          entry.group.setPendingCut(null);
        }
      } finally {
        entry.group.lock.unlock();
      }
    }
    synchronized (budget) {
      closed = true;
      entries.forEach(e -> e.copy = null);
      budget.changed();
    }
    onClose.run();
  }
}
