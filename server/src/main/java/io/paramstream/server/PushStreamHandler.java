package io.paramstream.server;

import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.paramstream.core.GroupStore;
import io.paramstream.proto.v1.PushAck;
import io.paramstream.proto.v1.PushRequest;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;

/**
 * One Push stream. Reads one message at a time and asks for the next only when the ack stream is
 * ready, so a client that does not read its acks is held back by flow control instead of making the
 * server buffer. Each complete push is applied through the store and answered with one ack.
 *
 * <p>Staging memory comes from the {@link WriteBudget}: when a push's next group does not fit, the
 * stream stops reading until memory is released. A push left unfinished for longer than the idle
 * timeout ends the stream with DEADLINE_EXCEEDED, releasing what it staged; between pushes a stream
 * holds no staged memory (only spares the budget can take back) and may idle as long as it likes.
 *
 * <p>gRPC serializes a call's callbacks; the lock orders them against {@link #drain}, which the
 * shutdown thread calls, and against memory waits and idle checks, which the budget's timer runs.
 */
final class PushStreamHandler implements StreamObserver<PushRequest> {

  private final GroupStore store;
  private final ServerCallStreamObserver<PushAck> call;
  private final Runnable onClosed;
  private final PushApplier applier;
  private final WriteBudget budget;
  private final StagingBuffers buffers;

  /** Guarded by this. worker_id and base_version of the push in progress. */
  private String pushWorkerId = "";

  private Long pushBaseVersion;

  /** Guarded by this. Workers that pushed on this stream; lost if it breaks. */
  private final Set<String> workers = new LinkedHashSet<>();

  /** Guarded by this. A complete push is being applied (a synchronous step may take a while). */
  private boolean awaitingAck;

  /** Guarded by this. The client half-closed while an ack was outstanding. */
  private boolean completeAfterAck;

  /** Guarded by this. The push whose messages are still arriving, or null between pushes. */
  private PendingPush pending;

  /** Guarded by this. A message was processed while the ack stream was not ready. */
  private boolean requestWhenReady;

  /** Guarded by this. The message being staged while the stream waits for memory, or null. */
  private PushRequest waitingForMemory;

  /** Guarded by this. The client half-closed while a message waited for memory. */
  private boolean halfClosedWhileWaiting;

  /** Guarded by this. When the last message arrived (or reading resumed after a memory wait). */
  private long lastProgressNanos;

  /** Guarded by this. Checks the push in progress for idleness; null between pushes. */
  private ScheduledFuture<?> idleCheck;

  /** Guarded by this. */
  private boolean draining;

  /** Guarded by this. */
  private boolean closed;

  PushStreamHandler(
      GroupStore store,
      ServerCallStreamObserver<PushAck> call,
      Runnable onClosed,
      PushApplier applier,
      WriteBudget budget) {
    this.budget = budget;
    this.buffers = budget.newStagingBuffers();
    this.store = store;
    this.call = call;
    this.onClosed = onClosed;
    this.applier = applier;
  }

  /** Wires flow control and asks for the first message. */
  void start() {
    call.disableAutoRequest();
    call.setOnReadyHandler(this::onReady);
    call.setOnCancelHandler(this::onCancelled);
    // A second way to learn the call is over: when gRPC itself ended the call after a request it
    // could not parse, the cancel handler was seen not to run (AbuseTest), leaving this handler
    // registered forever. The context is cancelled however the call ends. Registered here, once
    // the service tracks this handler: a context already cancelled runs the listener at once.
    Context.current().addListener(context -> onCancelled(), Runnable::run);
    call.request(1);
  }

  @Override
  public synchronized void onNext(PushRequest message) {
    if (closed) {
      return;
    }
    if (pending == null) {
      pending =
          new PendingPush(
              message.getPushId(), message.getWorkerId(), message.getSequence(), buffers);
      pushWorkerId = message.getWorkerId();
      pushBaseVersion = message.hasBaseVersion() ? message.getBaseVersion() : null;
      if (!pushWorkerId.isEmpty()) {
        workers.add(pushWorkerId);
      }
    }
    lastProgressNanos = System.nanoTime();
    if (!pending.add(
        store, message.getPushId(), message.getGradientsList(), message.getRowsList())) {
      waitForMemory(message);
      return;
    }
    afterStaged(message);
  }

  private void afterStaged(PushRequest message) {
    if (!message.getContinued()) {
      PendingPush push = pending;
      pending = null;
      stopIdleCheck();
      // The next message is requested only once this ack is sent, which keeps acks in order
      // even when a synchronous step completes on another thread.
      awaitingAck = true;
      CompletableFuture<PushAck> ack = applier.apply(push, pushWorkerId, pushBaseVersion);
      if (ack.isDone()) {
        releaseAndAck(push, ack.join());
      } else {
        // Completed by whichever thread finished the step: hop threads so that thread never
        // takes this stream's lock while holding another's.
        ack.thenAcceptAsync(a -> releaseAndAck(push, a), applier.ackExecutor());
      }
      return;
    }
    if (idleCheck == null) {
      scheduleIdleCheck(budget.idleTimeout().toNanos());
    }
    requestNext();
  }

