package io.paramstream.core;

import java.io.IOException;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A checkpoint's consistent cut of a {@link GroupStore}, written out without stopping the world.
 *
 * <p>Copy-on-write per group: {@link GroupStore#beginCheckpoint} marks the cut while it holds every
 * group lock only long enough to read the versions and the de-duplication table; it copies no
 * arrays. {@link #forEachGroup} then hands out one group at a time, straight from the live arrays
 * under that group's lock, so pushes to the other groups keep flowing. A push that would change a
 * group not yet written first hands the cut a copy of that one group. Copies are capped at the size
 * of the largest group; past the cap the push waits until the writer has written that group, and
 * the writer takes a group someone waits for next. So a checkpoint costs at most about one largest
 * group plus I/O buffers of extra memory, never a second model, and a push waits at most for the
 * write of one group.
 *
 * <p>Close it when done, written or not: until then pushes to unwritten groups keep copying.
 */
public final class CheckpointCut implements CheckpointSource, AutoCloseable {

  /** One group of the cut. Mutable fields are guarded by the cut's monitor. */
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
  private final Runnable onClose;

  /** Guarded by this. Bytes pushes may still copy before they must wait for the writer. */
  private long copyBudget;

  /** Guarded by this. */
  private boolean closed;

  /**
   * Called by the store holding every listed group's lock; marks each group as pending.
   *
   * @param groups sorted by name, none deleted
   */
  CheckpointCut(
      List<ParameterGroup> groups,
      Map<String, Long> lastSequences,
      long changeCount,
      Runnable onClose) {
    this.entries = groups.stream().map(g -> new Entry(g, g.header())).toList();
    this.headers = entries.stream().map(e -> e.header).toList();
    this.lastSequences = Map.copyOf(lastSequences);
    this.changeCount = changeCount;
    this.onClose = onClose;
    for (Entry entry : entries) {
      byGroup.put(entry.group, entry);
      entry.group.setPendingCut(this);
      copyBudget = Math.max(copyBudget, entry.header.arrayBytes());
    }
  }

  @Override
  public List<GroupHeader> groups() {
    return headers;
  }

  @Override
  public Map<String, Long> lastSequences() {
    return lastSequences;
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
  synchronized boolean preserve(ParameterGroup group) {
    Entry entry = byGroup.get(group);
    if (closed || !entry.pending) {
      group.setPendingCut(null);
      return true;
    }
    long bytes = entry.header.arrayBytes();
    if (bytes > copyBudget) {
      entry.wanted = true;
      return false;
    }
    copyBudget -= bytes;
    entry.copy = group.copyArrays();
    entry.pending = false;
    group.setPendingCut(null);
    return true;
  }

  /**
   * Waits until {@code group} is written or there is room to copy it. The caller holds no group
   * lock (the writer needs them) and tries {@link #preserve} again afterwards.
   */
  void awaitRoom(ParameterGroup group) {
    Entry entry = byGroup.get(group);
    boolean interrupted = false;
    synchronized (this) {
      while (!closed && entry.pending && entry.header.arrayBytes() > copyBudget) {
        try {
          wait();
        } catch (InterruptedException e) {
          interrupted = true; // a push must not be half done; finish waiting, keep the flag
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** Hands out every group of the cut once: a wanted group first, then in name order. */
  @Override
  public void forEachGroup(GroupSink sink) throws IOException {
    for (Entry entry = next(); entry != null; entry = next()) {
      write(entry, sink);
    }
  }

  private synchronized Entry next() {
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

  private void write(Entry entry, GroupSink sink) throws IOException {
    float[][] copy;
    entry.group.lock.lock();
    try {
      synchronized (this) {
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

  private synchronized void finished(Entry entry) {
    entry.written = true;
    entry.pending = false;
    if (entry.copy != null) {
      entry.copy = null;
      copyBudget += entry.header.arrayBytes();
    }
    notifyAll();
  }

  /** Ends the cut: groups not written are free to change again, and waiting pushes go on. */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
    }
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
    synchronized (this) {
      closed = true;
      entries.forEach(e -> e.copy = null);
      notifyAll();
    }
    onClose.run();
  }
}
