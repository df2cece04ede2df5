package io.paramstream.simulator;

import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * gRPC-java doing a push's transport work and nothing else: a bidirectional stream carries the
 * push's bytes in messages of at most 1 MiB (as the client chunks them) and a 1-byte ack answers
 * each push, with one or several pushes in flight; the receiver copies each message once into a
 * reused array (as Paramstream's parser does) and drops it, with no protobuf, no decoding and no
 * update. Server and client live in this JVM on loopback, both on network threads. What a push
 * costs beyond this is Paramstream's own.
 */
final class GrpcFloorBaseline {
  private GrpcFloorBaseline() {}

  /** Reads a message into a reused array, like the server's parser, and keeps nothing. */
  private static final class DiscardingMarshaller implements MethodDescriptor.Marshaller<byte[]> {
    private static final byte[] RECEIVED = new byte[0];

    @Override
    public InputStream stream(byte[] value) {
      return new KnownLengthStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      GrpcLoopback.readAndDrop(stream);
      return RECEIVED;
    }
  }

  /** Like a serialized protobuf message, the stream tells gRPC its length up front. */
  private static final class KnownLengthStream extends ByteArrayInputStream implements KnownLength {
    KnownLengthStream(byte[] bytes) {
      super(bytes);
    }
  }

  private static final MethodDescriptor<byte[], byte[]> PUSH =
      MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
          .setFullMethodName("paramstream.floor.Floor/Push")
          .setRequestMarshaller(new DiscardingMarshaller())
          .setResponseMarshaller(new DiscardingMarshaller())
          .build();

  private static void send(StreamObserver<byte[]> pushes, GrpcLoopback.Messages push) {
    for (int m = 0; m < push.count(); m++) {
      pushes.onNext(push.get(m));
    }
  }

  private static void awaitAck(BlockingQueue<byte[]> acks)
      throws IOException, InterruptedException {
    if (acks.poll(30, TimeUnit.SECONDS) == null) {
      throw new IOException("no ack from the gRPC floor server within 30 s");
    }
  }

  /** Pushes of {@code pushBytes}, one at a time, each acknowledged before the next. */
  static RawTcpBaseline.Result pushAckEach(long pushBytes, long warmupNanos, long durationNanos)
      throws IOException, InterruptedException {
    return pushes(pushBytes, 1, warmupNanos, durationNanos);
  }

  /**
   * Pushes of {@code pushBytes} with {@code inFlight} unacknowledged at a time (a new one is sent
   * as each ack arrives), counting the acks.
   */
  static RawTcpBaseline.Result pushes(
      long pushBytes, int inFlight, long warmupNanos, long durationNanos)
      throws IOException, InterruptedException {
    if (inFlight < 1) {
      throw new IllegalArgumentException("in flight must be >= 1, got " + inFlight);
    }
    GrpcLoopback.Messages push = GrpcLoopback.Messages.of(pushBytes);
    ServerServiceDefinition service =
        ServerServiceDefinition.builder("paramstream.floor.Floor")
            .addMethod(
                PUSH,
                ServerCalls.asyncBidiStreamingCall(
                    acks -> GrpcLoopback.acknowledging(acks, push.count())))
            .build();
    try (GrpcLoopback loopback = GrpcLoopback.start(service)) {
      BlockingQueue<byte[]> acks = new ArrayBlockingQueue<>(inFlight);
      StreamObserver<byte[]> pushes =
          ClientCalls.asyncBidiStreamingCall(
              loopback.channel().newCall(PUSH, GrpcLoopback.CALL_OPTIONS),
              new StreamObserver<byte[]>() {
                @Override
                public void onNext(byte[] ack) {
                  acks.add(ack);
                }

                @Override
                public void onError(Throwable t) {}

                @Override
                public void onCompleted() {}
              });
      long start = System.nanoTime();
      long measureFrom = start + warmupNanos;
      long end = measureFrom + durationNanos;
      long counted = 0;
      for (int k = 1; k < inFlight; k++) {
        send(pushes, push);
      }
      long now;
      while ((now = System.nanoTime()) < end) {
        send(pushes, push);
        awaitAck(acks);
        if (now >= measureFrom) {
          counted++;
        }
      }
      for (int k = 1; k < inFlight; k++) {
        awaitAck(acks);
      }
      pushes.onCompleted();
      double seconds = durationNanos / 1e9;
      return new RawTcpBaseline.Result(counted, counted * pushBytes, seconds);
    }
  }
}
