package io.paramstream.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.paramstream.proto.v1.GroupVersion;
import io.paramstream.proto.v1.ParameterServerGrpc;
import io.paramstream.proto.v1.PushAck;
import io.paramstream.proto.v1.PushRequest;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(20)
class PushSessionTest {
  @RegisterExtension final InProcessGrpc grpc = new InProcessGrpc();

  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private final List<ParamstreamClient> clients = new ArrayList<>();

  @AfterEach
  void tearDown() {
    clients.forEach(ParamstreamClient::close);
    scheduler.shutdownNow();
  }

  private ParamstreamClient client(
      ParameterServerGrpc.ParameterServerImplBase server, ClientConfig config) {
    ParamstreamClient client = ParamstreamClient.create(grpc.start(server), config);
    clients.add(client);
    return client;
  }

  @Test
  void push_twoThreads_allAckedInOrderWithinWindow() throws Exception {
    WindowObservingServer server = new WindowObservingServer(4, scheduler);
    ParamstreamClient client = client(server, ClientConfig.defaults().withMaxInFlightPushes(4));
    // 300k floats need two messages, so interleaving of pushes on the stream would show.
    float[] gradient = FakeParameterServer.ramp(300_000);
    List<List<CompletableFuture<PushResult>>> perThread = new ArrayList<>();

    try (PushSession session = client.openPushSession()) {
      List<CompletableFuture<Void>> pushers = new ArrayList<>();
      for (int t = 0; t < 2; t++) {
        List<CompletableFuture<PushResult>> futures =
            Collections.synchronizedList(new ArrayList<>());
        perThread.add(futures);
        pushers.add(
            CompletableFuture.runAsync(
                () -> {
                  for (int i = 0; i < 10; i++) {
                    futures.add(session.push(Map.of("w", gradient)));
                  }
                }));
      }
      CompletableFuture.allOf(pushers.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
    }

    List<Long> ackedIds = new ArrayList<>();
    for (List<CompletableFuture<PushResult>> futures : perThread) {
      List<Long> ids = new ArrayList<>();
      for (CompletableFuture<PushResult> future : futures) {
        PushResult result = future.get(5, TimeUnit.SECONDS);
        assertThat(result.versions()).containsEntry("w", result.pushId());
        ids.add(result.pushId());
      }
      assertThat(ids).isSorted();
      ackedIds.addAll(ids);
    }
    assertThat(ackedIds)
        .containsExactlyInAnyOrderElementsOf(LongStream.rangeClosed(1, 20).boxed().toList());
    assertThat(server.receivedIds)
        .containsExactlyElementsOf(LongStream.rangeClosed(1, 20).boxed().toList());
    assertThat(server.interleaved).isFalse();
    assertThat(server.maxUnacked()).isEqualTo(4);
  }

  @Test
  void push_streamError_failsOutstandingFutures() throws Exception {
    FakeParameterServer fake = new FakeParameterServer();
    fake.ackPushes = false;
    fake.pushStreamFailure = Status.RESOURCE_EXHAUSTED.withDescription("message too large");
    fake.failPushStreamAfterPushes = 3;
    ParamstreamClient client = client(fake, ClientConfig.defaults());

    try (PushSession session = client.openPushSession()) {
      List<CompletableFuture<PushResult>> futures = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        futures.add(session.push(Map.of("w", new float[] {i})));
      }

      for (CompletableFuture<PushResult> future : futures) {
        ParamstreamException e = failure(future);
        assertThat(e.code()).isEqualTo(ErrorCode.RESOURCE_EXHAUSTED);
        assertThat(e.getMessage()).contains("message too large");
      }
      assertThat(failure(session.push(Map.of("w", new float[] {9}))).code())
          .isEqualTo(ErrorCode.RESOURCE_EXHAUSTED);
    }
  }

