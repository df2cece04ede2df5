package io.paramstream.e2e;

import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.paramstream.proto.v1.GradientSlice;
import io.paramstream.proto.v1.ParameterServerGrpc;
import io.paramstream.proto.v1.PushAck;
import io.paramstream.proto.v1.PushRequest;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A normal training worker's view of the server: pushes a small gradient, one at a time, on one
 * Push stream, and times each push from send to acknowledgement.
 */
final class LatencyProbe implements AutoCloseable {

  private final BlockingQueue<Object> replies = new LinkedBlockingQueue<>();
  private final StreamObserver<PushRequest> requests;
  private final String group;
  private final int size;
  private long nextId = 1;

  LatencyProbe(ManagedChannel channel, String group, int size) {
    this.group = group;
    this.size = size;
    requests = ParameterServerGrpc.newStub(channel).push(Stubs.queueing(replies));
  }

  /** Pushes {@code count} times; returns each push's latency in nanoseconds, sorted. */
  long[] push(int count) throws InterruptedException {
    long[] latencies = new long[count];
    for (int i = 0; i < count; i++) {
      PushRequest push =
          PushRequest.newBuilder()
              .setPushId(nextId++)
              .addGradients(
                  GradientSlice.newBuilder()
                      .setGroup(group)
                      .setValues(Stubs.encode(Pusher.gradient(size, i, 7))))
              .build();
      long start = System.nanoTime();
      requests.onNext(push);
      Object reply = replies.poll(20, TimeUnit.SECONDS);
      latencies[i] = System.nanoTime() - start;
      if (!(reply instanceof PushAck ack) || ack.getCode() != 0) {
        throw new AssertionError("push " + i + " of " + group + " got " + reply);
      }
    }
    Arrays.sort(latencies);
    return latencies;
  }

  static long p99(long[] sorted) {
    return sorted[(int) Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)];
  }

  @Override
  public void close() {
    requests.onCompleted();
  }
}
