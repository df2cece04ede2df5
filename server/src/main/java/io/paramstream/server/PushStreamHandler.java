package io.paramstream.server;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.paramstream.core.GroupGradient;
import io.paramstream.core.GroupStore;
import io.paramstream.core.GroupVersion;
import io.paramstream.core.PushOutcome;
import io.paramstream.proto.v1.PushAck;
import io.paramstream.proto.v1.PushRequest;
import java.util.List;

/**
 * One Push stream. Reads one message at a time and asks for the next only when the ack stream is
 * ready, so a client that does not read its acks is held back by flow control instead of making the
 * server buffer. Each complete push is applied through the store and answered with one ack.
 *
 * <p>gRPC serializes a call's callbacks; the lock only orders them against {@link #drain}, which
 * the shutdown thread calls.
 */
final class PushStreamHandler implements StreamObserver<PushRequest> {

  private final GroupStore store;
  private final ServerCallStreamObserver<PushAck> call;
  private final Runnable onClosed;
  private final ServerMetrics metrics;

  /** Guarded by this. The push whose messages are still arriving, or null between pushes. */
  private PendingPush pending;

  /** Guarded by this. A message was processed while the ack stream was not ready. */
  private boolean requestWhenReady;

  /** Guarded by this. */
  private boolean draining;

  /** Guarded by this. */
  private boolean closed;

  PushStreamHandler(
      GroupStore store,
      ServerCallStreamObserver<PushAck> call,
      Runnable onClosed,
      ServerMetrics metrics) {
    this.store = store;
    this.call = call;
    this.onClosed = onClosed;
    this.metrics = metrics;
  }

  /** Wires flow control and asks for the first message. */
  void start() {
    call.disableAutoRequest();
    call.setOnReadyHandler(this::onReady);
    call.setOnCancelHandler(this::onCancelled);
    // A second way to learn the call is over: when gRPC itself ended the call after a request it
    // could not parse, the cancel handler was seen not to run (AbuseTest), leaving this handler
    // registered forever. The context is cancelled however the call ends.
    Context.current().addListener(context -> onCancelled(), Runnable::run);
    call.request(1);
  }

  @Override
  public synchronized void onNext(PushRequest message) {
    if (closed) {
      return;
    }
    if (pending == null) {
      pending = new PendingPush(message.getPushId(), message.getWorkerId(), message.getSequence());
    }
    pending.add(store, message.getPushId(), message.getGradientsList());
    if (!message.getContinued()) {
      PendingPush push = pending;
      pending = null;
      call.onNext(apply(push));
      if (draining) {
        closeUnavailable();
        return;
      }
    }
    if (call.isReady()) {
      call.request(1);
    } else {
      requestWhenReady = true;
    }
  }

  private PushAck apply(PendingPush push) {
    PushAck.Builder ack = PushAck.newBuilder().setPushId(push.pushId());
    try {
      List<GroupGradient> gradients = push.complete();
      long start = System.nanoTime();
      PushOutcome outcome = store.push(push.workerId(), push.sequence(), gradients);
      long bytes = 0;
      for (GroupGradient gradient : gradients) {
        bytes += (long) gradient.values().length * Float.BYTES;
      }
      metrics.pushApplied(System.nanoTime() - start, bytes, outcome.duplicate());
      for (GroupVersion version : outcome.versions()) {
        ack.addVersionsBuilder().setGroup(version.group()).setVersion(version.version());
      }
      ack.setDuplicate(outcome.duplicate());
    } catch (RuntimeException e) {
      Status status = StatusMapper.toStatus(e);
      metrics.pushRejected(status.getCode());
      ack.setCode(status.getCode().value());
      ack.setMessage(status.getDescription() == null ? "" : status.getDescription());
    }
    return ack.build();
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
  }

  @Override
  public synchronized void onCompleted() {
    if (closed) {
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
    markClosed();
    call.onCompleted();
  }

  /** Ends the stream with UNAVAILABLE once the push in progress, if any, is applied. */
  synchronized void drain() {
    draining = true;
    if (pending == null) {
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
  }

  private void markClosed() {
    if (!closed) {
      closed = true;
      onClosed.run();
    }
  }
}
