package io.paramstream.simulator;

import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The best gRPC-java configuration found for a cell's traffic (issue 17's probe), as the ceiling
 * Paramstream is compared against beside the {@link GrpcFloorBaseline floor}: the same
 * bidirectional streams, 1 MiB messages and 1-byte acks, with no work at the receiver (each message
 * is copied once into a reused array and dropped), and everything that made gRPC-java faster:
 *
 * <ul>
 *   <li>calls run on the network threads at both ends ({@code directExecutor()});
 *   <li>an outbound message is a {@link Drainable} {@link KnownLength} stream, which gRPC asks to
 *       write its array straight into the outgoing buffer;
 *   <li>the next push (or pull request) is written from the callback of the previous one's answer,
 *       with no thread hop in between;
 *   <li>a push larger than the call's on-ready threshold (4 MiB, {@link
 *       GrpcLoopback#ON_READY_THRESHOLD}), and every pull's answer, are written only while the call
 *       {@code isReady()}, and resumed from its on-ready handler: writing a whole 64 MiB push at
 *       once was 2.6 to 15 times slower in the probe. Smaller pushes (up to 1M floats, which the
 *       probe found best written at once) are written in one go; a pull's answer of up to 4 MiB is
 *       too, since the server's threshold is the same 4 MiB.
 * </ul>
 *
 * <p>Knobs the probe found no gain in, and which are left at gRPC's defaults here: larger
 * flow-control windows or socket buffers, smaller messages, NIO instead of epoll.
 *
 * <p>Workloads as in the loopback benchmark: push (one or several in flight, each answered by an
 * ack); pull (a 1-byte request answered by the group's bytes); push then pull, one after the other.
 * Server and client live in this JVM on loopback ({@link GrpcLoopback}).
 */
final class GrpcCeilingBaseline {
  private GrpcCeilingBaseline() {}

  /**
   * What a run did, counted at both ends; the timed figures are in {@link #result()}. {@code
   * pushWritesPaused}: how often the client stopped writing a push because the call was not ready.
   */
  record Run(
      long operations,
      long bytesPerOperation,
      double seconds,
      long pushesWritten,
      long pushWritesPaused,
      long acks,
      long pulls,
      Traffic pushesReceived,
      Traffic pullsReceived) {
    /** Operations completed within the measured window, per second, as the other baselines. */
    RawTcpBaseline.Result result() {
      return new RawTcpBaseline.Result(operations, operations * bytesPerOperation, seconds);
    }
  }

  /** Messages and bytes one end read from one method's stream. */
  record Traffic(long messages, long bytes) {}

  /** Pushes of {@code pushBytes}, {@code inFlight} unacknowledged at a time. */
  static RawTcpBaseline.Result pushes(
      long pushBytes, int inFlight, long warmupNanos, long durationNanos)
      throws IOException, InterruptedException {
    return run(SimulationConfig.Workload.PUSH, pushBytes, inFlight, warmupNanos, durationNanos)
        .result();
  }

  /**
   * Measures {@code workload} (push, pull or push+pull) on groups of {@code groupBytes}, with
   * {@code inFlight} pushes unacknowledged at a time (push only; the others run one at a time).
   */
  static Run run(
      SimulationConfig.Workload workload,
      long groupBytes,
      int inFlight,
      long warmupNanos,
      long durationNanos)
      throws IOException, InterruptedException {
    if (workload == SimulationConfig.Workload.PUSH_WATCH) {
      throw new IllegalArgumentException("the gRPC ceiling has no push+watch");
    }
    if (inFlight < 1 || (inFlight > 1 && workload != SimulationConfig.Workload.PUSH)) {
      throw new IllegalArgumentException(
          "in flight must be 1, or more for pushes alone; got " + inFlight + " for " + workload);
    }
    GrpcLoopback.Messages group = GrpcLoopback.Messages.of(groupBytes);
    CountingMarshaller pushesIn = new CountingMarshaller();
    CountingMarshaller pullsIn = new CountingMarshaller();
    MethodDescriptor<byte[], byte[]> push = method("Push", pushesIn, new CountingMarshaller());
    MethodDescriptor<byte[], byte[]> pull = method("Pull", new CountingMarshaller(), pullsIn);
    ServerServiceDefinition service =
        ServerServiceDefinition.builder(SERVICE)
            .addMethod(
                push,
                ServerCalls.asyncBidiStreamingCall(
                    acks -> GrpcLoopback.acknowledging(acks, group.count())))
            .addMethod(
                pull,
                ServerCalls.asyncBidiStreamingCall(
                    responses ->
                        new PullResponder((ServerCallStreamObserver<byte[]>) responses, group)))
            .build();
    try (GrpcLoopback loopback = GrpcLoopback.start(service)) {
      long measureFrom = System.nanoTime() + warmupNanos;
      Client client = new Client(workload, group, inFlight, measureFrom, durationNanos);
      // The pull call first: once the push call exists, an ack may ask for a pull at any time.
      if (workload != SimulationConfig.Workload.PUSH) {
        ClientCalls.asyncBidiStreamingCall(
            loopback.channel().newCall(pull, GrpcLoopback.CALL_OPTIONS), client.pullObserver());
      }
      if (workload.pushes()) {
        ClientCalls.asyncBidiStreamingCall(
            loopback.channel().newCall(push, GrpcLoopback.CALL_OPTIONS), client.pushObserver());
      }
      client.start();
      client.await(warmupNanos + durationNanos);
      return client.run(
          workload == SimulationConfig.Workload.PUSH_PULL ? 2 * groupBytes : groupBytes,
          pushesIn.traffic(),
          pullsIn.traffic());
    }
  }

  private static final String SERVICE = "paramstream.ceiling.Ceiling";

  private static MethodDescriptor<byte[], byte[]> method(
      String name, CountingMarshaller requests, CountingMarshaller responses) {
    return MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
        .setFullMethodName(SERVICE + "/" + name)
        .setRequestMarshaller(requests)
        .setResponseMarshaller(responses)
        .build();
  }

  /**
   * Writes a byte array as it is; reads a message into a reused array, keeps nothing, and counts
   * what it read (one end parses each method's requests, the other its responses).
   */
  private static final class CountingMarshaller implements MethodDescriptor.Marshaller<byte[]> {
    private static final byte[] RECEIVED = new byte[0];
    private final AtomicLong messages = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();

    @Override
    public InputStream stream(byte[] value) {
      return new DrainableStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      bytes.addAndGet(GrpcLoopback.readAndDrop(stream));
      messages.incrementAndGet();
      return RECEIVED;
    }

    Traffic traffic() {
      return new Traffic(messages.get(), bytes.get());
    }
  }

  /**
   * A message gRPC writes with one call of {@link #drainTo}, straight from the array, instead of
   * reading it through a copy buffer; its length is known up front, like a protobuf message's.
   */
  private static final class DrainableStream extends ByteArrayInputStream
      implements Drainable, KnownLength {
    DrainableStream(byte[] bytes) {
      super(bytes);
    }

    @Override
    public int drainTo(OutputStream target) throws IOException {
      int n = count - pos;
      target.write(buf, pos, n);
      pos = count;
      return n;
    }
  }

  /**
   * The server end of a pull stream: answers each 1-byte request with the group's messages, written
   * only while the call is ready and resumed from its on-ready handler.
   */
  private static final class PullResponder implements StreamObserver<byte[]> {
    private final ServerCallStreamObserver<byte[]> responses;
    private final GrpcLoopback.Messages group;
    // Guarded by this: requests not answered in full yet, and the next message of the first one.
    private int pending;
    private int next;

    PullResponder(ServerCallStreamObserver<byte[]> responses, GrpcLoopback.Messages group) {
      this.responses = responses;
      this.group = group;
      responses.setOnReadyThreshold(GrpcLoopback.ON_READY_THRESHOLD);
      responses.setOnReadyHandler(this::write);
    }

    @Override
    public synchronized void onNext(byte[] request) {
      pending++;
      write();
    }

    private synchronized void write() {
      while (pending > 0 && responses.isReady()) {
        responses.onNext(group.get(next));
        if (++next == group.count()) {
          next = 0;
          pending--;
        }
      }
    }

    @Override
    public void onError(Throwable t) {
      // The client went away (the run is over): nothing to release.
    }

    @Override
    public synchronized void onCompleted() {
      responses.onCompleted();
    }
  }

  /**
   * The client end: starts the first operations, then issues each next one from the callback that
   * completes the previous (an ack, or a pull's last message), and half-closes its calls when the
   * measured window is over and nothing is outstanding. All its state is guarded by this.
   */
  private static final class Client {
    private final SimulationConfig.Workload workload;
    private final GrpcLoopback.Messages group;
    private final int inFlight;
    private final boolean paced;
    private final long measureFrom;
    private final long end;
    private final CountDownLatch done = new CountDownLatch(1);
    private ClientCallStreamObserver<byte[]> pushes;
    private ClientCallStreamObserver<byte[]> pullRequests;
    private int pushesToWrite;
    private int nextMessage;
    private int pulledMessages;
    private long pushesWritten;
    private long pushWritesPaused;
    private long acks;
    private long pulls;
    private long counted;
    private boolean finished;
    private Throwable failure;

    Client(
        SimulationConfig.Workload workload,
        GrpcLoopback.Messages group,
        int inFlight,
        long measureFrom,
        long durationNanos) {
      this.workload = workload;
      this.group = group;
      this.inFlight = inFlight;
      this.paced = group.bytes() > GrpcLoopback.ON_READY_THRESHOLD;
      this.measureFrom = measureFrom;
      this.end = measureFrom + durationNanos;
    }

    ClientResponseObserver<byte[], byte[]> pushObserver() {
      return observer(
          requests -> {
            pushes = requests;
            requests.setOnReadyHandler(this::writePushes);
          },
          this::acked);
    }

    ClientResponseObserver<byte[], byte[]> pullObserver() {
      return observer(requests -> pullRequests = requests, this::pulledMessage);
    }

    private ClientResponseObserver<byte[], byte[]> observer(
        Consumer<ClientCallStreamObserver<byte[]>> beforeStart, Runnable onMessage) {
      return new ClientResponseObserver<>() {
        @Override
        public void beforeStart(ClientCallStreamObserver<byte[]> requests) {
          synchronized (Client.this) {
            beforeStart.accept(requests);
          }
        }

        @Override
        public void onNext(byte[] message) {
          onMessage.run();
        }

        @Override
        public void onError(Throwable t) {
          failed(t);
        }

        @Override
        public void onCompleted() {}
      };
    }

    synchronized void start() {
      if (workload == SimulationConfig.Workload.PULL) {
        pullRequests.onNext(GrpcLoopback.ACK);
      } else {
        pushesToWrite = inFlight;
        writePushes();
      }
    }

    /** Writes the pushes due; a push over the on-ready threshold only while the call is ready. */
    private synchronized void writePushes() {
      while (pushesToWrite > 0 && (!paced || pushes.isReady())) {
        pushes.onNext(group.get(nextMessage));
        if (++nextMessage == group.count()) {
          nextMessage = 0;
          pushesToWrite--;
          pushesWritten++;
        }
      }
      if (pushesToWrite > 0) {
        pushWritesPaused++;
      }
    }

    private synchronized void acked() {
      acks++;
      if (workload == SimulationConfig.Workload.PUSH_PULL) {
        pullRequests.onNext(GrpcLoopback.ACK);
      } else {
        completed();
      }
    }

    private synchronized void pulledMessage() {
      if (++pulledMessages == group.count()) {
        pulledMessages = 0;
        pulls++;
        completed();
      }
    }

    /** One operation is over: count it if it ended in the window, then start the next or stop. */
    private void completed() {
      long now = System.nanoTime();
      if (now >= measureFrom && now < end) {
        counted++;
      }
      if (now < end) {
        if (workload == SimulationConfig.Workload.PULL) {
          pullRequests.onNext(GrpcLoopback.ACK);
        } else {
          pushesToWrite++;
          writePushes();
        }
      } else if (pushesWritten + pushesToWrite == acks && !finished) {
        finished = true;
        if (pushes != null) {
          pushes.onCompleted();
        }
        if (pullRequests != null) {
          pullRequests.onCompleted();
        }
        done.countDown();
      }
    }

    private synchronized void failed(Throwable t) {
      if (!finished) {
        finished = true;
        failure = t;
        done.countDown();
      }
    }

    void await(long runNanos) throws IOException, InterruptedException {
      if (!done.await(runNanos + TimeUnit.SECONDS.toNanos(30), TimeUnit.NANOSECONDS)) {
        throw new IOException("the gRPC ceiling's run did not end within 30 s of its time");
      }
      synchronized (this) {
        if (failure != null) {
          throw new IOException("a gRPC ceiling call failed: " + failure, failure);
        }
      }
    }

    /** What the run did, once {@link #await} has returned. */
    synchronized Run run(long bytesPerOperation, Traffic pushesReceived, Traffic pullsReceived) {
      return new Run(
          counted,
          bytesPerOperation,
          (end - measureFrom) / 1e9,
          pushesWritten,
          pushWritesPaused,
          acks,
          pulls,
          pushesReceived,
          pullsReceived);
    }
  }
}
