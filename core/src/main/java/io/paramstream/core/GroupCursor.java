package io.paramstream.core;

/**
 * One reader's progress through one group at the version of its snapshot. While {@link
 * #registered}, the reader reads the group's live values, and a push must hand it {@link
 * #preserved} old values (or mark it {@link #lost}) before changing them.
 */
final class GroupCursor {

  final ParameterGroup group;
  final long version;
  final TransientMemoryBudget budget;

  /** Guarded by group.lock. The next element the reader will read. */
  int position;

  /** Guarded by group.lock. Listed in the group's readers: the live values are this version. */
  boolean registered;

  /** Guarded by group.lock. The old values a push left for this reader, or null. */
  PreservedValues preserved;

  /** Guarded by group.lock. Done with the group: nothing held any more. */
  boolean finished;

  /** Set under group.lock; read without it to decide on a restart. */
  volatile boolean lost;

  GroupCursor(ParameterGroup group, long version, TransientMemoryBudget budget) {
    this.group = group;
    this.version = version;
    this.budget = budget;
  }

  /** Lets go of the group and of any old values. Caller holds group.lock. */
  void finish() {
    if (finished) {
      return;
    }
    finished = true;
    if (registered) {
      group.removeReader(this);
      registered = false;
    }
    if (preserved != null) {
      preserved.release();
      preserved = null;
    }
  }
}
