package io.paramstream.server;

import io.grpc.Status;
import io.paramstream.core.ConsistencyException;
import io.paramstream.core.GroupGradient;
import io.paramstream.core.GroupStore;
import io.paramstream.core.GroupVersion;
import io.paramstream.core.PushOutcome;
import io.paramstream.core.StalePush;
import io.paramstream.core.StalenessHistogram;
import io.paramstream.core.SyncBarrier;
import io.paramstream.core.table.RowGradient;
import io.paramstream.proto.v1.PushAck;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies complete pushes under the configured consistency mode and turns the outcome into the
 * push's ack. Asynchronous and bounded-staleness pushes complete at once, on the calling thread,
 * unless they carry more than {@link #INLINE_APPLY_BYTES}; synchronous ones when their step does.
 */
final class PushApplier {

  private static final Logger log = LoggerFactory.getLogger(PushApplier.class);

  private final GroupStore store;
  private final ConsistencyConfig config;
  private final SyncBarrier barrier;
  private final StalenessHistogram histogram = new StalenessHistogram();

  /**
   * Gradient bytes above which an asynchronous or bounded-staleness push is applied on the apply
   * pool instead of the thread that read it. Calls run on Netty's network threads by default, and
   * each serves several connections: a 16M-float push took tens of milliseconds to apply there,
   * holding up every connection on that thread (BENCHMARKS section 5). 4 MiB keeps a 1M-float push,
   * 1.6-1.8 ms to apply on JDK 17 (BENCHMARKS section 11), on the thread that read it.
   */
  static final long INLINE_APPLY_BYTES = 4L << 20;

  private final Executor ackExecutor;
  private final Executor applyExecutor;
  private final ServerMetrics metrics;
  private final AtomicReference<Throwable> lastStepTimeout = new AtomicReference<>();

  /**
   * @param timer runs straggler timeouts
   * @param ackExecutor sends the acks of pushes that complete later (synchronous steps, large
   *     pushes)
   * @param applyExecutor applies pushes larger than {@link #INLINE_APPLY_BYTES}
   */
  PushApplier(
      GroupStore store,
      ConsistencyConfig config,
      ScheduledExecutorService timer,
      Executor ackExecutor,
      Executor applyExecutor,
      ServerMetrics metrics) {
    this.store = store;
    this.metrics = metrics;
    this.ackExecutor = ackExecutor;
    this.applyExecutor = applyExecutor;
    this.config = config;
    this.barrier =
        config.mode() == ConsistencyConfig.Mode.SYNCHRONOUS
            ? new SyncBarrier(store, config.stragglerTimeout(), timer)
            : null;
  }

  Executor ackExecutor() {
    return ackExecutor;
  }

  ConsistencyConfig config() {
    return config;
  }

  /** The barrier of synchronous mode, or null in other modes. */
  SyncBarrier barrier() {
    return barrier;
  }

  StalenessHistogram histogram() {
    return histogram;
  }

  /**
   * Applies a push and returns its ack; never completes exceptionally (failures become the ack's
   * code).
   *
   * @param workerId the push's worker_id, empty if unset
   * @param baseVersion the push's base_version, or null if unset
   */
  CompletableFuture<PushAck> apply(PendingPush push, String workerId, Long baseVersion) {
    try {
      List<GroupGradient> gradients = push.complete();
      List<RowGradient> rows = push.completeRows();
      if (!rows.isEmpty() && config.mode() != ConsistencyConfig.Mode.ASYNCHRONOUS) {
        throw new ConsistencyException(
            ConsistencyException.Reason.FAILED_PRECONDITION,
            "rows of sparse tables are pushed in asynchronous mode only; this server runs in "
                + config.mode()
                + " mode; nothing was applied");
      }
      if (config.mode() != ConsistencyConfig.Mode.SYNCHRONOUS
          && bytesOf(gradients) + rowBytesOf(rows) > INLINE_APPLY_BYTES) {
        return applyElsewhere(push, gradients, rows, baseVersion);
      }
      return switch (config.mode()) {
        case ASYNCHRONOUS -> CompletableFuture.completedFuture(exactlyOnce(push, gradients, rows));
        case SYNCHRONOUS ->
            barrier
                .contribute(workerId, gradients)
                .handle(
                    (versions, failure) -> {
                      if (failure != null) {
                        return failed(push, failure);
                      }
                      metrics.syncPushApplied(bytesOf(gradients));
                      metrics.gradientsApplied(gradients);
                      return ack(push, versions, 0);
                    });
        case BOUNDED_STALENESS ->
            CompletableFuture.completedFuture(stale(push, gradients, baseVersion));
      };
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(failed(push, e));
    }
  }

  /**
   * Applies a large push on the apply pool. The stream reads its next message only once this ack is
   * sent (PushStreamHandler), so the stream's pushes are still applied in order.
   */
  private CompletableFuture<PushAck> applyElsewhere(
      PendingPush push, List<GroupGradient> gradients, List<RowGradient> rows, Long baseVersion) {
    Supplier<PushAck> apply =
        () -> {
          try {
            return config.mode() == ConsistencyConfig.Mode.ASYNCHRONOUS
                ? exactlyOnce(push, gradients, rows)
                : stale(push, gradients, baseVersion);
          } catch (RuntimeException e) {
            return failed(push, e);
          }
        };
    try {
      return CompletableFuture.supplyAsync(apply, applyExecutor);
    } catch (RejectedExecutionException e) {
      // The server is shutting down: apply here rather than leave the push unanswered.
      return CompletableFuture.completedFuture(apply.get());
    }
  }

  /**
   * An asynchronous push, applied at most once per (worker_id, sequence) when it carries a
   * sequence; a duplicate changes nothing and is acknowledged as such.
   */
  private PushAck exactlyOnce(
      PendingPush push, List<GroupGradient> gradients, List<RowGradient> rows) {
    long start = System.nanoTime();
    String dedupKey = push.sequence() > 0 ? push.workerId() : null;
    PushOutcome outcome = store.push(dedupKey, push.sequence(), gradients, rows);
    long bytes = bytesOf(gradients) + rowBytesOf(rows);
    metrics.pushApplied(System.nanoTime() - start, bytes, outcome.duplicate());
    if (!outcome.duplicate()) {
      metrics.gradientsApplied(gradients);
      metrics.rowsApplied(rows);
    }
    PushAck ack = ack(push, outcome.versions(), 0, outcome.duplicate());
    if (outcome.tableVersions().isEmpty()) {
      return ack;
    }
    PushAck.Builder withTables = ack.toBuilder();
    for (GroupVersion version : outcome.tableVersions()) {
      withTables.addTableVersionsBuilder().setGroup(version.group()).setVersion(version.version());
    }
    return withTables.build();
  }

  private static long rowBytesOf(List<RowGradient> rows) {
    long bytes = 0;
    for (int i = 0; i < rows.size(); i++) {
      bytes += (long) rows.get(i).gradient().length * Float.BYTES;
    }
    return bytes;
  }

  private PushAck stale(PendingPush push, List<GroupGradient> gradients, Long baseVersion) {
    if (baseVersion == null) {
      throw new ConsistencyException(
          ConsistencyException.Reason.FAILED_PRECONDITION,
          "bounded-staleness mode: set base_version to the version the gradient was computed from");
    }
    try {
      long start = System.nanoTime();
      StalePush applied = store.push(gradients, baseVersion, config.staleness());
      histogram.recordApplied(applied.staleness());
      metrics.stalePushApplied(applied.staleness());
      metrics.pushApplied(System.nanoTime() - start, bytesOf(gradients), false);
      metrics.gradientsApplied(gradients);
      return ack(push, applied.versions(), applied.staleness());
    } catch (ConsistencyException e) {
      histogram.recordRejected();
      throw e;
    }
  }

  private static long bytesOf(List<GroupGradient> gradients) {
    long bytes = 0;
    for (int i = 0; i < gradients.size(); i++) {
      bytes += (long) gradients.get(i).values().length * Float.BYTES;
    }
    return bytes;
  }

  /** A worker's stream broke: stop waiting for it. */
  void workerLost(String workerId) {
    if (barrier != null && barrier.workers().contains(workerId)) {
      SyncBarrier.Membership left = barrier.deregister(workerId);
      log.info(
          "worker {} lost: its push stream ended; steps now wait for {} workers",
          workerId,
          left.workers().size());
    }
  }

  void close() {
    if (barrier != null) {
      barrier.close();
    }
  }

  private static PushAck ack(PendingPush push, List<GroupVersion> versions, long staleness) {
    return ack(push, versions, staleness, false);
  }

  private static PushAck ack(
      PendingPush push, List<GroupVersion> versions, long staleness, boolean duplicate) {
    PushAck.Builder ack =
        PushAck.newBuilder()
            .setPushId(push.pushId())
            .setStaleness(staleness)
            .setDuplicate(duplicate);
    for (GroupVersion version : versions) {
      ack.addVersionsBuilder().setGroup(version.group()).setVersion(version.version());
    }
    return ack.build();
  }

  /** One line per timed-out step: its waiting pushes all fail with the same exception. */
  private void logStepTimeout(Throwable cause) {
    if (cause instanceof ConsistencyException e
        && e.reason() == ConsistencyException.Reason.DEADLINE_EXCEEDED
        && lastStepTimeout.getAndSet(e) != e) {
      log.info("{}", e.getMessage());
    }
  }

  private PushAck failed(PendingPush push, Throwable failure) {
    Throwable cause =
        failure instanceof CompletionException && failure.getCause() != null
            ? failure.getCause()
            : failure;
    logStepTimeout(cause);
    Status status = StatusMapper.toStatus(cause);
    metrics.pushRejected(status.getCode());
    return PushAck.newBuilder()
        .setPushId(push.pushId())
        .setCode(status.getCode().value())
        .setMessage(status.getDescription() == null ? "" : status.getDescription())
        .build();
  }
}
