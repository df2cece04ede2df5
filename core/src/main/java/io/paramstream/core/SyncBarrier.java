package io.paramstream.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Bulk synchronous parallel (BSP) steps over a {@link GroupStore}: for step t it collects one push
 * from every registered worker, averages them group by group, applies the average as one push, and
 * moves to t + 1. Each worker's future completes with the versions of that single update, so a
 * worker that then pulls sees step t applied.
 *
 * <p>A step that waits longer than the straggler timeout after its first push fails for everyone
 * who pushed, with DEADLINE_EXCEEDED naming the missing workers; they may push again. A worker that
 * deregisters is no longer waited for, and a step it was holding back completes at once.
 *
 * <p>Averages are summed in worker-id order so a step's result does not depend on arrival order.
 * Futures are completed after the barrier's lock is released: their callbacks may take other locks.
 */
public final class SyncBarrier {

  private final GroupStore store;
  private final Duration stragglerTimeout;
  private final ScheduledExecutorService timer;
  private final Object lock = new Object();

  /** Guarded by lock. */
  private final TreeSet<String> workers = new TreeSet<>();

  /** Guarded by lock. Pushes of the current step by worker id. */
  private final TreeMap<String, Contribution> contributions = new TreeMap<>();

  /** Guarded by lock. Steps applied so far. */
  private long step;

  /** Guarded by lock. */
  private ScheduledFuture<?> timeout;

  /** Guarded by lock. */
  private boolean closed;

  private record Contribution(
      List<GroupGradient> gradients, CompletableFuture<List<GroupVersion>> result) {}

  /** Registered workers and the step being collected, after a change. */
  public record Membership(List<String> workers, long step) {}

  /**
   * @param timer runs straggler timeouts; owned by the caller
   */
  public SyncBarrier(GroupStore store, Duration stragglerTimeout, ScheduledExecutorService timer) {
    this.store = Objects.requireNonNull(store, "store");
    this.stragglerTimeout = Objects.requireNonNull(stragglerTimeout, "stragglerTimeout");
    this.timer = Objects.requireNonNull(timer, "timer");
    if (stragglerTimeout.isNegative() || stragglerTimeout.isZero()) {
      throw new IllegalArgumentException("straggler timeout must be > 0, got " + stragglerTimeout);
    }
  }

  /** Adds a worker; idempotent. The step being collected now waits for it too. */
  public Membership register(String workerId) {
    checkWorkerId(workerId);
    synchronized (lock) {
      if (closed) {
        throw unavailable();
      }
      workers.add(workerId);
      return membership();
    }
  }

  /**
   * Removes a worker: its push in the current step, if any, is dropped and fails with CANCELLED,
   * and the step completes if everyone left has pushed. Unknown ids are ignored.
   */
  public Membership deregister(String workerId) {
    List<Runnable> settle = new ArrayList<>();
    Membership result;
    synchronized (lock) {
      if (workers.remove(workerId)) {
        Contribution dropped = contributions.remove(workerId);
        if (dropped != null) {
          settle.add(
              () ->
                  dropped.result.completeExceptionally(
                      new ConsistencyException(
                          ConsistencyException.Reason.CANCELLED,
                          "worker '" + workerId + "' left before step " + step + " completed")));
        }
        if (contributions.isEmpty()) {
          cancelTimeout();
        } else if (contributions.size() == workers.size()) {
          settle.addAll(completeStep());
        }
      }
      result = membership();
    }
    settle.forEach(Runnable::run);
    return result;
  }

  /**
   * Adds a worker's push to the current step.
   *
   * @return completed with the groups' new versions when the step is applied, or exceptionally with
   *     a {@link ConsistencyException} (unregistered, pushed twice, straggler timeout, left,
   *     shutdown) or a {@link GroupStoreException} (the averaged push was refused)
   */
  public CompletableFuture<List<GroupVersion>> contribute(
      String workerId, List<GroupGradient> gradients) {
    CompletableFuture<List<GroupVersion>> result = new CompletableFuture<>();
    List<Runnable> settle = new ArrayList<>();
    synchronized (lock) {
      if (closed) {
        return CompletableFuture.failedFuture(unavailable());
      }
      if (workerId == null || !workers.contains(workerId)) {
        return CompletableFuture.failedFuture(
            new ConsistencyException(
                ConsistencyException.Reason.FAILED_PRECONDITION,
                "synchronous mode: worker '"
                    + workerId
                    + "' is not registered (call RegisterWorker and set worker_id on pushes)"));
      }
      if (contributions.containsKey(workerId)) {
        return CompletableFuture.failedFuture(
            new ConsistencyException(
                ConsistencyException.Reason.FAILED_PRECONDITION,
                "worker '" + workerId + "' already pushed for step " + step));
      }
      contributions.put(workerId, new Contribution(gradients, result));
      if (contributions.size() == workers.size()) {
        settle.addAll(completeStep());
      } else if (contributions.size() == 1) {
        long waitingStep = step;
        timeout =
            timer.schedule(
                () -> expire(waitingStep), stragglerTimeout.toNanos(), TimeUnit.NANOSECONDS);
      }
    }
    settle.forEach(Runnable::run);
    return result;
  }

