package io.paramstream.simulator;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * What the gRPC baselines ({@link GrpcFloorBaseline}, {@link GrpcCeilingBaseline}) share: a server
 * and a plaintext channel to it in this JVM over Netty on loopback, both running calls on the
 * network threads; pushes cut into messages of at most 1 MiB, as Paramstream's client cuts them;
 * and a receiver that copies each message once into a reused array and keeps nothing.
 */
final class GrpcLoopback implements AutoCloseable {
  /** The largest message a push or pull is cut into. */
  static final int MESSAGE_BYTES = 1 << 20;

  /**
   * Bytes a call may queue before it stops being ready: 4 MiB, as Paramstream's client sets on its
   * push streams, so a multi-message push is written without waiting for the network in between.
   */
  static final int ON_READY_THRESHOLD = 4 << 20;

  /** A client call with the {@link #ON_READY_THRESHOLD}. */
  static final CallOptions CALL_OPTIONS =
      CallOptions.DEFAULT.withOnReadyThreshold(ON_READY_THRESHOLD);

  /** An ack, a pull request: one byte. */
  static final byte[] ACK = new byte[1];

  private static final ThreadLocal<byte[]> SCRATCH =
      ThreadLocal.withInitial(() -> new byte[MESSAGE_BYTES + 64]);

  private final Server server;
  private final ManagedChannel channel;

  private GrpcLoopback(Server server, ManagedChannel channel) {
    this.server = server;
    this.channel = channel;
  }

  /** Starts {@code service} on a free loopback port and opens a channel to it. */
  static GrpcLoopback start(ServerServiceDefinition service) throws IOException {
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .directExecutor()
            .addService(service)
            .build()
            .start();
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", server.getPort())
            .usePlaintext()
            .directExecutor()
            .build();
    return new GrpcLoopback(server, channel);
  }

  ManagedChannel channel() {
    return channel;
  }

  /** Messages of one push of {@code pushBytes}: full 1 MiB messages and the rest. */
  static int messagesPerPush(long pushBytes) {
    return (int) Math.max(1, (pushBytes + MESSAGE_BYTES - 1) / MESSAGE_BYTES);
  }

  /**
   * One push (or pull) of {@code bytes} as messages: {@code count - 1} full ones of 1 MiB, then
   * {@code last}. The arrays are zeros, shared by every push of a run.
   */
  record Messages(long bytes, int count, byte[] full, byte[] last) {
    static Messages of(long bytes) {
      int count = messagesPerPush(bytes);
      return new Messages(
          bytes,
          count,
          new byte[(int) Math.min(bytes, MESSAGE_BYTES)],
          new byte[(int) (bytes - (long) (count - 1) * MESSAGE_BYTES)]);
    }

    /** The message at {@code index} (0-based) of a push. */
    byte[] get(int index) {
      return index + 1 < count ? full : last;
    }
  }

  /**
   * The receiving end of a push stream: answers every {@code messagesPerPush} messages, one whole
   * push, with a 1-byte ack, and ends the stream when the client does.
   */
  static StreamObserver<byte[]> acknowledging(StreamObserver<byte[]> acks, int messagesPerPush) {
    return new StreamObserver<>() {
      private int received;

      @Override
      public void onNext(byte[] message) {
        if (++received == messagesPerPush) {
          received = 0;
          acks.onNext(ACK);
        }
      }

      @Override
      public void onError(Throwable t) {
        // The client went away (the run is over): nothing to release.
      }

      @Override
      public void onCompleted() {
        acks.onCompleted();
      }
    };
  }

  /** Reads a message into this thread's reused array, as the server's parser does; its length. */
  static long readAndDrop(InputStream stream) {
    byte[] scratch = SCRATCH.get();
    long total = 0;
    try {
      int n;
      while ((n = stream.read(scratch, 0, scratch.length)) > 0) {
        total += n;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return total;
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow();
    server.shutdownNow();
    channel.awaitTermination(5, TimeUnit.SECONDS);
    server.awaitTermination(5, TimeUnit.SECONDS);
  }
}
