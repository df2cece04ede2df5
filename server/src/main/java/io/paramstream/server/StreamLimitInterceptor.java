package io.paramstream.server;

import io.grpc.ForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.net.SocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bounds the streaming calls one connection may hold open, and those all connections hold together.
 * A connection is told apart by its remote address (each TCP connection has its own source port); a
 * call past either bound is refused with RESOURCE_EXHAUSTED before the service sees it.
 */
final class StreamLimitInterceptor implements ServerInterceptor {

  private final int maxStreamsPerConnection;
  private final int maxStreams;

  /** Open streaming calls per connection; an entry goes away when its count reaches zero. */
  private final ConcurrentHashMap<SocketAddress, Integer> open = new ConcurrentHashMap<>();

  /** Open streaming calls over all connections. */
  private final AtomicInteger openTotal = new AtomicInteger();

  StreamLimitInterceptor(int maxStreamsPerConnection, int maxStreams) {
    this.maxStreamsPerConnection = maxStreamsPerConnection;
    this.maxStreams = maxStreams;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    if (call.getMethodDescriptor().getType() == MethodType.UNARY) {
      return next.startCall(call, headers);
    }
    SocketAddress peer = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    if (peer == null) {
      return next.startCall(call, headers);
    }
    if (openTotal.incrementAndGet() > maxStreams) {
      openTotal.decrementAndGet();
      return refuse(
          call,
          "the server already has its maximum of " + maxStreams + " open streams (--max-streams)");
    }
    boolean[] admitted = new boolean[1];
    open.compute(
        peer,
        (p, count) -> {
          int current = count == null ? 0 : count;
          if (current >= maxStreamsPerConnection) {
            return count;
          }
          admitted[0] = true;
          return current + 1;
        });
    if (!admitted[0]) {
      openTotal.decrementAndGet();
      return refuse(
          call,
          "this connection already has its maximum of "
              + maxStreamsPerConnection
              + " open streams");
    }
    AtomicBoolean released = new AtomicBoolean();
    Runnable done =
        () -> {
          if (released.compareAndSet(false, true)) {
            release(peer);
          }
        };
    try {
      return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(
          next.startCall(call, headers)) {
        @Override
        public void onComplete() {
          done.run();
          super.onComplete();
        }

        @Override
        public void onCancel() {
          done.run();
          super.onCancel();
        }
      };
    } catch (RuntimeException e) {
      done.run();
      throw e;
    }
  }

  private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, String why) {
    call.close(Status.RESOURCE_EXHAUSTED.withDescription(why), new Metadata());
    return new ServerCall.Listener<>() {};
  }

  private void release(SocketAddress peer) {
    openTotal.decrementAndGet();
    // Drop the entry at zero so vanished connections leave nothing behind.
    open.computeIfPresent(peer, (p, count) -> count <= 1 ? null : count - 1);
  }

  /** Connections with open streams; lets tests check nothing leaks. */
  int trackedConnections() {
    return open.size();
  }
}
