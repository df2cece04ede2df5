package io.paramstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.paramstream.client.ErrorCode;
import io.paramstream.client.GroupSpec;
import io.paramstream.client.GroupValues;
import io.paramstream.client.ParamstreamClient;
import io.paramstream.client.ParamstreamException;
import io.paramstream.client.PushOptions;
import io.paramstream.client.PushSession;
import io.paramstream.client.WatchSubscription;
import io.paramstream.client.cluster.Shard;
import io.paramstream.client.cluster.ShardedClient;
import io.paramstream.client.cluster.ShardedWatch;
import io.paramstream.server.ConsistencyConfig;
import io.paramstream.server.ParamstreamServer;
import io.paramstream.server.ServerConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a person reads when a streaming call of the Java client fails, against real servers over
 * Netty on loopback: the server's address (and for a cluster, which shard), what the call was doing
 * on which groups, and the cause in words, as unary calls already say.
 */
@Timeout(60)
class StreamingErrorMessagesEndToEndTest {

  private final List<ParamstreamServer> servers = new ArrayList<>();
  private final List<AutoCloseable> clients = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable client : clients) {
      client.close();
    }
    servers.forEach(ParamstreamServer::close);
  }

  private ParamstreamServer startServer(ConsistencyConfig consistency) throws Exception {
    ParamstreamServer server =
        ParamstreamServer.start(
            NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)),
            ServerConfig.defaults().withShutdownGrace(Duration.ofSeconds(1)),
            consistency);
    servers.add(server);
    return server;
  }

  private ParamstreamClient client(String target, Duration deadline, int maxInFlightPushes) {
    ParamstreamClient client =
        ParamstreamClient.builder()
            .target(target)
            .deadline(deadline)
            .maxInFlightPushes(maxInFlightPushes)
            .build();
    clients.add(client);
    return client;
  }

  private static String target(ParamstreamServer server) {
    return "127.0.0.1:" + server.port();
  }

  private static ParamstreamException failure(CompletableFuture<?> future) throws Exception {
    try {
      future.get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(ParamstreamException.class);
      return (ParamstreamException) e.getCause();
    }
    throw new AssertionError("the call succeeded");
  }

  @Test
  void pushSession_nothingListening_namesConnectionRefusedTargetAndGroup() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      port = socket.getLocalPort();
    }
    String target = "127.0.0.1:" + port;
    ParamstreamClient client = client(target, Duration.ofSeconds(10), 8);

    try (PushSession session = client.openPushSession()) {
      ParamstreamException e = failure(session.push(Map.of("w", new float[] {1f})));

      assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
      assertThat(e)
          .hasMessage("UNAVAILABLE: connection refused to " + target + " while pushing group 'w'");
    }
  }

  @Test
  void watch_serverStoppedMidWatch_namesServerGroupAndCause() throws Exception {
    ParamstreamServer server = startServer(ConsistencyConfig.asynchronous());
    String target = target(server);
    ParamstreamClient client = client(target, Duration.ofSeconds(10), 8);
    client.createGroup(GroupSpec.zeros("w", 4, false));
    LinkedBlockingQueue<GroupValues> updates = new LinkedBlockingQueue<>();
    CompletableFuture<ParamstreamException> error = new CompletableFuture<>();

    try (WatchSubscription watch = client.watch(updates::add, error::complete, "w")) {
      assertThat(updates.poll(20, TimeUnit.SECONDS)).as("first update").isNotNull();
      server.close();
      ParamstreamException e = error.get(20, TimeUnit.SECONDS);

      assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
      assertThat(e)
          .hasMessage(
              "UNAVAILABLE: server "
                  + target
                  + " unavailable (server is shutting down) while watching group 'w'");
      assertThat(watch.isDone()).isTrue();
    }
  }

  @Test
  void pull_sharedPullStreamServerStopped_namesTargetGroupAndCause() throws Exception {
    ParamstreamServer server = startServer(ConsistencyConfig.asynchronous());
    String target = target(server);
    ParamstreamClient client = client(target, Duration.ofSeconds(10), 8);
    client.createGroup(GroupSpec.zeros("w", 4, false));
    // The first pull opens the client's shared PullStream; the server then goes away under it.
    assertThat(client.pull("w").get("w").values()).hasSize(4);
    server.close();

    assertThatThrownBy(() -> client.pull("w"))
        .isInstanceOfSatisfying(
            ParamstreamException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE))
        .hasMessage("UNAVAILABLE: connection refused to " + target + " while pulling group 'w'");
  }

  @Test
  void push_deadlineExceeded_namesDeadlineOperationTargetAndCause() throws Exception {
    // A synchronous step waits for every registered worker: with "late" never pushing, no push of
    // this step is acknowledged before the client's deadline.
    ParamstreamServer server = startServer(ConsistencyConfig.synchronous(Duration.ofSeconds(50)));
    String target = target(server);
    ParamstreamClient client = client(target, Duration.ofSeconds(1), 1);
    client.createGroup(GroupSpec.zeros("w", 4, false));
    client.registerWorker("a");
    client.registerWorker("b");
    client.registerWorker("late");

    assertThatThrownBy(() -> client.push(Map.of("w", new float[4]), PushOptions.worker("a")))
        .isInstanceOfSatisfying(
            ParamstreamException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.DEADLINE_EXCEEDED))
        .hasMessage(
            "DEADLINE_EXCEEDED: deadline of 1s exceeded while pushing group 'w' to "
                + target
                + " (no answer from the server in time)");

    // On a push session with a window of one, the second push waits for the first one's ack.
    CompletableFuture<?> first;
    try (PushSession session = client.openPushSession()) {
      first = session.push(Map.of("w", new float[4]), PushOptions.worker("b"));
      ParamstreamException e =
          failure(session.push(Map.of("w", new float[4]), PushOptions.worker("b")));

      assertThat(e.code()).isEqualTo(ErrorCode.DEADLINE_EXCEEDED);
      assertThat(e)
          .hasMessage(
              "DEADLINE_EXCEEDED: deadline of 1s exceeded while pushing group 'w' to "
                  + target
                  + " (the push window stayed full for 1s)");
    }
    // Closing waited the deadline for the first push's ack, then gave up on it.
    assertThat(failure(first))
        .hasMessage(
            "DEADLINE_EXCEEDED: deadline of 1s exceeded while pushing group 'w' to "
                + target
                + " (acknowledgements did not arrive within 1s)");
  }

  @Test
  void shardedClient_oneShardDown_namesShardAddressOperationGroupAndCause() throws Exception {
    List<String> addresses = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      addresses.add(target(startServer(ConsistencyConfig.asynchronous())));
    }
    ShardedClient cluster =
        ShardedClient.builder().addresses(addresses).deadline(Duration.ofSeconds(10)).build();
    clients.add(cluster);
    // One group on each shard, by the ring's placement.
    String[] onShard = new String[2];
    for (int i = 0; onShard[0] == null || onShard[1] == null; i++) {
      String name = "g" + i;
      int shard = cluster.ring().nodeFor(name);
      if (onShard[shard] == null) {
        onShard[shard] = name;
        cluster.createGroup(GroupSpec.zeros(name, 4, false));
      }
    }
    Shard dead = cluster.shards().get(1);
    String deadGroup = onShard[1];
    LinkedBlockingQueue<GroupValues> updates = new LinkedBlockingQueue<>();
    CompletableFuture<ParamstreamException> watchError = new CompletableFuture<>();
    ShardedWatch watch = cluster.watch(updates::add, watchError::complete, onShard);
    clients.add(watch);
    for (int i = 0; i < 2; i++) {
      assertThat(updates.poll(20, TimeUnit.SECONDS)).as("first update").isNotNull();
    }

    servers.stream()
        .filter(s -> target(s).equals(dead.address()))
        .findFirst()
        .orElseThrow()
        .close();

    ParamstreamException watchFailure = watchError.get(20, TimeUnit.SECONDS);
    assertThat(watchFailure.code()).isEqualTo(ErrorCode.UNAVAILABLE);
    assertThat(watchFailure)
        .hasMessage(
            "UNAVAILABLE: "
                + dead
                + " is unavailable: server "
                + dead.address()
                + " unavailable (server is shutting down) while watching group '"
                + deadGroup
                + "'");

    Map<String, float[]> spanning = Map.of(onShard[0], new float[4], deadGroup, new float[4]);
    assertThatThrownBy(() -> cluster.push(spanning))
        .isInstanceOfSatisfying(
            ParamstreamException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE))
        .hasMessage(
            "UNAVAILABLE: push failed on "
                + dead
                + " is unavailable: connection refused to "
                + dead.address()
                + " while pushing group '"
                + deadGroup
                + "'; applied on ["
                + cluster.shards().get(0)
                + "]");
    assertThatThrownBy(() -> cluster.pull(deadGroup))
        .hasMessage(
            "UNAVAILABLE: "
                + dead
                + " is unavailable: connection refused to "
                + dead.address()
                + " while pulling group '"
                + deadGroup
                + "'");
  }
}
