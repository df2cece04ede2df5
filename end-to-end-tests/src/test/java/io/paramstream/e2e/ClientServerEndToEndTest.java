package io.paramstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.paramstream.client.ErrorCode;
import io.paramstream.client.GroupInfo;
import io.paramstream.client.GroupSpec;
import io.paramstream.client.GroupValues;
import io.paramstream.client.Hyperparameters;
import io.paramstream.client.ParamstreamClient;
import io.paramstream.client.ParamstreamException;
import io.paramstream.client.PushResult;
import io.paramstream.client.PushSession;
import io.paramstream.client.WatchSubscription;
import io.paramstream.proto.v1.GradientSlice;
import io.paramstream.proto.v1.ParameterServerGrpc;
import io.paramstream.proto.v1.PushAck;
import io.paramstream.proto.v1.PushRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The client library against the real server over Netty on loopback. */
@Timeout(120)
class ClientServerEndToEndTest {

  private static final Hyperparameters REFERENCE = new Hyperparameters(0.1, 0.01);

  @RegisterExtension final NettyServerExtension netty = new NettyServerExtension();

  @Test
  void referenceExamples_throughClientAndServer_matchKernel() {
    var client = netty.client();
    client.createGroup(new GroupSpec("w", new float[] {1.0f, 2.0f}, true, REFERENCE));
    client.createGroup(new GroupSpec("b", new float[] {0.5f}, false, REFERENCE));
    client.createGroup(new GroupSpec("v", new float[] {1.0f, 2.0f, 3.0f}, false, REFERENCE));

    PushResult result =
        client.push(Map.of("w", new float[] {0.1f, 0.2f}, "b", new float[] {0.05f}));
    client.push(Map.of("v", new float[] {0.1f, 0.2f, 0.3f}));

    assertThat(result.versions()).containsEntry("w", 1L).containsEntry("b", 1L);
    Map<String, GroupValues> pulled = client.pull("w", "b", "v");
    assertThat(pulled.get("w").values())
        .containsExactly(new float[] {0.989f, 1.978f}, within(1e-6f));
    assertThat(pulled.get("b").values()).containsExactly(new float[] {0.495f}, within(1e-6f));
    assertThat(pulled.get("v").values())
        .containsExactly(new float[] {0.99f, 1.98f, 2.97f}, within(1e-6f));
  }

  @Test
  void setLearningRate_schedule_keepsWeightDecayAndChangesTheNextPush() {
    var client = netty.client();
    client.createGroup(new GroupSpec("w", new float[] {1.0f, 2.0f}, true, REFERENCE));

    List<GroupInfo> changed = client.setLearningRate(0.05, "w");
    client.push(Map.of("w", new float[] {0.1f, 0.2f}));

    assertThat(changed)
        .singleElement()
        .extracting(GroupInfo::hyperparameters)
        .isEqualTo(new Hyperparameters(0.05, 0.01));
    // theta - (0.05 * grad + 0.05 * 0.01 * theta): the decay survived the schedule.
    assertThat(client.pull("w").get("w").values())
        .containsExactly(new float[] {0.9945f, 1.989f}, within(1e-6f));
  }

  @Test
  void streamedPushes_pullAndWatch_seeEveryAppliedVersion() throws Exception {
    var client = netty.client();
    client.createGroup(new GroupSpec("w", new float[] {0f, 0f}, false, new Hyperparameters(1, 0)));
    List<GroupValues> seen = new CopyOnWriteArrayList<>();
    CompletableFuture<ParamstreamException> watchError = new CompletableFuture<>();

    try (WatchSubscription watch = client.watch(seen::add, watchError::complete, "w");
        PushSession session = client.openPushSession()) {
      List<CompletableFuture<PushResult>> acks = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        acks.add(session.push(Map.of("w", new float[] {-1f, 1f})));
      }
      for (int i = 0; i < acks.size(); i++) {
        assertThat(acks.get(i).get(30, TimeUnit.SECONDS).versions()).containsEntry("w", i + 1L);
      }
      awaitUntil(() -> !seen.isEmpty() && seen.get(seen.size() - 1).version() == 100);
      assertThat(watch.isDone()).isFalse();
    }

