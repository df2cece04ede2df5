package io.paramstream.core;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One bound on the server's transient memory: gradients staged while a push arrives, initial values
 * of a group being created, and values copied for readers (pull and watch chunks waiting for the
 * network). The groups themselves are not transient and are bounded by {@link StoreLimits}.
 *
 * <p>Readers may hold at most half of the budget, so however many slow or stalled readers there
 * are, writers always find at least the other half: readers cannot starve writers.
 *
 * <p>Callers that cannot reserve either fail with {@link #exhausted} or wait: they register a
 * {@link #whenReleased} callback and stop asking for work (gRPC backpressure) until it runs.
 * Thread-safe.
 */
public final class TransientMemoryBudget {

  /** Who reserves: readers are held to half of the budget. */
  public enum Use {
    WRITE,
    READ
  }

  private final long limitBytes;

  /** Guarded by this. */
  private long inUseBytes;

  /** Guarded by this. */
  private long readBytes;

  /** Guarded by this. Run once, outside the lock, after the next release. */
  private final ArrayDeque<Runnable> waiters = new ArrayDeque<>();

  public TransientMemoryBudget(long limitBytes) {
    if (limitBytes < 1) {
      throw new IllegalArgumentException("transient memory budget must be >= 1 byte");
    }
    this.limitBytes = limitBytes;
  }

  /**
   * The default for a heap of {@code maxHeapBytes}: a quarter of it, so that with the parameters
   * sized to fit the heap, transient data cannot push the JVM into OutOfMemoryError.
   */
  public static long defaultLimit(long maxHeapBytes) {
    return Math.max(16L << 20, maxHeapBytes / 4);
  }

  /** Reserves {@code bytes} if they fit, now; never blocks. */
  public synchronized boolean tryReserve(long bytes, Use use) {
    if (bytes < 0) {
      throw new IllegalArgumentException("cannot reserve " + bytes + " bytes");
    }
    if (bytes > limitBytes - inUseBytes) {
      return false;
    }
    if (use == Use.READ && bytes > limitBytes / 2 - readBytes) {
      return false;
    }
    inUseBytes += bytes;
    if (use == Use.READ) {
      readBytes += bytes;
    }
    return true;
  }

  /** Gives back what {@link #tryReserve} took, then runs the callbacks waiting for memory. */
  public void release(long bytes, Use use) {
    List<Runnable> ready;
    synchronized (this) {
      if (bytes < 0 || bytes > inUseBytes || (use == Use.READ && bytes > readBytes)) {
        throw new IllegalStateException(
            "released " + bytes + " bytes of " + use + ", only " + inUseBytes + " in use");
      }
      inUseBytes -= bytes;
      if (use == Use.READ) {
        readBytes -= bytes;
      }
      ready = new ArrayList<>(waiters);
      waiters.clear();
    }
    ready.forEach(Runnable::run);
  }

  /**
   * Runs {@code callback} once, after the next release (or at once when nothing is in use, so a
   * waiter never waits for a release that cannot come). The callback should retry its reservation
   * and register again if it still does not fit.
   */
  public void whenReleased(Runnable callback) {
    synchronized (this) {
      if (inUseBytes > 0) {
        waiters.add(callback);
        return;
      }
    }
    callback.run();
  }

  /** Whether {@code bytes} could ever be reserved for {@code use}, even with nothing else held. */
  public boolean canEverFit(long bytes, Use use) {
    return bytes <= (use == Use.READ ? limitBytes / 2 : limitBytes);
  }

  /** A RESOURCE_EXHAUSTED refusal naming the budget and what did not fit. */
  public GroupStoreException exhausted(String what, long bytes) {
    return new GroupStoreException(
        GroupStoreException.Reason.RESOURCE_EXHAUSTED,
        what
            + " needs "
            + bytes
            + " bytes of the transient memory budget (--max-transient-bytes "
            + limitBytes
            + ", "
            + inUseBytes()
            + " in use); nothing was applied, retry later");
  }

  public long limitBytes() {
    return limitBytes;
  }

  public synchronized long inUseBytes() {
    return inUseBytes;
  }

  public synchronized long readBytes() {
    return readBytes;
  }
}
