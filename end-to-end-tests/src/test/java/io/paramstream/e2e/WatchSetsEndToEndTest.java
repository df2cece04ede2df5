package io.paramstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.paramstream.client.GroupSpec;
import io.paramstream.client.GroupValues;
import io.paramstream.client.Hyperparameters;
import io.paramstream.client.ParamstreamClient;
import io.paramstream.client.ParamstreamException;
import io.paramstream.client.WatchSet;
import io.paramstream.client.WatchSubscription;
import io.paramstream.server.ParamstreamServer;
import io.paramstream.server.ServerConfig;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A Watch on two groups that are always pushed together, by several pushers at once, over real
 * Netty on loopback: every set the watcher receives holds both groups at equal versions, with
 * values that match that version (learning rate 1 and a gradient of -1 make every element equal its
 * version), each chunked over several messages. A slow watcher gets the latest set, not a backlog.
 */
@Timeout(60)
class WatchSetsEndToEndTest {

  private static final int SIZE = 50_000; // 200 KB: four 64 KiB chunks per group
  private static final int PUSHERS = 3;
  private static final int PUSHES_EACH = 150;

  private ParamstreamServer server;
  private ParamstreamClient client;

  @BeforeEach
  void start() throws Exception {
    server =
        ParamstreamServer.start(
            NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)),
            ServerConfig.defaults()
                .withMaxChunkBytes(64 << 10)
                .withShutdownGrace(Duration.ofSeconds(2)));
    client = ParamstreamClient.builder().target("127.0.0.1:" + server.port()).build();
    Hyperparameters exact = new Hyperparameters(1.0, 0.0);
    client.createGroup(new GroupSpec("a", new float[SIZE], false, exact));
    client.createGroup(new GroupSpec("b", new float[SIZE], false, exact));
  }

  @AfterEach
  void stop() {
    client.close();
    server.close();
  }

  @Test
  void watchSets_concurrentMultiGroupPushers_everySetIsOneStateAndTheLastIsTheLatest()
      throws Exception {
    BlockingQueue<WatchSet> sets = new LinkedBlockingQueue<>();
    CompletableFuture<ParamstreamException> error = new CompletableFuture<>();
    try (WatchSubscription watch =
        client.watchSets(
            set -> {
              sets.add(set);
              sleep(20); // a slow consumer: the server must coalesce, not queue
            },
            error::complete,
            "a",
            "b")) {
      runPushers();
      long last = PUSHERS * PUSHES_EACH;

      List<WatchSet> seen = new ArrayList<>();
      long newest = -1;
      while (newest < last) {
        WatchSet set = sets.poll(20, TimeUnit.SECONDS);
        assertThat(set).as("a set at version %d within 20 s; error %s", last, error).isNotNull();
        seen.add(set);
        newest = set.groups().get(0).version();
      }
      assertThat(seen).allSatisfy(WatchSetsEndToEndTest::assertOneState);
      assertThat(seen).extracting(s -> s.groups().get(0).version()).isSorted();
      assertThat(seen.size()).as("a slow watcher gets coalesced sets").isLessThan((int) last);
      assertThat(error).isNotDone();
      assertThat(watch.isDone()).isFalse();
    }
  }

  /** Both groups, at one version, with every element equal to it. */
  private static void assertOneState(WatchSet set) {
    Map<String, GroupValues> groups = set.byName();
    assertThat(groups).containsOnlyKeys("a", "b");
    long version = groups.get("a").version();
    assertThat(groups.get("b").version()).isEqualTo(version);
    for (GroupValues group : groups.values()) {
      float[] expected = new float[SIZE];
      Arrays.fill(expected, version);
      assertThat(group.values())
          .as("values of %s at %d", group.name(), version)
          .isEqualTo(expected);
    }
  }

  private void runPushers() throws Exception {
    float[] minusOne = new float[SIZE];
    Arrays.fill(minusOne, -1f);
    ExecutorService pool = Executors.newFixedThreadPool(PUSHERS);
    try {
      List<Future<?>> pushers = new ArrayList<>();
      for (int p = 0; p < PUSHERS; p++) {
        pushers.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < PUSHES_EACH; i++) {
                    client.push(Map.of("a", minusOne, "b", minusOne));
                  }
                  return null;
                }));
      }
      for (Future<?> pusher : pushers) {
        pusher.get(40, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
