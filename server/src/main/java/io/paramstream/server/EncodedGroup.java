package io.paramstream.server;

import io.paramstream.core.GroupMetadata;
import io.paramstream.core.GroupStoreException;
import io.paramstream.core.SnapshotVisitor;
import java.util.ArrayList;
import java.util.List;

/**
 * A group read from the store and already encoded for the wire, so the store's locks are held only
 * for one copy and streaming happens without them.
 *
 * @param bytes little-endian float32 values, or null when the group was not modified
 */
record EncodedGroup(String name, long version, int size, byte[] bytes) {

  boolean notModified() {
    return bytes == null;
  }

  /** Collects a consistent read as encoded groups. */
  static final class Collector implements SnapshotVisitor {
    final List<EncodedGroup> groups = new ArrayList<>();

    @Override
    public void group(GroupMetadata group, float[] values) {
      byte[] bytes;
      try {
        bytes = Payloads.encode(values, 0, group.size());
      } catch (OutOfMemoryError e) {
        // The read copies what it sends; a heap too full for that copy fails this read only.
        throw new GroupStoreException(
            GroupStoreException.Reason.RESOURCE_EXHAUSTED,
            "the server has no heap left to read group '"
                + group.name()
                + "' ("
                + group.size()
                + " floats); retry later, or give the server a larger -Xmx");
      }
      groups.add(new EncodedGroup(group.name(), group.version(), group.size(), bytes));
    }

    @Override
    public void notModified(GroupMetadata group) {
      groups.add(new EncodedGroup(group.name(), group.version(), group.size(), null));
    }
  }
}
