package io.paramstream.server;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.paramstream.core.StreamingRead;
import io.paramstream.proto.v1.GroupChunk;
import io.paramstream.proto.v1.PullRequest;
import java.util.function.Function;

/**
 * One PullStream call: answers each PullRequest with a consistent snapshot, exactly as Pull would,
 * with {@code end_of_pull} on the answer's last chunk. The next request is read only once an answer
 * is fully written, and an answer is written only while the call is ready, so a worker that stops
 * reading holds back its own stream and nothing else.
 *
 * <p>gRPC serializes a call's callbacks; the lock only orders them against {@link #drain}, which
 * the shutdown thread calls.
 */
final class PullStreamHandler implements StreamObserver<PullRequest> {

  private final ServerCallStreamObserver<GroupChunk> call;
  private final int maxChunkBytes;
  private final Function<PullRequest, StreamingRead> openRead;
  private final Runnable onClosed;

  /** Guarded by this. The answer being written, or null between requests. */
  private ChunkWriter answer;

  /** Guarded by this. The client sent its last request. */
  private boolean halfClosed;

  /** Guarded by this. */
  private boolean draining;

  /** Guarded by this. */
  private boolean closed;

  PullStreamHandler(
      ServerCallStreamObserver<GroupChunk> call,
      int maxChunkBytes,
      Function<PullRequest, StreamingRead> openRead,
      Runnable onClosed) {
    this.call = call;
    this.maxChunkBytes = maxChunkBytes;
    this.openRead = openRead;
    this.onClosed = onClosed;
  }

  /** Wires flow control and asks for the first request. */
  void start() {
    call.disableAutoRequest();
    call.setOnReadyHandler(this::writeAnswer);
    call.setOnCancelHandler(this::onCancelled);
    // As for push streams: the context is cancelled however the call ends, also when gRPC ended
    // it over a request it could not parse and the cancel handler does not run.
    Context.current().addListener(context -> onCancelled(), Runnable::run);
    call.request(1);
  }

  @Override
  public synchronized void onNext(PullRequest request) {
    if (closed) {
      return;
    }
    answer =
        new ChunkWriter(
            call, maxChunkBytes, ChunkWriter.Framing.PULL_STREAM, () -> openRead.apply(request));
    writeAnswer();
  }

  private synchronized void writeAnswer() {
    if (answer == null || closed) {
      return;
    }
    try {
      if (!answer.writeWhileReady()) {
        return;
      }
    } catch (RuntimeException e) {
      markClosed();
      call.onError(StatusMapper.toException(e));
      return;
    }
    answer.close();
    answer = null;
    if (draining) {
      markClosed();
      call.onError(
          Status.UNAVAILABLE.withDescription("server is shutting down").asRuntimeException());
    } else if (halfClosed) {
      markClosed();
      call.onCompleted();
    } else {
      call.request(1);
    }
  }

  @Override
  public synchronized void onError(Throwable t) {
    markClosed();
  }

  @Override
  public synchronized void onCompleted() {
    halfClosed = true;
    if (answer == null && !closed) {
      markClosed();
      call.onCompleted();
    }
  }

  /** Ends the stream with UNAVAILABLE once the answer being written, if any, is complete. */
  synchronized void drain() {
    draining = true;
    if (answer == null && !closed) {
      markClosed();
      call.onError(
          Status.UNAVAILABLE.withDescription("server is shutting down").asRuntimeException());
    }
  }

  private synchronized void onCancelled() {
    markClosed();
  }

  private void markClosed() {
    if (!closed) {
      closed = true;
      if (answer != null) {
        answer.close();
        answer = null;
      }
      onClosed.run();
    }
  }
}
