package io.paramstream.server;

import io.paramstream.core.GroupGradient;
import io.paramstream.core.GroupStore;
import io.paramstream.core.GroupStoreException;
import io.paramstream.core.GroupStoreException.Reason;
import io.paramstream.core.table.RowGradient;
import io.paramstream.proto.v1.GradientSlice;
import io.paramstream.proto.v1.RowSlice;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The slices of one push gathered until its last message, so the push can be applied whole: group
 * slices here, row slices of tables in {@link PendingRows}. The first bad slice is remembered and
 * later slices of the same push are ignored: the push is then rejected as a whole when it ends, and
 * the stream carries on with the next one.
 *
 * <p>Each group's staging array is reserved from the transient budget when the group's first slice
 * arrives. When it does not fit now, a push holding nothing yet waits ({@link #add} returns false
 * and the stream stops reading); a push already holding staging is rejected at once and releases
 * it, since two pushes each holding part of the budget and waiting for the rest would wait forever.
 */
final class PendingPush {

  private final long pushId;
  private final StagingBuffers buffers;
  private final String workerId;
  private final long sequence;
  private final Map<String, Staged> staged = new LinkedHashMap<>();
  private final PendingRows rows;
  private RuntimeException failure;

  /** The slice of the current message to stage next; not 0 only while waiting for memory. */
  private int nextSlice;

  /** The row slice of the current message to stage next, after every group slice. */
  private int nextRowSlice;

  private static final class Staged {
    final float[] values;
    int covered;

    Staged(float[] values) {
      this.values = values;
    }
  }

  /**
   * @param workerId empty for a push without de-duplication
   */
  PendingPush(long pushId, String workerId, long sequence, StagingBuffers buffers) {
    this.pushId = pushId;
    this.workerId = workerId.isEmpty() ? null : workerId;
    this.sequence = sequence;
    this.buffers = buffers;
    this.rows = new PendingRows(buffers);
  }

  long pushId() {
    return pushId;
  }

  /** The worker for de-duplication, or null. */
  String workerId() {
    return workerId;
  }

  long sequence() {
    return sequence;
  }

  /**
   * Stages one message of this push, or the rest of it after a wait.
   *
   * @return false when a group's staging array does not fit the budget now: call again with the
   *     same message once memory is released
   */
  boolean add(
      GroupStore store, long messagePushId, List<GradientSlice> slices, List<RowSlice> rowSlices) {
    if (failure != null) {
      return true;
    }
    try {
      if (messagePushId != pushId) {
        throw invalid(
            "push "
                + pushId
                + " is continued by a message with push_id "
                + messagePushId
                + "; messages of one push must share its push_id");
      }
      for (; nextSlice < slices.size(); nextSlice++) {
        if (!stage(store, slices.get(nextSlice))) {
          return false;
        }
      }
      for (; nextRowSlice < rowSlices.size(); nextRowSlice++) {
        if (!rows.add(store, pushId, rowSlices.get(nextRowSlice), !staged.isEmpty())) {
          return false;
        }
      }
      nextSlice = 0;
      nextRowSlice = 0;
    } catch (RuntimeException e) {
      failure = e;
      nextSlice = 0;
      nextRowSlice = 0;
      // Nothing of a failed push is applied: its memory goes back now, not when it ends.
      release();
    }
    return true;
  }

  /** The complete gradients, or the first failure met while staging. */
  List<GroupGradient> complete() {
    if (failure != null) {
      throw failure;
    }
    List<GroupGradient> gradients = new ArrayList<>(staged.size());
    for (Map.Entry<String, Staged> entry : staged.entrySet()) {
      Staged group = entry.getValue();
      if (group.covered != group.values.length) {
        throw invalid(
            "gradient for group '"
                + entry.getKey()
                + "' covers "
                + group.covered
                + " of its "
                + group.values.length
                + " elements");
      }
      gradients.add(new GroupGradient(entry.getKey(), group.values));
    }
    return gradients;
  }

  /** The complete row gradients per table, in the order tables first appeared. */
  List<RowGradient> completeRows() {
    if (failure != null) {
      throw failure;
    }
    return rows.complete();
  }

  /** Whether the push carries rows of any table. */
  boolean hasRows() {
    return !rows.isEmpty();
  }

  /** Rows over all tables, duplicates counted. */
  long rowCount() {
    return rows.rowCount();
  }

  /** Returns the staging arrays for the next push; call once the store is done with them. */
  void release() {
    staged.values().forEach(group -> buffers.give(group.values));
    staged.clear();
    rows.release();
  }

  /** Returns false, staging nothing, when the slice's group needs memory the budget lacks now. */
  private boolean stage(GroupStore store, GradientSlice slice) {
    String name = slice.getGroup();
    if (name.isEmpty()) {
      throw invalid("gradient slice has an empty group name");
    }
    int count = Payloads.elementCount(slice.getValues(), "group '" + name + "'");
    Staged group = staged.get(name);
    if (group == null) {
      int size = store.sizeOf(name);
      float[] values = stagingArray(size, name, count < size);
      if (values == null) {
        return false;
      }
      group = new Staged(values);
      staged.put(name, group);
    }
    long offset = slice.getOffset();
    if (offset != group.covered) {
      throw invalid(
          "gradient slice for group '"
              + name
              + "' starts at offset "
              + Long.toUnsignedString(offset)
              + ", expected "
              + group.covered
              + " (slices must be consecutive and cover the group once)");
    }
    if (count > group.values.length - group.covered) {
      throw invalid(
          "gradient for group '"
              + name
              + "' has "
              + (group.covered + (long) count)
              + " elements or more, the group has "
              + group.values.length);
    }
    Payloads.decodeInto(slice.getValues(), group.values, group.covered);
    group.covered += count;
    return true;
  }

  /** The array, or null to wait; fails when waiting cannot help or could deadlock. */
  private float[] stagingArray(int size, String name, boolean ahead) {
    String what = "push " + pushId + ", gradient of group '" + name + "',";
    float[] values = buffers.take(size, what, ahead);
    if (values == null && (!staged.isEmpty() || !rows.isEmpty())) {
      throw buffers.exhausted(what, (long) size * Float.BYTES);
    }
    return values;
  }

  private static GroupStoreException invalid(String message) {
    return new GroupStoreException(Reason.INVALID_ARGUMENT, message);
  }
}
