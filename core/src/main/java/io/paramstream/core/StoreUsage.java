package io.paramstream.core;

import java.util.List;

/**
 * What a store holds, counted against its {@link StoreLimits}: groups, and float32 bytes of groups
 * and sparse tables together. One instance serves {@link GroupStore} and {@link StoreTables}, so a
 * byte is counted once whichever of them holds it.
 */
final class StoreUsage {

  private final StoreLimits limits;
  private final Object lock = new Object();

  /** Guarded by lock. Groups counted against the limits, including ones being created. */
  private int groups;

  /** Guarded by lock. */
  private long parameterBytes;

  StoreUsage(StoreLimits limits) {
    this.limits = limits;
  }

  /** Bytes of float32 values over all groups and tables. */
  long parameterBytes() {
    synchronized (lock) {
      return parameterBytes;
    }
  }

  /** Fails with RESOURCE_EXHAUSTED if a group of {@code elements} would pass a limit. */
  void checkGroup(String name, long elements) {
    synchronized (lock) {
      checkGroupLocked(name, elements);
    }
  }

  /** Counts a new group, or fails as {@link #checkGroup} counting nothing. */
  void reserveGroup(String name, int elements) {
    synchronized (lock) {
      checkGroupLocked(name, elements);
      groups++;
      parameterBytes += (long) elements * Float.BYTES;
    }
  }

  void releaseGroup(int elements) {
    synchronized (lock) {
      groups--;
      parameterBytes -= (long) elements * Float.BYTES;
    }
  }

  /** Guarded by lock. */
  private void checkGroupLocked(String name, long elements) {
    long bytes = elements * Float.BYTES;
    if (groups >= limits.maxGroups()) {
      throw new GroupStoreException(
          GroupStoreException.Reason.RESOURCE_EXHAUSTED,
          "cannot create group '"
              + name
              + "': the server holds its maximum of "
              + limits.maxGroups()
              + " groups");
    }
    if (bytes > limits.maxParameterBytes() - parameterBytes) {
      throw new GroupStoreException(
          GroupStoreException.Reason.RESOURCE_EXHAUSTED,
          "cannot create group '"
              + name
              + "' of "
              + elements
              + " elements ("
              + bytes
              + " bytes): "
              + parameterBytes
              + " of the server's "
              + limits.maxParameterBytes()
              + " parameter bytes are in use");
    }
  }

  /**
   * Counts {@code bytes} of new table rows against {@code --max-parameter-bytes}, or fails with
   * RESOURCE_EXHAUSTED naming the limit and the tables, reserving nothing.
   */
  void reserveTableBytes(List<String> tableNames, long bytes) {
    if (bytes == 0) {
      return;
    }
    synchronized (lock) {
      if (bytes > limits.maxParameterBytes() - parameterBytes) {
        throw new GroupStoreException(
            GroupStoreException.Reason.RESOURCE_EXHAUSTED,
            "table rows of "
                + bytes
                + " bytes for "
                + String.join(", ", tableNames)
                + " would pass --max-parameter-bytes: "
                + parameterBytes
                + " of the server's "
                + limits.maxParameterBytes()
                + " parameter bytes are in use");
      }
      parameterBytes += bytes;
    }
  }

  /** Gives back table bytes counted by {@link #reserveTableBytes}. */
  void releaseTableBytes(long bytes) {
    synchronized (lock) {
      parameterBytes -= bytes;
    }
  }
}
