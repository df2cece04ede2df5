package io.paramstream.core;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The old values of a group that a push was about to change while readers were still streaming
 * them: one copy of elements [from, size), shared by every such reader and charged to the readers'
 * half of the transient budget until the last of them lets go.
 */
final class PreservedValues {

  final float[] tail;
  final int from;
  private final long bytes;
  private final TransientMemoryBudget budget;
  private final AtomicInteger holders;

  private PreservedValues(
      float[] tail, int from, long bytes, TransientMemoryBudget budget, int holders) {
    this.tail = tail;
    this.from = from;
    this.bytes = bytes;
    this.budget = budget;
    this.holders = new AtomicInteger(holders);
  }

  /**
   * Copies {@code values[from..]} for {@code holders} readers, or returns null when the copy does
   * not fit the budget now: the caller (a pusher) never waits for readers' memory.
   */
  static PreservedValues tryCopy(
      float[] values, int from, int holders, TransientMemoryBudget budget) {
    long bytes = (long) (values.length - from) * Float.BYTES;
    if (!budget.tryReserve(bytes, TransientMemoryBudget.Use.READ)) {
      return null;
    }
    try {
      return new PreservedValues(
          Arrays.copyOfRange(values, from, values.length), from, bytes, budget, holders);
    } catch (OutOfMemoryError e) {
      budget.release(bytes, TransientMemoryBudget.Use.READ);
      return null;
    }
  }

  /** One holder is done; the last one gives the memory back. */
  void release() {
    if (holders.decrementAndGet() == 0) {
      budget.release(bytes, TransientMemoryBudget.Use.READ);
    }
  }
}
