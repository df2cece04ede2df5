package io.paramstream.e2e;

import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.paramstream.proto.v1.GradientSlice;
import io.paramstream.proto.v1.ParameterServerGrpc;
import io.paramstream.proto.v1.PushAck;
import io.paramstream.proto.v1.PushRequest;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A training worker: pushes numbered gradients on one Push stream, one at a time, until stopped or
 * until the stream fails (for example because the server was killed).
 */
final class Pusher implements Runnable {

  private final ManagedChannel channel;
  private final String workerId;
  private final Map<String, Integer> groups;
  private final AtomicLong acked = new AtomicLong();
  private volatile boolean stop;
  private volatile Throwable failure;

  Pusher(ManagedChannel channel, String workerId, Map<String, Integer> groups) {
    this.channel = channel;
    this.workerId = workerId;
    this.groups = groups;
  }

  /** The gradient this worker sends with {@code sequence}: varies so every push matters. */
  static float[] gradient(int size, long sequence, int salt) {
    float[] values = new float[size];
    Arrays.fill(values, ((sequence * 31 + salt) % 17 - 8) * 0.01f);
    return values;
  }

  @Override
  public void run() {
    BlockingQueue<Object> replies = new LinkedBlockingQueue<>();
    StreamObserver<PushRequest> requests =
        ParameterServerGrpc.newStub(channel).push(Stubs.queueing(replies));
    try {
      for (long sequence = 1; !stop; sequence++) {
        PushRequest.Builder push =
            PushRequest.newBuilder()
                .setPushId(sequence)
                .setWorkerId(workerId)
                .setSequence(sequence);
        long seq = sequence;
        groups.forEach(
            (name, size) ->
                push.addGradients(
                    GradientSlice.newBuilder()
                        .setGroup(name)
                        .setValues(Stubs.encode(gradient(size, seq, workerId.hashCode())))));
        requests.onNext(push.build());
        Object reply = replies.poll(20, TimeUnit.SECONDS);
        if (!(reply instanceof PushAck ack) || ack.getCode() != 0) {
          failure = new IllegalStateException("push " + sequence + " got " + reply);
          return;
        }
        acked.set(sequence);
      }
      requests.onCompleted();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      failure = e;
    }
  }

  long acked() {
    return acked.get();
  }

  Throwable failure() {
    return failure;
  }

  void stop() {
    stop = true;
  }

  /** Waits until at least {@code count} more pushes are acknowledged than now. */
  void awaitMore(long count) throws InterruptedException {
    long target = acked() + count;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (acked() < target) {
      if (failure != null || System.nanoTime() > deadline) {
        throw new AssertionError("worker " + workerId + " stalled: " + failure);
      }
      Thread.sleep(5);
    }
  }
}