  /** Steps applied so far. */
  public long step() {
    synchronized (lock) {
      return step;
    }
  }

  /** Workers whose push the step being collected holds, sorted. */
  public List<String> pushedWorkers() {
    synchronized (lock) {
      return List.copyOf(contributions.keySet());
    }
  }

  /** Registered workers, sorted. */
  public List<String> workers() {
    synchronized (lock) {
      return List.copyOf(workers);
    }
  }

  /** Fails the step being collected with UNAVAILABLE and refuses every later call. */
  public void close() {
    List<Contribution> pending;
    synchronized (lock) {
      closed = true;
      cancelTimeout();
      pending = new ArrayList<>(contributions.values());
      contributions.clear();
    }
    pending.forEach(c -> c.result.completeExceptionally(unavailable()));
  }

  // Caller holds lock. Applies the average and returns how to settle the futures.
  private List<Runnable> completeStep() {
    cancelTimeout();
    List<Contribution> members = new ArrayList<>(contributions.values());
    contributions.clear();
    List<GroupVersion> versions;
    try {
      versions = store.push(average(members));
    } catch (RuntimeException e) {
      return members.stream().<Runnable>map(c -> () -> c.result.completeExceptionally(e)).toList();
    }
    step++;
    return members.stream().<Runnable>map(c -> () -> c.result.complete(versions)).toList();
  }

  private static List<GroupGradient> average(List<Contribution> members) {
    Map<String, float[]> sums = new LinkedHashMap<>();
    for (GroupGradient gradient : members.get(0).gradients) {
      sums.put(gradient.group(), gradient.values().clone());
    }
    for (Contribution member : members.subList(1, members.size())) {
      if (member.gradients.size() != sums.size()) {
        throw GroupStoreException.invalid(
            "synchronous step: workers pushed different sets of groups");
      }
      for (GroupGradient gradient : member.gradients) {
        float[] sum = sums.get(gradient.group());
        if (sum == null || sum.length != gradient.values().length) {
          throw GroupStoreException.invalid(
              "synchronous step: workers pushed different sets of groups (group '"
                  + gradient.group()
                  + "')");
        }
        float[] values = gradient.values();
        for (int i = 0; i < sum.length; i++) {
          sum[i] += values[i];
        }
      }
    }
    float count = members.size();
    List<GroupGradient> result = new ArrayList<>(sums.size());
    sums.forEach(
        (group, sum) -> {
          for (int i = 0; i < sum.length; i++) {
            sum[i] /= count;
          }
          result.add(new GroupGradient(group, sum));
        });
    return result;
  }

  private void expire(long waitingStep) {
    List<Contribution> failed;
    String message;
    synchronized (lock) {
      if (step != waitingStep || contributions.isEmpty()) {
        return; // the step completed or was abandoned meanwhile
      }
      TreeSet<String> missing = new TreeSet<>(workers);
      missing.removeAll(contributions.keySet());
      message =
          "synchronous step "
              + step
              + " timed out after "
              + stragglerTimeout.toMillis()
              + " ms waiting for workers "
              + missing
              + "; nothing was applied, push again";
      failed = new ArrayList<>(contributions.values());
      contributions.clear();
      timeout = null;
    }
    ConsistencyException e =
        new ConsistencyException(ConsistencyException.Reason.DEADLINE_EXCEEDED, message);
    failed.forEach(c -> c.result.completeExceptionally(e));
  }

  // Caller holds lock.
  private void cancelTimeout() {
    if (timeout != null) {
      timeout.cancel(false);
      timeout = null;
    }
  }

  // Caller holds lock.
  private Membership membership() {
    return new Membership(List.copyOf(workers), step);
  }

  private static ConsistencyException unavailable() {
    return new ConsistencyException(
        ConsistencyException.Reason.UNAVAILABLE, "server is shutting down");
  }

  private static void checkWorkerId(String workerId) {
    if (workerId == null || workerId.isEmpty()) {
      throw GroupStoreException.invalid("worker id must not be empty");
    }
  }
}
