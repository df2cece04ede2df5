package io.paramstream.server;

import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Counts the calls in progress on every service, so shutdown can tell when the last one has ended.
 * gRPC's graceful shutdown waits for every connection to close as well, and some clients keep an
 * idle connection open after the server's GOAWAY (the Python client: 5.8 s with six workers), or
 * never sent a request at all: shutdown then took up to the whole grace period.
 */
final class OpenCalls implements ServerInterceptor {

  private final Object lock = new Object();

  private int open; // guarded by lock

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    synchronized (lock) {
      open++;
    }
    AtomicBoolean ended = new AtomicBoolean();
    Runnable end =
        () -> {
          if (ended.compareAndSet(false, true)) {
            synchronized (lock) {
              if (--open == 0) {
                lock.notifyAll();
              }
            }
          }
        };
    try {
      return new SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
        @Override
        public void onComplete() {
          try {
            super.onComplete();
          } finally {
            end.run();
          }
        }

        @Override
        public void onCancel() {
          try {
            super.onCancel();
          } finally {
            end.run();
          }
        }
      };
    } catch (RuntimeException e) {
      end.run();
      throw e;
    }
  }

  /** Waits until no call is in progress; false if some still are after {@code timeout}. */
  boolean awaitNone(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lock) {
      while (open > 0) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(lock, left);
      }
      return true;
    }
  }
}
