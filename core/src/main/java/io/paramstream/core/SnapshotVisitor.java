package io.paramstream.core;

/**
 * Receives the groups of a consistent read. Calls happen while the store holds the groups' locks,
 * so implementations copy what they need and return quickly; {@code values} must not be kept or
 * modified.
 */
public interface SnapshotVisitor {

  /** The group's values at {@code version}. */
  void group(GroupMetadata group, float[] values);

  /** The group was not newer than the version the reader asked about. */
  void notModified(GroupMetadata group);
}