  /** Stops reading (backpressure) until the budget releases memory; not the client's idleness. */
  private void waitForMemory(PushRequest message) {
    // The message aliases gRPC's read buffer (PushParsing), reused once onNext returns: keep an
    // owned copy. At most one message (--max-message-bytes) per waiting stream.
    waitingForMemory = ownedCopy(message);
    stopIdleCheck();
    budget.whenReleased(this::retryAfterRelease);
  }

  private static PushRequest ownedCopy(PushRequest message) {
    try {
      return PushRequest.parseFrom(message.toByteArray());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("a parsed message did not parse again", e);
    }
  }

  private synchronized void retryAfterRelease() {
    PushRequest message = waitingForMemory;
    if (closed || message == null) {
      return;
    }
    if (!pending.add(
        store, message.getPushId(), message.getGradientsList(), message.getRowsList())) {
      budget.whenReleased(this::retryAfterRelease);
      return;
    }
    waitingForMemory = null;
    lastProgressNanos = System.nanoTime();
    afterStaged(message);
    if (halfClosedWhileWaiting) {
      onCompleted();
    }
  }

  private void scheduleIdleCheck(long delayNanos) {
    idleCheck = budget.schedule(this::checkIdle, delayNanos);
  }

  private void stopIdleCheck() {
    if (idleCheck != null) {
      idleCheck.cancel(false);
      idleCheck = null;
    }
  }

  /** Ends the stream if the push in progress got no message for the idle timeout. */
  private synchronized void checkIdle() {
    idleCheck = null;
    if (closed || pending == null || waitingForMemory != null) {
      return;
    }
    long timeout = budget.idleTimeout().toNanos();
    long idle = System.nanoTime() - lastProgressNanos;
    if (idle < timeout) {
      scheduleIdleCheck(timeout - idle);
      return;
    }
    long pushId = pending.pushId();
    markClosed();
    call.onError(
        Status.DEADLINE_EXCEEDED
            .withDescription(
                "push "
                    + pushId
                    + " got no message for "
                    + budget.idleTimeout()
                    + " (--stream-idle-timeout) before its last one; it was not applied and"
                    + " its staged memory was released")
            .asRuntimeException());
  }

  /**
   * The push is applied or rejected, so nothing refers to its staging arrays any more: they go back
   * to this stream's pool before the next message is requested.
   */
  private synchronized void releaseAndAck(PendingPush push, PushAck ack) {
    push.release();
    sendAck(ack);
  }

  private synchronized void sendAck(PushAck ack) {
    awaitingAck = false;
    if (closed) {
      return;
    }
    call.onNext(ack);
    if (draining) {
      closeUnavailable();
      return;
    }
    if (completeAfterAck) {
      markClosed();
      call.onCompleted();
      return;
    }
    requestNext();
  }

  private void requestNext() {
    if (call.isReady()) {
      call.request(1);
    } else {
      requestWhenReady = true;
    }
  }

  private synchronized void onReady() {
    if (requestWhenReady && !closed) {
      requestWhenReady = false;
      call.request(1);
    }
  }

  @Override
  public synchronized void onError(Throwable t) {
    // The client cancelled or the transport failed; nothing can be sent any more.
    markClosed();
    loseWorkers();
  }

  @Override
  public synchronized void onCompleted() {
    if (closed) {
      return;
    }
    if (waitingForMemory != null) {
      // gRPC delivers the half-close without a request: finish the waiting message first.
      halfClosedWhileWaiting = true;
      return;
    }
    if (pending != null) {
      long pushId = pending.pushId();
      markClosed();
      call.onError(
          Status.INVALID_ARGUMENT
              .withDescription(
                  "stream ended inside push "
                      + pushId
                      + " (its last message had continued = true); it was not applied")
              .asRuntimeException());
      return;
    }
    if (awaitingAck) {
      completeAfterAck = true;
      return;
    }
    markClosed();
    call.onCompleted();
  }

  /** Ends the stream with UNAVAILABLE once the push in progress, if any, is applied. */
  synchronized void drain() {
    draining = true;
    if (pending == null && !awaitingAck) {
      closeUnavailable();
    }
  }

  private void closeUnavailable() {
    if (closed) {
      return;
    }
    markClosed();
    call.onError(
        Status.UNAVAILABLE
            .withDescription("server is shutting down; every acknowledged push was applied")
            .asRuntimeException());
  }

  private synchronized void onCancelled() {
    markClosed();
    loseWorkers();
  }

  /** Also releases every byte this stream holds, except a push the applier still holds. */
  private void markClosed() {
    if (!closed) {
      closed = true;
      stopIdleCheck();
      waitingForMemory = null;
      if (pending != null) {
        pending.release();
      }
      buffers.close();
      onClosed.run();
    }
  }

  /** The stream broke: its workers are gone, so a synchronous step must not wait for them. */
  private void loseWorkers() {
    for (String worker : workers) {
      applier.workerLost(worker);
    }
  }
}
