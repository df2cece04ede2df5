package io.paramstream.core;

import java.util.List;

/**
 * A consistent snapshot of several groups that is read chunk by chunk, as slowly as the reader
 * likes, without copying the groups up front. Every group is read at the version it had at one
 * instant between pushes (see {@link GroupStore#openRead}).
 *
 * <p>Chunks come from the live values while the group is unchanged. A push about to change a group
 * first hands its unfinished readers one shared copy of what they have yet to read, charged to the
 * readers' half of the {@link TransientMemoryBudget}. When that copy does not fit, the push goes on
 * and the read is {@link #lost()}: the reader restarts or fails, never the pusher waits.
 *
 * <p>Not thread-safe: one reader uses it; pushers only touch its cursors under the groups' locks.
 * Close it to let go of the groups and of any copies.
 */
public final class StreamingRead implements AutoCloseable {

  /** Encodes a slice of values while the store guarantees they do not change. */
  @FunctionalInterface
  public interface ChunkEncoder<T> {
    T encode(float[] values, int from, int count);
  }

  private final List<GroupMetadata> groups;

  /** Per group: its cursor, or null when the group was not modified (no values to send). */
  private final GroupCursor[] cursors;

  StreamingRead(List<GroupMetadata> groups, GroupCursor[] cursors) {
    this.groups = groups;
    this.cursors = cursors;
  }

  /** The groups of the snapshot, in the order they were selected, at their snapshot versions. */
  public List<GroupMetadata> groups() {
    return groups;
  }

  /** Whether group {@code i} was not newer than its selector's version: no values to read. */
  public boolean notModified(int i) {
    return cursors[i] == null;
  }

  /**
   * Whether a push changed a group still to be read and its old values did not fit the budget: this
   * read can no longer finish, open a new one.
   */
  public boolean lost() {
    for (GroupCursor cursor : cursors) {
      if (cursor != null && cursor.lost) {
        return true;
      }
    }
    return false;
  }

  /**
   * @throws GroupStoreException RESOURCE_EXHAUSTED when the read is {@link #lost()}
   */
  public void checkNotLost() {
    for (int i = 0; i < cursors.length; i++) {
      if (cursors[i] != null && cursors[i].lost) {
        throw lostError(groups.get(i));
      }
    }
  }

  /**
   * Encodes elements [from, from + count) of group {@code i} at its snapshot version. Chunks of a
   * group must be read in order; the last one lets go of the group.
   *
   * @throws GroupStoreException RESOURCE_EXHAUSTED when the read is {@link #lost()}
   */
  public <T> T read(int i, int from, int count, ChunkEncoder<T> encoder) {
    GroupCursor cursor = cursors[i];
    GroupMetadata group = groups.get(i);
    if (cursor == null || from < cursor.position || count < 0 || from + count > group.size()) {
      throw new IllegalArgumentException(
          "cannot read [" + from + ", " + (from + count) + ") of group '" + group.name() + "'");
    }
    cursor.group.lock.lock();
    try {
      if (cursor.lost) {
        throw lostError(group);
      }
      T chunk;
      if (cursor.preserved != null) {
        chunk = encoder.encode(cursor.preserved.tail, from - cursor.preserved.from, count);
      } else {
        chunk = encoder.encode(cursor.group.values, from, count);
      }
      cursor.position = from + count;
      if (cursor.position == group.size()) {
        cursor.finish();
      }
      return chunk;
    } finally {
      cursor.group.lock.unlock();
    }
  }

  /** Lets go of every group and copy; idempotent. Locks one group at a time. */
  @Override
  public void close() {
    for (GroupCursor cursor : cursors) {
      if (cursor == null) {
        continue;
      }
      cursor.group.lock.lock();
      try {
        cursor.finish();
      } finally {
        cursor.group.lock.unlock();
      }
    }
  }

  private static GroupStoreException lostError(GroupMetadata group) {
    return new GroupStoreException(
        GroupStoreException.Reason.RESOURCE_EXHAUSTED,
        "group '"
            + group.name()
            + "' changed while this slow read was still streaming version "
            + group.version()
            + ", and its old values did not fit the readers' half of the transient memory"
            + " budget (--max-transient-bytes); read again, or read faster");
  }
}
