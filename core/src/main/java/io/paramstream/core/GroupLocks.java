package io.paramstream.core;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Taking and releasing the locks of several groups in one order (ascending id), so that operations
 * touching overlapping groups never deadlock.
 */
final class GroupLocks {

  private GroupLocks() {}

  /**
   * Locks groups about to change, as {@link #lockAll}, after any open checkpoint cut has what it
   * needs of them: a copy, or (when copies are over budget) its write, waited for without locks.
   */
  static List<ParameterGroup> lockForChange(List<ParameterGroup> targets) {
    while (true) {
      List<ParameterGroup> locked = lockAll(targets, false);
      for (ParameterGroup group : locked) {
        CheckpointCut cut = group.pendingCut();
        if (cut != null && !cut.preserve(group)) {
          unlockAll(locked);
          cut.awaitRoom(group);
          locked = null;
          break;
        }
      }
      if (locked != null) {
        return locked;
      }
    }
  }

  /**
   * Locks groups in ascending id order and, unless {@code tolerateDeleted}, checks none was deleted
   * meanwhile. Returns them in that lock order; on failure nothing stays locked.
   */
  static List<ParameterGroup> lockAll(List<ParameterGroup> targets, boolean tolerateDeleted) {
    ParameterGroup[] ordered = targets.toArray(new ParameterGroup[0]);
    if (ordered.length > 1) {
      Arrays.sort(ordered, Comparator.comparingLong(g -> g.id));
    }
    List<ParameterGroup> locked = Arrays.asList(ordered);
    int held = 0;
    try {
      for (ParameterGroup group : ordered) {
        group.lock.lock();
        held++;
        if (group.isDeleted() && !tolerateDeleted) {
          throw GroupStoreException.notFound(group.name);
        }
      }
      return locked;
    } catch (RuntimeException e) {
      unlockAll(locked.subList(0, held));
      throw e;
    }
  }

  /** Unlocks in the reverse of lock order. */
  static void unlockAll(List<ParameterGroup> locked) {
    for (int i = locked.size() - 1; i >= 0; i--) {
      locked.get(i).lock.unlock();
    }
  }
}
