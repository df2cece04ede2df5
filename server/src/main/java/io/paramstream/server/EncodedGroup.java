package io.paramstream.server;

import io.paramstream.core.GroupMetadata;
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
      groups.add(
          new EncodedGroup(
              group.name(),
              group.version(),
              group.size(),
              Payloads.encode(values, 0, group.size())));
    }

    @Override
    public void notModified(GroupMetadata group) {
      groups.add(new EncodedGroup(group.name(), group.version(), group.size(), null));
    }
  }
}