    assertThat(client.pull("w").get("w").values()).containsExactly(100f, -100f);
    assertThat(seen.get(seen.size() - 1).values()).containsExactly(100f, -100f);
    // Versions only move forward for a watcher.
    for (int i = 1; i < seen.size(); i++) {
      assertThat(seen.get(i).version()).isGreaterThan(seen.get(i - 1).version());
    }
    assertThat(watchError).isNotDone();
  }

  @Test
  void badPush_surfacesCodeAndLeavesStateUnchanged() {
    var client = netty.client();
    client.createGroup(new GroupSpec("w", new float[] {1f, 2f}, true, REFERENCE));
    client.createGroup(new GroupSpec("b", new float[] {0.5f}, false, REFERENCE));

    assertThatThrownBy(
            () -> client.push(Map.of("b", new float[] {1f}, "w", new float[] {1f, Float.NaN})))
        .isInstanceOfSatisfying(
            ParamstreamException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
        .hasMessageContaining("NaN");
    assertThatThrownBy(() -> client.push(Map.of("ghost", new float[] {1f})))
        .isInstanceOfSatisfying(
            ParamstreamException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND))
        .hasMessageContaining("ghost");

    Map<String, GroupValues> after = client.pull("w", "b");
    assertThat(after.get("w").values()).containsExactly(1f, 2f);
    assertThat(after.get("w").version()).isZero();
    assertThat(after.get("b").values()).containsExactly(0.5f);
    assertThat(after.get("b").version()).isZero();
  }

  @Test
  void largeGroup_overMessageLimit_travelsInChunksBothWays() {
    var client = netty.client();
    int size = (1 << 20) + 1000; // 4 MiB + 4000 bytes: over gRPC's default 4 MiB limit
    float[] initial = new float[size];
    float[] gradient = new float[size];
    for (int i = 0; i < size; i++) {
      initial[i] = i % 1000;
      gradient[i] = (i % 7) - 3;
    }
    client.createGroup(new GroupSpec("big", initial, false, new Hyperparameters(1, 0)));

    client.push(Map.of("big", gradient));

    GroupValues pulled = client.pull("big").get("big");
    assertThat(pulled.version()).isEqualTo(1);
    for (int i = 0; i < size; i += 997) {
      assertThat(pulled.values()[i]).isEqualTo(initial[i] - gradient[i]);
    }
    assertThat(pulled.values()[size - 1]).isEqualTo(initial[size - 1] - gradient[size - 1]);
  }

  @Test
  void messageOverLimit_rejectedResourceExhaustedAndStateUnchanged() throws Exception {
    var client = netty.client();
    client.createGroup(GroupSpec.zeros("big", (1 << 20) + 16, false));
    ManagedChannel channel = NettyChannelBuilder.forTarget(netty.target()).usePlaintext().build();
    try {
      CompletableFuture<Throwable> failed = new CompletableFuture<>();
      StreamObserver<PushRequest> requests =
          ParameterServerGrpc.newStub(channel)
              .push(
                  new StreamObserver<>() {
                    @Override
                    public void onNext(PushAck value) {
                      failed.completeExceptionally(new AssertionError("unexpected ack " + value));
                    }

                    @Override
                    public void onError(Throwable t) {
                      failed.complete(t);
                    }

                    @Override
                    public void onCompleted() {
                      failed.completeExceptionally(new AssertionError("stream completed"));
                    }
                  });
      // One unchunked message of 4 MiB + 64 bytes of payload: more than the server accepts.
      requests.onNext(
          PushRequest.newBuilder()
              .setPushId(1)
              .addGradients(
                  GradientSlice.newBuilder()
                      .setGroup("big")
                      .setValues(ByteString.copyFrom(new byte[((1 << 20) + 16) * 4])))
              .build());

      Throwable error = failed.get(30, TimeUnit.SECONDS);

      assertThat(Status.fromThrowable(error).getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    GroupInfo info = client.listGroups("big").get(0);
    assertThat(info.version()).isZero();
  }

  @Test
  void concurrentPushers_endInExactSequentialState() throws Exception {
    var client = netty.client();
    int workers = 4;
    int pushesEach = 250;
    client.createGroup(new GroupSpec("a", new float[64], true, new Hyperparameters(1, 0)));
    client.createGroup(new GroupSpec("b", new float[8], false, new Hyperparameters(1, 0)));
    List<Thread> threads = new ArrayList<>();
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    for (int w = 0; w < workers; w++) {
      float step = w + 1; // integers: float sums are exact in any order
      Thread thread =
          new Thread(
              () -> {
                try (PushSession session = netty.client().openPushSession()) {
                  List<CompletableFuture<PushResult>> acks = new ArrayList<>();
                  for (int i = 0; i < pushesEach; i++) {
                    acks.add(session.push(Map.of("a", filled(64, step), "b", filled(8, -step))));
                  }
                  for (var ack : acks) {
                    ack.get(60, TimeUnit.SECONDS);
                  }
                } catch (Throwable t) {
                  failures.add(t);
                }
              });
      threads.add(thread);
      thread.start();
    }
    for (Thread thread : threads) {
      thread.join(TimeUnit.SECONDS.toMillis(90));
    }

    assertThat(failures).isEmpty();
    float total = pushesEach * (1 + 2 + 3 + 4);
    Map<String, GroupValues> state = client.pull("a", "b");
    assertThat(state.get("a").version()).isEqualTo(workers * pushesEach);
    assertThat(state.get("b").version()).isEqualTo(workers * pushesEach);
    assertThat(state.get("a").values()).containsOnly(-total);
    assertThat(state.get("b").values()).containsOnly(total);
  }

  @Test
  void slowWatcher_getsLatestValuesNotBacklog() throws Exception {
    var client = netty.client();
    int size = 64 * 1024; // 256 KiB per update: a few fill the stream's flow-control window
    client.createGroup(new GroupSpec("w", new float[size], false, new Hyperparameters(1, 0)));
    List<Long> versions = new CopyOnWriteArrayList<>();
    int pushes = 200;
    // The watcher has its own connection, as a separate process would: a stalled stream must
    // not hold the pushers' connection window.
    try (var watcherClient = ParamstreamClient.builder().target(netty.target()).build();
        WatchSubscription watch =
            watcherClient.watch(
                update -> {
                  versions.add(update.version());
                  sleep(100); // a consumer far slower than the pushers
                },
                error -> {},
                "w");
        PushSession session = client.openPushSession()) {
      List<CompletableFuture<PushResult>> acks = new ArrayList<>();
      for (int i = 0; i < pushes; i++) {
        acks.add(session.push(Map.of("w", filled(size, 1f))));
      }
      for (var ack : acks) {
        ack.get(60, TimeUnit.SECONDS);
      }
      awaitUntil(() -> !versions.isEmpty() && versions.get(versions.size() - 1) == pushes);
      assertThat(watch.isDone()).isFalse();
    }

    // Every version was pushed, but the watcher saw few of them, ending at the latest.
    assertThat(versions.size()).isLessThan(pushes / 2);
    assertThat(versions.get(versions.size() - 1)).isEqualTo(pushes);
  }

  private static float[] filled(int size, float value) {
    float[] values = new float[size];
    java.util.Arrays.fill(values, value);
    return values;
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void awaitUntil(java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 30 s");
      }
      Thread.sleep(10);
    }
  }
}