  @Test
  void push_ackWithError_failsOnlyThatPush() throws Exception {
    FakeParameterServer fake = new FakeParameterServer();
    fake.ackFor =
        push ->
            push.get(0).getPushId() == 2
                ? PushAck.newBuilder().setPushId(2).setCode(5).setMessage("no group x").build()
                : fake.okAck(push);
    ParamstreamClient client = client(fake, ClientConfig.defaults());

    try (PushSession session = client.openPushSession()) {
      CompletableFuture<PushResult> first = session.push(Map.of("w", new float[] {1}));
      CompletableFuture<PushResult> second = session.push(Map.of("x", new float[] {1}));
      CompletableFuture<PushResult> third = session.push(Map.of("w", new float[] {1}));

      assertThat(first.get(5, TimeUnit.SECONDS).versions()).containsEntry("w", 1L);
      ParamstreamException e = failure(second);
      assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND);
      assertThat(e.getMessage()).contains("no group x");
      assertThat(third.get(5, TimeUnit.SECONDS).pushId()).isEqualTo(3);
    }
  }

  @Test
  void close_outstandingPushes_waitsForTheirAcks() throws Exception {
    // Acks only once the client half-closes, so the pushes are outstanding when close() starts.
    WindowObservingServer server = new WindowObservingServer(100, scheduler);
    ParamstreamClient client = client(server, ClientConfig.defaults());
    PushSession session = client.openPushSession();
    List<CompletableFuture<PushResult>> futures = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      futures.add(session.push(Map.of("w", new float[] {i})));
    }
    assertThat(futures).noneMatch(CompletableFuture::isDone);

    session.close();

    assertThat(futures).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
    assertThat(failure(session.push(Map.of("w", new float[] {1}))).code())
        .isEqualTo(ErrorCode.CANCELLED);
  }

  @Test
  void push_windowFullPastDeadline_failsWithDeadlineExceeded() throws Exception {
    WindowObservingServer server = new WindowObservingServer(100, scheduler);
    ParamstreamClient client = client(server, new ClientConfig(Duration.ofMillis(200), 1));

    try (PushSession session = client.openPushSession()) {
      CompletableFuture<PushResult> first = session.push(Map.of("w", new float[] {1}));
      CompletableFuture<PushResult> second = session.push(Map.of("w", new float[] {2}));

      assertThat(failure(second).code()).isEqualTo(ErrorCode.DEADLINE_EXCEEDED);
      assertThat(first).isNotDone();
      assertThat(server.receivedIds).containsExactly(1L);
    }
  }

  @Test
  void push_interruptedWhileWindowFull_failsWithCancelled() throws Exception {
    WindowObservingServer server = new WindowObservingServer(100, scheduler);
    ParamstreamClient client = client(server, ClientConfig.defaults().withMaxInFlightPushes(1));

    try (PushSession session = client.openPushSession()) {
      session.push(Map.of("w", new float[] {1}));
      Thread.currentThread().interrupt();
      CompletableFuture<PushResult> blocked = session.push(Map.of("w", new float[] {2}));

      assertThat(Thread.interrupted()).as("interrupt flag restored").isTrue();
      assertThat(failure(blocked).code()).isEqualTo(ErrorCode.CANCELLED);
    }
  }

  @Test
  void clientClose_openSession_failsOutstandingPushes() throws Exception {
    WindowObservingServer server = new WindowObservingServer(100, scheduler);
    ParamstreamClient client = client(server, ClientConfig.defaults());
    PushSession session = client.openPushSession();
    CompletableFuture<PushResult> pending = session.push(Map.of("w", new float[] {1}));

    client.close();

    ParamstreamException e = failure(pending);
    assertThat(e.code()).isEqualTo(ErrorCode.CANCELLED);
    assertThat(e.getMessage()).contains("client is closed");
  }

  private static ParamstreamException failure(CompletableFuture<?> future) throws Exception {
    try {
      future.get(5, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(ParamstreamException.class);
      return (ParamstreamException) e.getCause();
    }
    throw new AssertionError("future succeeded: " + future);
  }

  /**
   * Acknowledges pushes in batches: once {@code batch} are unacknowledged it acks them all a little
   * later (giving an unbounded client time to overshoot), and acks the rest on half-close. Records
   * the largest number of complete but unacknowledged pushes it ever saw.
   */
  private static final class WindowObservingServer
      extends ParameterServerGrpc.ParameterServerImplBase {
    private final int batch;
    private final ScheduledExecutorService scheduler;
    final List<Long> receivedIds = Collections.synchronizedList(new ArrayList<>());
    volatile boolean interleaved;
    // Guarded by this.
    private int maxUnacked;

    WindowObservingServer(int batch, ScheduledExecutorService scheduler) {
      this.batch = batch;
      this.scheduler = scheduler;
    }

    synchronized int maxUnacked() {
      return maxUnacked;
    }

    @Override
    public StreamObserver<PushRequest> push(StreamObserver<PushAck> acks) {
      return new StreamObserver<>() {
        // Guarded by WindowObservingServer.this.
        private final ArrayDeque<Long> unacked = new ArrayDeque<>();
        private long continuing = -1;

        @Override
        public void onNext(PushRequest request) {
          if (continuing != -1 && request.getPushId() != continuing) {
            interleaved = true;
          }
          continuing = request.getContinued() ? request.getPushId() : -1;
          if (request.getContinued()) {
            return;
          }
          receivedIds.add(request.getPushId());
          synchronized (WindowObservingServer.this) {
            unacked.add(request.getPushId());
            maxUnacked = Math.max(maxUnacked, unacked.size());
            if (unacked.size() == batch) {
              scheduler.schedule(this::ackAll, 20, TimeUnit.MILLISECONDS);
            }
          }
        }

        private void ackAll() {
          synchronized (WindowObservingServer.this) {
            while (!unacked.isEmpty()) {
              long id = unacked.poll();
              acks.onNext(
                  PushAck.newBuilder()
                      .setPushId(id)
                      .addVersions(GroupVersion.newBuilder().setGroup("w").setVersion(id))
                      .build());
            }
          }
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {
          synchronized (WindowObservingServer.this) {
            ackAll();
            acks.onCompleted();
          }
        }
      };
    }
  }
}
