package io.paramstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.paramstream.client.ConsistencyStats;
import io.paramstream.client.ErrorCode;
import io.paramstream.client.GroupSpec;
import io.paramstream.client.GroupValues;
import io.paramstream.client.Hyperparameters;
import io.paramstream.client.OptimizerSpec;
import io.paramstream.client.ParamstreamClient;
import io.paramstream.client.ParamstreamException;
import io.paramstream.client.PushOptions;
import io.paramstream.client.PushResult;
import io.paramstream.client.PushSession;
import io.paramstream.client.WatchSubscription;
import io.paramstream.core.StalenessPolicy;
import io.paramstream.server.ConsistencyConfig;
import io.paramstream.server.ParamstreamServer;
import io.paramstream.server.ServerConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Consistency modes and optimizers through the client, the real server and Netty on loopback. */
@Timeout(60)
class ConsistencyEndToEndTest {

  private ParamstreamServer server;
  private ParamstreamClient client;

  private void start(ConsistencyConfig consistency) throws Exception {
    server =
        ParamstreamServer.start(
            NettyServerBuilder.forAddress(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)),
            ServerConfig.defaults()
                .withDefaultHyperparameters(new io.paramstream.core.Hyperparameters(1.0, 0.0)),
            consistency);
    client = newClient();
    client.createGroup(new GroupSpec("w", new float[] {0f, 0f}, false, null));
  }

  private ParamstreamClient newClient() {
    return ParamstreamClient.builder().target("127.0.0.1:" + server.port()).build();
  }

  @AfterEach
  void stop() {
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private static Map<String, float[]> grad(float a, float b) {
    return Map.of("w", new float[] {a, b});
  }

  private static ParamstreamException failure(CompletableFuture<?> future) throws Exception {
    try {
      future.get(20, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return (ParamstreamException) e.getCause();
    }
    throw new AssertionError("push succeeded");
  }

  private float[] weights() {
    return client.pull("w").get("w").values();
  }

  @Test
  void synchronous_twoWorkers_applyTheAverageOncePerStep() throws Exception {
    start(ConsistencyConfig.synchronous(Duration.ofSeconds(20)));
    client.registerWorker("a");
    client.registerWorker("b");
    try (ParamstreamClient other = newClient();
        PushSession a = client.openPushSession();
        PushSession b = other.openPushSession()) {
      CompletableFuture<PushResult> first = a.push(grad(2f, 0f), PushOptions.worker("a"));
      Thread.sleep(100);
      assertThat(first).isNotDone();
      assertThat(weights()).containsExactly(0f, 0f);
      PushResult second = b.push(grad(4f, 2f), PushOptions.worker("b")).get(10, TimeUnit.SECONDS);
      assertThat(first.get(10, TimeUnit.SECONDS).versions()).containsEntry("w", 1L);
      assertThat(second.versions()).containsEntry("w", 1L);
      assertThat(weights()).containsExactly(-3f, -1f);
      assertThat(client.stats().step()).isEqualTo(1);
    }
  }

  @Test
  void synchronous_watch_seesOnlyCompletedSteps() throws Exception {
    start(ConsistencyConfig.synchronous(Duration.ofSeconds(20)));
    client.registerWorker("a");
    client.registerWorker("b");
    BlockingQueue<GroupValues> seen = new LinkedBlockingQueue<>();
    try (WatchSubscription watch = client.watch(seen::add, e -> {}, "w");
        ParamstreamClient other = newClient();
        PushSession a = client.openPushSession();
        PushSession b = other.openPushSession()) {
      assertThat(seen.poll(10, TimeUnit.SECONDS).version()).isZero();
      CompletableFuture<PushResult> first = a.push(grad(2f, 2f), PushOptions.worker("a"));
      // Half a step is invisible: nothing new reaches the watcher.
      assertThat(seen.poll(200, TimeUnit.MILLISECONDS)).isNull();
      b.push(grad(0f, 4f), PushOptions.worker("b")).get(10, TimeUnit.SECONDS);
      first.get(10, TimeUnit.SECONDS);
      GroupValues step = seen.poll(10, TimeUnit.SECONDS);
      assertThat(step.version()).isEqualTo(1);
      assertThat(step.values()).containsExactly(-1f, -3f);
    }
  }

  @Test
  void synchronous_straggler_failsTheStepNamingTheMissingWorker() throws Exception {
    start(ConsistencyConfig.synchronous(Duration.ofMillis(300)));
    client.registerWorker("fast");
    client.registerWorker("slow");
    try (PushSession session = client.openPushSession()) {
      ParamstreamException e = failure(session.push(grad(1f, 1f), PushOptions.worker("fast")));
      assertThat(e.code()).isEqualTo(ErrorCode.DEADLINE_EXCEEDED);
      assertThat(e).hasMessageContaining("[slow]").hasMessageContaining("step 0");
      assertThat(weights()).containsExactly(0f, 0f);
    }
  }

  @Test
  void synchronous_brokenStream_stopsBeingWaitedFor() throws Exception {
    start(ConsistencyConfig.synchronous(Duration.ofSeconds(20)));
    client.registerWorker("stays");
    client.registerWorker("vanishes");
    ParamstreamClient other = newClient();
    try (PushSession stays = client.openPushSession()) {
      PushSession vanishes = other.openPushSession();
      CompletableFuture<PushResult> a = stays.push(grad(1f, 1f), PushOptions.worker("stays"));
      vanishes
          .push(grad(3f, 3f), PushOptions.worker("vanishes"))
          .get(10, TimeUnit.SECONDS); // step 0 done; the server now knows its stream
      a.get(10, TimeUnit.SECONDS);
      CompletableFuture<PushResult> next = stays.push(grad(2f, 2f), PushOptions.worker("stays"));
      other.close(); // cancels the stream without deregistering
      assertThat(next.get(10, TimeUnit.SECONDS).versions()).containsEntry("w", 2L);
      assertThat(weights()).containsExactly(-4f, -4f);
    }
  }

  @Test
  void synchronous_deregister_completesTheWaitingStep() throws Exception {
    start(ConsistencyConfig.synchronous(Duration.ofSeconds(20)));
    client.registerWorker("a");
    client.registerWorker("b");
    try (PushSession session = client.openPushSession()) {
      CompletableFuture<PushResult> a = session.push(grad(1f, 3f), PushOptions.worker("a"));
      assertThat(client.deregisterWorker("b")).containsExactly("a");
      assertThat(a.get(10, TimeUnit.SECONDS).versions()).containsEntry("w", 1L);
      assertThat(weights()).containsExactly(-1f, -3f);
    }
  }

  @Test
  void synchronous_pushWithoutWorkerId_failsPrecondition() throws Exception {
    start(ConsistencyConfig.synchronous(Duration.ofSeconds(20)));
    assertThatThrownBy(() -> client.push(grad(1f, 1f)))
        .isInstanceOfSatisfying(
            ParamstreamException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.FAILED_PRECONDITION))
        .hasMessageContaining("not registered");
  }

  @Test
  void asynchronous_registerWorker_failsPrecondition() throws Exception {
    start(ConsistencyConfig.asynchronous());
    assertThatThrownBy(() -> client.registerWorker("a"))
        .isInstanceOfSatisfying(
            ParamstreamException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.FAILED_PRECONDITION));
  }

  @Test
  void boundedStaleness_tooStale_rejectedNamingStalenessAndCounted() throws Exception {
    start(
        ConsistencyConfig.boundedStaleness(new StalenessPolicy(1, StalenessPolicy.Action.REJECT)));
    try (PushSession session = client.openPushSession()) {
      assertThat(session.push(grad(1f, 0f), PushOptions.basedOn(0)).get().versions())
          .containsEntry("w", 1L);
      session.push(grad(1f, 0f), PushOptions.basedOn(0)).get(); // staleness 1: allowed
      ParamstreamException e = failure(session.push(grad(1f, 0f), PushOptions.basedOn(0)));
      assertThat(e.code()).isEqualTo(ErrorCode.FAILED_PRECONDITION);
      assertThat(e).hasMessageContaining("2 versions stale");
      assertThat(weights()).containsExactly(-2f, 0f);
      ConsistencyStats stats = client.stats();
      assertThat(stats.mode()).isEqualTo("BOUNDED_STALENESS");
      assertThat(stats.staleness()).containsExactly(Map.entry(0L, 1L), Map.entry(1L, 1L));
      assertThat(stats.rejectedStalePushes()).isEqualTo(1);
      assertThat(stats.maxStaleness()).isEqualTo(1);
    }
  }

  @Test
  void boundedStaleness_scalePolicy_appliesWithSmallerStep() throws Exception {
    start(
        ConsistencyConfig.boundedStaleness(
            new StalenessPolicy(0, StalenessPolicy.Action.SCALE_LR)));
    client.push(Map.of("w", new float[] {0f, 0f}), PushOptions.basedOn(0));
    client.push(Map.of("w", new float[] {0f, 0f}), PushOptions.basedOn(1));
    // staleness 2 with S = 0: lr * 1 / 3
    client.push(Map.of("w", new float[] {3f, 6f}), PushOptions.basedOn(0));
    assertThat(weights()).containsExactly(-1f, -2f);
    assertThat(client.stats().staleness()).containsEntry(2L, 1L);
  }

  @Test
  void boundedStaleness_missingBaseVersion_failsPrecondition() throws Exception {
    start(
        ConsistencyConfig.boundedStaleness(new StalenessPolicy(1, StalenessPolicy.Action.REJECT)));
    assertThatThrownBy(() -> client.push(grad(1f, 1f)))
        .isInstanceOfSatisfying(
            ParamstreamException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.FAILED_PRECONDITION))
        .hasMessageContaining("base_version");
  }

  @Test
  void adamGroup_firstStep_movesEachElementByLr() throws Exception {
    start(ConsistencyConfig.asynchronous());
    client.createGroup(
        new GroupSpec(
            "adam",
            new float[] {1f, 1f},
            true,
            new Hyperparameters(0.01, 0.0),
            OptimizerSpec.adam(0.9, 0.999, 1e-8)));
    client.push(Map.of("adam", new float[] {5f, -0.25f}));
    // Adam's first step is lr * g / (|g| + eps): the sign of g times lr.
    float[] values = client.pull("adam").get("adam").values();
    assertThat((double) values[0]).isCloseTo(0.99, within(1e-6));
    assertThat((double) values[1]).isCloseTo(1.01, within(1e-6));
  }

  @Test
  void createGroup_badOptimizer_invalidArgumentNamingIt() throws Exception {
    start(ConsistencyConfig.asynchronous());
    assertThatThrownBy(
            () ->
                client.createGroup(
                    new GroupSpec(
                        "bad", new float[] {1f}, true, null, OptimizerSpec.sgd(0.9, 0.5, true))))
        .isInstanceOfSatisfying(
            ParamstreamException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
        .hasMessageContaining("nesterov");
  }
}
