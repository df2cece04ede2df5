package io.paramstream.core;

/**
 * Told when groups change. Called on the thread that changed them, after the change is visible and
 * its locks are released; implementations must return quickly and never block.
 */
public interface VersionListener {

  /**
   * A push advanced {@code group} to {@code version}. Concurrent pushes may report versions out of
   * order; a listener that cares reads the group rather than trusting the order of calls.
   */
  void versionAdvanced(String group, long version);

  /** {@code group} was deleted. */
  void deleted(String group);
}
