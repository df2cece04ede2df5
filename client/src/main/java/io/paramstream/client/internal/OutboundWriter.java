package io.paramstream.client.internal;

import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.paramstream.client.ErrorCode;
import io.paramstream.client.ParamstreamException;
import java.util.concurrent.TimeUnit;

/**
 * Writes to a client request stream only while gRPC reports it ready, so a slow server pushes back
 * on the writer instead of messages piling up in the transport's buffers. The caller waits on a
 * monitor that the stream's on-ready handler signals; nothing polls.
 *
 * <p>Callers must serialize {@link #awaitReady}, {@link #send} and {@link #halfClose} themselves (a
 * StreamObserver is not thread-safe); {@link #terminate} and {@link #cancel} may be called from any
 * thread.
 */
public final class OutboundWriter<T> {
  private final Object lock = new Object();

  // Set once by bind(), which gRPC calls before the call starts.
  private volatile ClientCallStreamObserver<T> stream;

  // Guarded by lock. Why the stream can no longer be written, or null while it is open.
  private ParamstreamException terminated;

  /**
   * Attaches to the request stream; call from {@link ClientResponseObserver#beforeStart}. The
   * on-ready handler must be set there, before the call starts.
   */
  public void bind(ClientCallStreamObserver<T> requestStream) {
    this.stream = requestStream;
    requestStream.setOnReadyHandler(this::signal);
  }

  /** Wakes writers: the stream became ready or ended. */
  private void signal() {
    synchronized (lock) {
      lock.notifyAll();
    }
  }

  /** Marks the stream finished (from the response observer) and wakes waiting writers. */
  public void terminate(ParamstreamException reason) {
    synchronized (lock) {
      if (terminated == null) {
        terminated = reason;
      }
      lock.notifyAll();
    }
  }

  /** Whether {@link #terminate} was called. */
  public boolean isTerminated() {
    synchronized (lock) {
      return terminated != null;
    }
  }

  /**
   * Blocks until the transport can take another message.
   *
   * @param deadlineNanos {@link System#nanoTime()} value after which to give up
   * @throws ParamstreamException DEADLINE_EXCEEDED on timeout, or the stream's failure if it ended
   * @throws InterruptedException if the waiting thread is interrupted
   */
  public void awaitReady(long deadlineNanos) throws InterruptedException {
    synchronized (lock) {
      while (terminated == null && !stream.isReady()) {
        long remaining = deadlineNanos - System.nanoTime();
        if (remaining <= 0) {
          throw new ParamstreamException(
              ErrorCode.DEADLINE_EXCEEDED, "server did not accept more data before the deadline");
        }
        TimeUnit.NANOSECONDS.timedWait(lock, remaining);
      }
      if (terminated != null) {
        throw terminated;
      }
    }
  }

  /** Sends one message; call after {@link #awaitReady}. */
  public void send(T message) {
    try {
      stream.onNext(message);
    } catch (IllegalStateException e) {
      // The call was cancelled concurrently (cancel is allowed from any thread).
      throw new ParamstreamException(ErrorCode.CANCELLED, "stream was cancelled", e);
    }
  }

  /** Half-closes the stream unless it already ended. */
  public void halfClose() {
    if (isTerminated()) {
      return;
    }
    try {
      stream.onCompleted();
    } catch (IllegalStateException e) {
      // Cancelled concurrently: nothing left to close.
    }
  }

  /** Cancels the call; the response observer then sees CANCELLED with {@code reason} as cause. */
  public void cancel(ParamstreamException reason) {
    stream.cancel(reason.getMessage(), reason);
  }
}
