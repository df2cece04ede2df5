package io.paramstream.core;

/**
 * Told when groups change. Called on the thread that changed them, after the change is visible and
 * its locks are released; implementations must return quickly and never block.
 */
public interface VersionListener {

  /** A push or a hyperparameter change advanced or touched {@code group}. */
  void versionAdvanced(String group, long version);

  /** {@code group} was deleted. */
  void deleted(String group);
}
