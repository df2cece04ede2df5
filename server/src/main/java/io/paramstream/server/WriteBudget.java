package io.paramstream.server;

import io.paramstream.core.GroupStoreException;
import io.paramstream.core.TransientMemoryBudget;
import io.paramstream.core.TransientMemoryBudget.Use;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The {@link TransientMemoryBudget} as push and create streams use it: staged gradients, create
 * buffers and the spare staging arrays streams keep between pushes are all reserved as {@link
 * Use#WRITE}.
 *
 * <p>Spare arrays count against the budget while kept, and are the first thing given up under
 * pressure: a reservation that does not fit makes every stream drop its spares before it fails. So
 * idle streams never hold memory a working stream needs.
 *
 * <p>Reservations made ahead of the data (a group's whole staging array when only its first slice
 * has arrived) may hold at most {@link #AHEAD_SHARE} of the budget. Stalled pushes and creates can
 * only hold memory that way, so however many there are, pushes whose data has arrived (every push
 * that fits in one message) still find the rest.
 *
 * <p>Streams that must wait register {@link #whenReleased}; the callback runs on the timer thread,
 * never on the thread that released (which may hold another stream's lock). Stream idle timeouts
 * run on the same timer.
 */
final class WriteBudget {

  /** Share of the budget that reservations ahead of the data may hold together. */
  static final double AHEAD_SHARE = 0.75;

  private final TransientMemoryBudget budget;
  private final ScheduledExecutorService timer;
  private final Duration idleTimeout;
  private final Set<StagingBuffers> pools = ConcurrentHashMap.newKeySet();

  WriteBudget(TransientMemoryBudget budget, ScheduledExecutorService timer, Duration idleTimeout) {
    this.budget = budget;
    this.timer = timer;
    this.idleTimeout = idleTimeout;
  }

  /**
   * Reserves {@code bytes} now if they fit, dropping every stream's spare arrays first if not.
   *
   * @param ahead whether the bytes are for data not received yet (a group's first slice of
   *     several): such reservations stop at {@link #AHEAD_SHARE} of the budget
   */
  boolean tryReserve(long bytes, boolean ahead) {
    if (fits(bytes, ahead)) {
      return true;
    }
    for (StagingBuffers pool : pools) {
      pool.dropSpares();
    }
    return fits(bytes, ahead);
  }

  private boolean fits(long bytes, boolean ahead) {
    // Checked, then reserved: concurrent streams may pass the share together, never the budget.
    if (ahead && bytes > aheadLimit() - budget.inUseBytes()) {
      return false;
    }
    return budget.tryReserve(bytes, Use.WRITE);
  }

  private long aheadLimit() {
    return (long) (budget.limitBytes() * AHEAD_SHARE);
  }

  void release(long bytes) {
    if (bytes > 0) {
      budget.release(bytes, Use.WRITE);
    }
  }

  /** Fails at once when {@code bytes} could never be reserved: waiting could never help. */
  void checkCanEverFit(String what, long bytes, boolean ahead) {
    if (!budget.canEverFit(bytes, Use.WRITE) || (ahead && bytes > aheadLimit())) {
      throw budget.exhausted(what, bytes);
    }
  }

  /** The refusal for {@code what}, naming the budget. */
  GroupStoreException exhausted(String what, long bytes) {
    return budget.exhausted(what, bytes);
  }

  /** Runs {@code resume} on the timer thread after the next release. */
  void whenReleased(Runnable resume) {
    budget.whenReleased(() -> runOnTimer(resume));
  }

  private void runOnTimer(Runnable task) {
    try {
      timer.execute(task);
    } catch (RejectedExecutionException e) {
      // The server is closing; its streams are being cancelled, nothing is left to resume.
    }
  }

  Duration idleTimeout() {
    return idleTimeout;
  }

  /** Runs {@code task} on the timer thread after {@code delayNanos}. */
  ScheduledFuture<?> schedule(Runnable task, long delayNanos) {
    return timer.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
  }

  /** A stream's pool of spare staging arrays, reclaimable under pressure until closed. */
  StagingBuffers newStagingBuffers() {
    StagingBuffers pool = new StagingBuffers(this);
    pools.add(pool);
    return pool;
  }

  void forget(StagingBuffers pool) {
    pools.remove(pool);
  }

  TransientMemoryBudget budget() {
    return budget;
  }
}
