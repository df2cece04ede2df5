package io.paramstream.client;

import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.paramstream.client.internal.Errors;
import io.paramstream.client.internal.OutboundWriter;
import io.paramstream.client.internal.PushChunker;
import io.paramstream.proto.v1.ParameterServerGrpc;
import io.paramstream.proto.v1.PushAck;
import io.paramstream.proto.v1.PushRequest;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A long-lived gradient stream: pushes are pipelined on one bidirectional Push call, so a worker
 * does not pay a round trip per push. The server acknowledges pushes in order; each {@link #push}
 * returns a future completed by its acknowledgement.
 *
 * <p>Flow control: at most {@link ClientConfig#maxInFlightPushes()} pushes may be unacknowledged;
 * {@link #push} blocks while that window is full, and also waits whenever the transport is not
 * ready, so neither side buffers an unbounded backlog. Each of these waits is bounded by the
 * client's deadline. The stream itself has no deadline, since it lives as long as training does.
 *
 * <p>Thread-safe: several threads may push concurrently; their pushes are sent one after the other,
 * never interleaved. Pushes are never retried (that could apply a gradient twice).
 *
 * <p>A failed push names the server, its groups and the cause, as a unary call's failure does: e.g.
 * "connection refused to 127.0.0.1:50051 while pushing group 'w'".
 */
public final class PushSession implements AutoCloseable {
  /**
   * How many bytes the stream may queue before {@link #push} waits for the transport. gRPC's
   * default (32 KiB) makes the pushing thread wait for the network after every 1 MiB message, one
   * thread wake-up per message; 4 MiB lets a 1M-float push go out without a pause.
   */
  private static final int SEND_BUFFER_BYTES = 4 << 20;

  // The server's address, named in transport failures.
  private final String target;
  private final Duration deadline;
  private final Semaphore window;
  private final OutboundWriter<PushRequest> writer = new OutboundWriter<>();
  // Held for a whole push so its messages are contiguous and push ids follow send order.
  private final ReentrantLock sendLock = new ReentrantLock();
  // Completed when the server ends the stream, normally or not.
  private final CompletableFuture<Void> ended = new CompletableFuture<>();

  // Guarded by sendLock.
  private long nextPushId = 1;
  // Guarded by sendLock.
  private boolean closed;

  private final Object pendingLock = new Object();
  // Guarded by pendingLock. Sent pushes awaiting their ack, in send order.
  private final ArrayDeque<Pending> pending = new ArrayDeque<>();
  // Guarded by pendingLock. Why the stream ended, once it has.
  private ParamstreamException failure;

  // `what` names the push's groups and tables in error messages.
  private record Pending(long pushId, CompletableFuture<PushResult> result, String what) {}

  private PushSession(String target, Duration deadline, int maxInFlightPushes) {
    this.target = target;
    this.deadline = deadline;
    this.window = new Semaphore(maxInFlightPushes);
  }

  /**
   * Starts the Push call on {@code stub}, which carries any call deadline wanted.
   *
   * @param target the server's address, for error messages
   */
  static PushSession open(
      ParameterServerGrpc.ParameterServerStub stub,
      String target,
      Duration deadline,
      int maxInFlightPushes) {
    PushSession session = new PushSession(target, deadline, maxInFlightPushes);
    stub.withOnReadyThreshold(SEND_BUFFER_BYTES).push(session.new AckObserver());
    return session;
  }

  /**
   * Sends a push: the gradient of each named group, which must have the group's size. Blocks
   * (interruptibly, at most the client's deadline) while the push window is full or the transport
   * is not ready, then returns a future of the server's acknowledgement.
   *
   * <p>The future fails with a {@link ParamstreamException}: with the ack's code if the server
   * rejected the push (nothing was applied, and the session stays usable), with the stream's code
   * if the stream failed, with DEADLINE_EXCEEDED if the push could not be sent in time, and with
   * CANCELLED if the session is closed or the caller was interrupted.
   *
   * <p>The arrays are encoded before this method returns and may be reused afterwards.
   */
  public CompletableFuture<PushResult> push(Map<String, float[]> gradients) {
    return push(gradients, PushOptions.NONE);
  }

  /**
   * Sends a push carrying a worker id (synchronous mode) or a base version (bounded staleness);
   * otherwise as {@link #push(Map)}. In synchronous mode the ack arrives when the step completes.
   */
  public CompletableFuture<PushResult> push(Map<String, float[]> gradients, PushOptions options) {
    return push(gradients, List.of(), options, 0);
  }

  /**
   * Sends a push of group gradients and table rows together, applied atomically across all of them
   * (rows of one id are summed by the server); otherwise as {@link #push(Map)}. Either may be
   * empty. A table's rows are sent in messages of at most 1 MiB, never splitting a row. The ack's
   * {@link PushResult#tableVersions()} has each pushed table's new version.
   */
  public CompletableFuture<PushResult> push(
      Map<String, float[]> gradients, List<RowGradient> rows) {
    return push(gradients, rows, PushOptions.NONE, 0);
  }

  /** Sends a push of table rows alone; see {@link #push(Map, List)}. */
  public CompletableFuture<PushResult> pushRows(List<RowGradient> rows) {
    return push(Map.of(), rows, PushOptions.NONE, 0);
  }

  /**
   * As {@link #push(Map, PushOptions)}; a {@code sequence} > 0 with the options' worker id asks the
   * server to apply this push at most once (exactly-once retries).
   */
  CompletableFuture<PushResult> push(
      Map<String, float[]> gradients, List<RowGradient> rows, PushOptions options, long sequence) {
    Objects.requireNonNull(gradients, "gradients");
    Objects.requireNonNull(rows, "rows");
    Objects.requireNonNull(options, "options");
    gradients.forEach(
        (name, values) -> {
          Objects.requireNonNull(name, "group name");
          Objects.requireNonNull(values, "gradient of " + name);
        });
    rows.forEach(r -> Objects.requireNonNull(r, "row gradient"));
    String what = Errors.pushed(gradients.keySet(), rows.stream().map(RowGradient::table).toList());
    long deadlineNanos = System.nanoTime() + deadline.toNanos();
    try {
      if (!window.tryAcquire(remaining(deadlineNanos), TimeUnit.NANOSECONDS)) {
        return CompletableFuture.failedFuture(
            explain(
                new ParamstreamException(
                    ErrorCode.DEADLINE_EXCEEDED,
                    "the push window stayed full for " + Errors.humanReadable(deadline)),
                what));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return CompletableFuture.failedFuture(interrupted());
    }
    // From here this push holds one window permit, released when its ack or failure arrives.
    CompletableFuture<PushResult> result = new CompletableFuture<>();
    try {
      if (!sendLock.tryLock(remaining(deadlineNanos), TimeUnit.NANOSECONDS)) {
        return abandon(
            result,
            what,
            new ParamstreamException(
                ErrorCode.DEADLINE_EXCEEDED,
                "other pushes kept the stream busy for " + Errors.humanReadable(deadline)));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return abandon(result, what, interrupted());
    }
    try {
      send(gradients, rows, what, options, sequence, deadlineNanos, result);
    } finally {
      sendLock.unlock();
    }
    return result;
  }

  // Called with sendLock held.
  private void send(
      Map<String, float[]> gradients,
      List<RowGradient> rows,
      String what,
      PushOptions options,
      long sequence,
      long deadlineNanos,
      CompletableFuture<PushResult> result) {
    if (closed) {
      abandon(result, what, Errors.closed("push session"));
      return;
    }
    long pushId = nextPushId++;
    PushChunker chunker =
        new PushChunker(
            pushId,
            gradients,
            rows,
            PushChunker.DEFAULT_MAX_PAYLOAD_BYTES,
            sequence > 0 ? options.workerId() : "",
            sequence);
    boolean sentAny = false;
    try {
      while (chunker.hasNext()) {
        PushRequest message = chunker.next();
        if (!sentAny && options != PushOptions.NONE) {
          // The server reads these from a push's first message.
          PushRequest.Builder first = message.toBuilder().setWorkerId(options.workerId());
          if (options.baseVersion() != PushOptions.NO_BASE_VERSION) {
            first.setBaseVersion(options.baseVersion());
          }
          message = first.build();
        }
        writer.awaitReady(deadlineNanos);
        if (!message.getContinued()) {
          // Register before the last message leaves: its ack may arrive at once.
          synchronized (pendingLock) {
            if (failure != null) {
              throw failure;
            }
            pending.add(new Pending(pushId, result, what));
          }
        }
        writer.send(message);
        sentAny = true;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      giveUp(result, what, interrupted(), sentAny);
    } catch (ParamstreamException e) {
      giveUp(result, what, e, sentAny);
    }
  }

  // A push failed while being sent, before its last message was registered and written.
  private void giveUp(
      CompletableFuture<PushResult> result,
      String what,
      ParamstreamException reason,
      boolean sentAny) {
    boolean registered;
    synchronized (pendingLock) {
      registered = pending.stream().anyMatch(p -> p.result() == result);
    }
    if (registered) {
      // Only the final send can fail after registration; the stream is then broken and its
      // failure handler settles the future.
      return;
    }
    abandon(result, what, reason);
    if (sentAny) {
      // Part of the push is on the wire; the server would read the next push as its remainder.
      writer.cancel(
          new ParamstreamException(
              reason.code(), "push session broken by an incomplete push: " + reason.getMessage()));
    }
  }

  private CompletableFuture<PushResult> abandon(
      CompletableFuture<PushResult> result, String what, ParamstreamException reason) {
    window.release();
    result.completeExceptionally(explain(reason, what));
    return result;
  }

  /** The failure of a push of {@code what} (what and tables), with the server named. */
  private ParamstreamException explain(ParamstreamException reason, String what) {
    return Errors.inContext(reason, target, deadline, "pushing " + what);
  }

  /**
   * Half-closes the stream and waits, at most the client's deadline, for the acknowledgements of
   * the pushes already sent; on timeout the stream is cancelled and their futures fail. Later
   * pushes fail with CANCELLED. Idempotent.
   */
  @Override
  public void close() {
    long deadlineNanos = System.nanoTime() + deadline.toNanos();
    try {
      if (!sendLock.tryLock(remaining(deadlineNanos), TimeUnit.NANOSECONDS)) {
        writer.cancel(
            new ParamstreamException(
                ErrorCode.DEADLINE_EXCEEDED,
                "push session could not close in " + Errors.humanReadable(deadline)));
        return;
      }
      try {
        if (!closed) {
          closed = true;
          writer.halfClose();
        }
      } finally {
        sendLock.unlock();
      }
      ended.get(remaining(deadlineNanos), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      writer.cancel(interrupted());
    } catch (TimeoutException e) {
      writer.cancel(
          new ParamstreamException(
              ErrorCode.DEADLINE_EXCEEDED,
              "acknowledgements did not arrive within " + Errors.humanReadable(deadline)));
    } catch (ExecutionException e) {
      throw new AssertionError("ended is never completed exceptionally", e);
    }
  }

  private static long remaining(long deadlineNanos) {
    return Math.max(0, deadlineNanos - System.nanoTime());
  }

  private static ParamstreamException interrupted() {
    return new ParamstreamException(ErrorCode.CANCELLED, "interrupted while pushing");
  }

  /** Matches acks to pending pushes and fails everything outstanding when the stream ends. */
  private final class AckObserver implements ClientResponseObserver<PushRequest, PushAck> {
    @Override
    public void beforeStart(ClientCallStreamObserver<PushRequest> requestStream) {
      writer.bind(requestStream);
    }

    @Override
    public void onNext(PushAck ack) {
      Pending next;
      synchronized (pendingLock) {
        next = pending.peek();
        if (next != null && next.pushId() == ack.getPushId()) {
          pending.poll();
        } else {
          next = null;
        }
      }
      if (next == null) {
        writer.cancel(Errors.protocol("ack for unexpected push " + ack.getPushId()));
        return;
      }
      window.release();
      if (ack.getCode() != 0) {
        next.result()
            .completeExceptionally(
                explain(Errors.fromAck(ack.getCode(), ack.getMessage()), next.what()));
        return;
      }
      Map<String, Long> versions = new LinkedHashMap<>();
      ack.getVersionsList().forEach(v -> versions.put(v.getGroup(), v.getVersion()));
      Map<String, Long> tableVersions = new LinkedHashMap<>();
      ack.getTableVersionsList().forEach(v -> tableVersions.put(v.getGroup(), v.getVersion()));
      next.result().complete(new PushResult(ack.getPushId(), versions, tableVersions));
    }

    @Override
    public void onError(Throwable t) {
      end(Errors.from(t));
    }

    @Override
    public void onCompleted() {
      end(
          new ParamstreamException(
              ErrorCode.INTERNAL, "server ended the push stream while pushes were unacknowledged"));
    }

    private void end(ParamstreamException reason) {
      List<Pending> outstanding;
      synchronized (pendingLock) {
        if (failure == null) {
          failure = reason;
        }
        outstanding = new ArrayList<>(pending);
        pending.clear();
      }
      writer.terminate(reason);
      for (Pending p : outstanding) {
        window.release();
        p.result().completeExceptionally(explain(reason, p.what()));
      }
      ended.complete(null);
    }
  }
}
