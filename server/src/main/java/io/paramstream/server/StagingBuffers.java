package io.paramstream.server;

import io.paramstream.core.GroupStoreException;
import io.paramstream.core.GroupStoreException.Reason;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Gradient staging arrays of one push stream, each reserved from the {@link WriteBudget} before it
 * is allocated, and kept from one push to the next so a worker pushing again and again does not
 * make the server allocate (and zero, and first-touch) a fresh array per group per push. Arrays are
 * kept by length, not by group, so a worker that pushes equally sized groups in turn reuses them
 * too. Safe because the store keeps no reference to a gradient array once its push returns (see
 * {@code GroupGradient}), and because a stream stages one push at a time. Arrays are handed out
 * without clearing: a push is applied only when its slices covered every element, so stale values
 * are always overwritten first.
 *
 * <p>A kept array keeps its reservation: spares count against the budget. At most {@link
 * #MAX_RETAINED_FLOATS} floats are kept per stream, and the budget takes them all back ({@link
 * #dropSpares}) whenever a reservation does not fit, so spares never make a working stream wait.
 * Synchronized: owned by one stream, but dropped from other streams' threads.
 */
final class StagingBuffers {
  /** 16 Mi floats (64 MiB) per stream at most. */
  static final long MAX_RETAINED_FLOATS = 16L << 20;

  private final WriteBudget budget;

  /** Guarded by this. */
  private final Map<Integer, ArrayDeque<float[]>> spareByLength = new HashMap<>();

  /** Guarded by this. */
  private long retainedFloats;

  /** Guarded by this. Once closed, arrays given back are dropped. */
  private boolean closed;

  StagingBuffers(WriteBudget budget) {
    this.budget = budget;
  }

  /**
   * An array of exactly {@code size} floats with arbitrary contents and its bytes reserved, or null
   * when the budget cannot hold it now (the caller waits or gives up).
   *
   * @param ahead whether most of the array is for data not received yet (see {@link WriteBudget})
   * @throws GroupStoreException RESOURCE_EXHAUSTED when it could never fit, or the heap is full
   */
  float[] take(int size, String what, boolean ahead) {
    synchronized (this) {
      ArrayDeque<float[]> spare = spareByLength.get(size);
      float[] array = spare == null ? null : spare.poll();
      if (array != null) {
        retainedFloats -= size;
        return array;
      }
    }
    long bytes = (long) size * Float.BYTES;
    budget.checkCanEverFit(what, bytes, ahead);
    if (!budget.tryReserve(bytes, ahead)) {
      return null;
    }
    try {
      return new float[size];
    } catch (OutOfMemoryError e) {
      budget.release(bytes);
      // The budget is larger than what the heap has left: the push fails, the server goes on.
      throw new GroupStoreException(
          Reason.RESOURCE_EXHAUSTED,
          "the server has no heap left to stage "
              + what
              + " ("
              + size
              + " floats); nothing was applied (retry later, or give the server a larger -Xmx"
              + " or a smaller --max-transient-bytes)");
    }
  }

  /**
   * Reserves {@code bytes} of staging that is not a float array (row slices), or returns false when
   * the budget cannot hold them now.
   *
   * @throws GroupStoreException RESOURCE_EXHAUSTED when they could never fit
   */
  boolean reserve(String what, long bytes) {
    budget.checkCanEverFit(what, bytes, false);
    return budget.tryReserve(bytes, false);
  }

  /** Fails with RESOURCE_EXHAUSTED when {@code bytes} could never be staged at once. */
  void checkCanEverFit(String what, long bytes) {
    budget.checkCanEverFit(what, bytes, false);
  }

  /** Gives back what {@link #reserve} took. */
  void unreserve(long bytes) {
    budget.release(bytes);
  }

  /** The refusal for {@code what}, naming the budget. */
  GroupStoreException exhausted(String what, long bytes) {
    return budget.exhausted(what, bytes);
  }

  /** Gives back a taken array after its push was applied or rejected. */
  void give(float[] array) {
    synchronized (this) {
      if (!closed && retainedFloats + array.length <= MAX_RETAINED_FLOATS) {
        spareByLength.computeIfAbsent(array.length, length -> new ArrayDeque<>()).push(array);
        retainedFloats += array.length;
        return;
      }
    }
    budget.release((long) array.length * Float.BYTES);
  }

  /** Drops every spare array and releases its reservation. */
  void dropSpares() {
    long floats;
    synchronized (this) {
      floats = retainedFloats;
      spareByLength.clear();
      retainedFloats = 0;
    }
    budget.release(floats * Float.BYTES);
  }

  /** The stream ended: drops the spares, and arrays given back later are released at once. */
  void close() {
    synchronized (this) {
      closed = true;
    }
    dropSpares();
    budget.forget(this);
  }

  synchronized long retainedFloats() {
    return retainedFloats;
  }
}
