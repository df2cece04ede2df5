package io.paramstream.core;

import static io.paramstream.core.GroupLocks.lockAll;
import static io.paramstream.core.GroupLocks.unlockAll;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Reads of several groups of a {@link GroupStore} at one instant between pushes: visited in place,
 * opened for chunked streaming, or copied. Separate from the store because reads only take group
 * locks and never change a group.
 */
final class GroupReads {

  private final GroupStore store;

  GroupReads(GroupStore store) {
    this.store = store;
  }

  /**
   * Reads groups as one consistent snapshot: {@code visitor} sees every selected group at one
   * instant between pushes. An empty selector list reads every group.
   */
  void read(List<GroupSelector> selectors, SnapshotVisitor visitor) {
    readLocked(
        selectors,
        (group, modified) -> {
          if (modified) {
            visitor.group(group.metadata(), group.values);
          } else {
            visitor.notModified(group.metadata());
          }
        });
  }

  /**
   * Opens a consistent snapshot to be read chunk by chunk: the versions are fixed now, at one
   * instant between pushes, but no values are copied. Pushes that change a group before the reader
   * is done with it copy the old values for the reader, charged to {@code readerBudget}'s readers'
   * half, or make the read {@link StreamingRead#lost() lost} when that copy does not fit.
   *
   * @throws GroupStoreException NOT_FOUND for an unknown group, INVALID_ARGUMENT for a repeat
   */
  StreamingRead openRead(List<GroupSelector> selectors, TransientMemoryBudget readerBudget) {
    Objects.requireNonNull(readerBudget, "readerBudget");
    List<GroupMetadata> metadata = new ArrayList<>();
    List<GroupCursor> cursors = new ArrayList<>();
    readLocked(
        selectors,
        (group, modified) -> {
          metadata.add(group.metadata());
          GroupCursor cursor = null;
          if (modified) {
            cursor = new GroupCursor(group, group.version(), readerBudget);
            group.addReader(cursor);
          }
          cursors.add(cursor);
        });
    return new StreamingRead(List.copyOf(metadata), cursors.toArray(new GroupCursor[0]));
  }

  /** Sees one selected group under the locks of all of them. */
  private interface LockedGroupVisitor {
    void visit(ParameterGroup group, boolean modified);
  }

  /** Visits the selected groups, in selection order, all at one instant between pushes. */
  private void readLocked(List<GroupSelector> selectors, LockedGroupVisitor visitor) {
    Selection selection = select(selectors);
    List<ParameterGroup> locked = lockAll(selection.targets, selectors.isEmpty());
    try {
      for (int i = 0; i < selection.targets.size(); i++) {
        ParameterGroup group = selection.targets.get(i);
        if (group.isDeleted()) {
          continue; // deleted after we listed it for an all-groups read
        }
        visitor.visit(group, group.version() > selection.chosen.get(i).ifNewerThan());
      }
    } finally {
      unlockAll(locked);
    }
  }

  /** The groups a read selects, with the selector of each; all groups by name when empty. */
  private record Selection(List<ParameterGroup> targets, List<GroupSelector> chosen) {}

  private Selection select(List<GroupSelector> selectors) {
    if (selectors.isEmpty()) {
      List<ParameterGroup> targets = store.allGroups();
      targets.sort(Comparator.comparing(g -> g.name));
      return new Selection(targets, targets.stream().map(g -> GroupSelector.any(g.name)).toList());
    }
    List<ParameterGroup> targets = new ArrayList<>(selectors.size());
    for (GroupSelector selector : selectors) {
      targets.add(store.lookup(selector.name()));
    }
    GroupStore.checkDistinct(targets);
    return new Selection(targets, selectors);
  }

  /** Copies of the named groups' values, read as one consistent snapshot, in the given order. */
  Map<String, float[]> snapshot(List<String> names) {
    Map<String, float[]> copies = new LinkedHashMap<>();
    read(
        names.stream().map(GroupSelector::any).toList(),
        new SnapshotVisitor() {
          @Override
          public void group(GroupMetadata group, float[] values) {
            copies.put(group.name(), values.clone());
          }

          @Override
          public void notModified(GroupMetadata group) {
            throw new AssertionError("selected any version");
          }
        });
    return copies;
  }
}
