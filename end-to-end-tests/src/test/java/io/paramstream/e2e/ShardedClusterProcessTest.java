package io.paramstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.paramstream.client.ErrorCode;
import io.paramstream.client.GroupSpec;
import io.paramstream.client.GroupValues;
import io.paramstream.client.ParamstreamException;
import io.paramstream.client.cluster.Placement;
import io.paramstream.client.cluster.Shard;
import io.paramstream.client.cluster.ShardedClient;
import io.paramstream.client.cluster.ShardedPushSession;
import io.paramstream.client.cluster.ShardedWatch;
import io.paramstream.core.GroupState;
import io.paramstream.core.StoreState;
import io.paramstream.core.checkpoint.CheckpointFormat;
import io.paramstream.proto.v1.CheckpointRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real server processes on loopback behind one {@link ShardedClient}: training through the
 * cluster, placement inspection, and a shard killed with SIGKILL while the others carry on, then
 * restarted on its old port from its own checkpoint directory.
 *
 * <p>Each shard checkpoints only when asked (the {@code Checkpoint} RPC), so the test knows exactly
 * what a restart restores; pushes applied on a shard after its last checkpoint are lost on that
 * shard only.
 */
@Timeout(120)
class ShardedClusterProcessTest {

  // lr 0.5 and gradients of 1.0 keep every value exact in float32: after k steps, -0.5 * k.
  private static final double LR = 0.5;
  private static final int SMALL_GROUPS = 9;
  private static final int SMALL_SIZE = 100;
  private static final int RANGE_ELEMENTS = 1000;
  private static final int EMBEDDING_SIZE = 2500;
  private static final int STEPS = 20;

  @TempDir Path work;

  private final List<ServerProcess> servers = new ArrayList<>();
  private final List<String> addresses = new ArrayList<>();
  private ShardedClient client;

  /** A shard with its own checkpoint directory; checkpoints only on the RPC (or SIGTERM). */
  private ServerProcess startShard(int index, int port) throws IOException {
    return ServerProcess.start(
        "--port",
        String.valueOf(port),
        "--lr",
        String.valueOf(LR),
        "--checkpoint-dir",
        checkpointDir(index).toString(),
        "--checkpoint-interval",
        "PT0S",
        "--checkpoint-keep",
        "2");
  }

  private Path checkpointDir(int index) {
    return work.resolve("shard-" + index);
  }

  @BeforeEach
  void startCluster() throws Exception {
    for (int i = 0; i < 3; i++) {
      servers.add(startShard(i, 0));
    }
    for (ServerProcess server : servers) {
      addresses.add("127.0.0.1:" + server.awaitPort());
    }
    client =
        ShardedClient.builder()
            .addresses(addresses)
            .rangeElements(RANGE_ELEMENTS)
            .deadline(Duration.ofSeconds(10))
            .build();
  }

  @AfterEach
  void stopCluster() throws Exception {
    if (client != null) {
      client.close();
    }
    for (ServerProcess server : servers) {
      server.close();
    }
  }

  private static List<String> groupNames() {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < SMALL_GROUPS; i++) {
      names.add("layer." + i + ".weight");
    }
    names.add("embedding");
    return names;
  }

  private Map<String, float[]> ones() {
    Map<String, float[]> gradients = new LinkedHashMap<>();
    for (String name : groupNames()) {
      float[] g = new float[name.equals("embedding") ? EMBEDDING_SIZE : SMALL_SIZE];
      Arrays.fill(g, 1.0f);
      gradients.put(name, g);
    }
    return gradients;
  }

  /** Creates the groups and trains STEPS pipelined pushes through the cluster. */
  private void train() throws Exception {
    for (String name : groupNames()) {
      int size = name.equals("embedding") ? EMBEDDING_SIZE : SMALL_SIZE;
      client.createGroup(GroupSpec.zeros(name, size, false));
    }
    List<CompletableFuture<Map<String, Long>>> acks = new ArrayList<>();
    try (ShardedPushSession session = client.openPushSession()) {
      for (int step = 0; step < STEPS; step++) {
        acks.add(session.push(ones()));
      }
    }
    for (CompletableFuture<Map<String, Long>> ack : acks) {
      ack.get(30, TimeUnit.SECONDS);
    }
  }

  private static void assertTrained(GroupValues group, int steps) {
    assertThat(group.version()).as(group.name() + " version").isEqualTo(steps);
    for (float v : group.values()) {
      assertThat(v).as(group.name()).isEqualTo(-0.5f * steps);
    }
  }

  @Test
  void train_acrossThreeShards_everyGroupAndRangeUpdatedOncePerStep() throws Exception {
    train();

    Map<String, GroupValues> pulled = client.pull();
    assertThat(pulled.keySet()).containsExactlyInAnyOrderElementsOf(groupNames());
    pulled.values().forEach(group -> assertTrained(group, STEPS));

    // The embedding is above the range threshold: three ranges, one per shard.
    Placement placement = client.placement();
    List<Placement.Piece> embedding = new ArrayList<>();
    Map<String, Integer> holders = new HashMap<>();
    long totalBytes = 0;
    for (Placement.ShardPlacement shard : placement.shards()) {
      assertThat(shard.reachable()).isTrue();
      long shardBytes = 0;
      for (Placement.Piece piece : shard.pieces()) {
        shardBytes += piece.bytes();
        holders.merge(piece.group(), 1, Integer::sum);
        if (piece.group().equals("embedding")) {
          assertThat(piece.whole()).isFalse();
          assertThat(piece.version()).isEqualTo(STEPS);
          embedding.add(piece);
        }
      }
      assertThat(shard.totalBytes()).isEqualTo(shardBytes);
      totalBytes += shard.totalBytes();
    }
    assertThat(embedding).hasSize(3);
    assertThat(embedding.stream().mapToInt(p -> p.end() - p.start()).sum())
        .isEqualTo(EMBEDDING_SIZE);
    assertThat(totalBytes).isEqualTo(4L * (SMALL_GROUPS * SMALL_SIZE + EMBEDDING_SIZE));
    groupNames().stream()
        .filter(n -> !n.equals("embedding"))
        .forEach(n -> assertThat(holders.get(n)).as(n + " held by one shard").isEqualTo(1));

    // The same through the CLI, as an operator would see it.
    try (ServerProcess cli =
        CtlProcess.start("placement", "--cluster", String.join(",", addresses))) {
      assertThat(cli.awaitExit(30, TimeUnit.SECONDS)).isTrue();
      assertThat(cli.process().exitValue()).isZero();
      String out = String.join("\n", cli.output());
      assertThat(out).contains(addresses.get(0)).contains("up");
      assertThat(out.lines().filter(l -> l.startsWith("embedding ")).count()).isEqualTo(3);
      assertThat(out).contains("of " + EMBEDDING_SIZE);
    }

    // A second client, knowing nothing but the addresses, finds the same groups and values.
    try (ShardedClient other = ShardedClient.builder().addresses(addresses).build()) {
      assertTrained(other.pull("embedding").get("embedding"), STEPS);
      assertThat(other.listGroups()).hasSize(groupNames().size());
    }
  }

  @Test
  void createGroup_nameTakenByASplitGroup_alreadyExists() throws Exception {
    client.createGroup(GroupSpec.zeros("big", 3 * RANGE_ELEMENTS, false));
    // A different size would give different range names; the cluster-wide check still catches it.
    assertThatThrownBy(() -> client.createGroup(GroupSpec.zeros("big", 5 * RANGE_ELEMENTS, false)))
        .isInstanceOfSatisfying(
            ParamstreamException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.ALREADY_EXISTS));
  }

  @Test
  void push_nonFiniteGradient_rejectedBeforeAnyShardApplies() throws Exception {
    train();
    Map<String, float[]> bad = ones();
    bad.get("embedding")[EMBEDDING_SIZE - 1] = Float.NaN;
    assertThatThrownBy(() -> client.push(bad))
        .isInstanceOfSatisfying(
            ParamstreamException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
    client.pull().values().forEach(group -> assertTrained(group, STEPS));
  }

  @Test
  void killedShard_othersLoseNothing_deadShardNamedUnavailable() throws Exception {
    train();

    // Kill the shard holding layer.0.weight; it also holds one range of the embedding.
    String victimGroup = "layer.0.weight";
    Shard victim = client.shards().get(client.ring().nodeFor(victimGroup));
    // A watch spanning the victim and another shard, to see how it learns of the death.
    CompletableFuture<ParamstreamException> watchError = new CompletableFuture<>();
    ShardedWatch watch = client.watch(values -> {}, watchError::complete, "embedding");

    // Checkpoint the victim after training: it holds every name the shard stores, as trained.
    // The client sorts the addresses, so its shard index is not our start order.
    int victimServer = addresses.indexOf(victim.address());
    StoreState checkpoint = takeCheckpoint(victim, checkpointDir(victimServer));
    Map<String, Stubs.Pulled> beforeKill = storedOn(victim);
    assertHolds(beforeKill, checkpoint);
    assertThat(beforeKill).containsKeys(victimGroup).hasSizeGreaterThan(1);
    // Applied after the checkpoint, so the kill loses it.
    float[] lost = new float[SMALL_SIZE];
    Arrays.fill(lost, 1.0f);
    client.push(Map.of(victimGroup, lost));
    assertTrained(client.pull(victimGroup).get(victimGroup), STEPS + 1);

    ServerProcess victimProcess = servers.get(victimServer);
    victimProcess.process().toHandle().destroyForcibly(); // SIGKILL: no shutdown hook runs
    assertThat(victimProcess.process().waitFor(20, TimeUnit.SECONDS)).isTrue();
    assertThat(victimProcess.process().exitValue()).isEqualTo(128 + 9);

    List<String> survivors = new ArrayList<>();
    for (String name : groupNames()) {
      if (!name.equals("embedding") && client.ring().nodeFor(name) != victim.index()) {
        survivors.add(name);
      }
    }
    assertThat(survivors).isNotEmpty();

    // The other shards lost nothing.
    Map<String, GroupValues> kept = client.pull(survivors.toArray(String[]::new));
    assertThat(kept.keySet()).containsExactlyElementsOf(survivors);
    kept.values().forEach(group -> assertTrained(group, STEPS));

    // Anything touching the dead shard fails UNAVAILABLE, naming it.
    assertNamesDead(watchError.get(20, TimeUnit.SECONDS), victim);
    assertThat(watch.isDone()).isTrue();
    assertThatThrownBy(() -> client.pull("embedding"))
        .isInstanceOfSatisfying(ParamstreamException.class, e -> assertNamesDead(e, victim));
    assertThatThrownBy(() -> client.push(Map.of(victimGroup, new float[SMALL_SIZE])))
        .isInstanceOfSatisfying(ParamstreamException.class, e -> assertNamesDead(e, victim));

    // A push spanning live and dead shards: no cross-shard atomicity, the live parts are applied
    // and the error says so.
    String live = survivors.get(0);
    float[] one = new float[SMALL_SIZE];
    Arrays.fill(one, 1.0f);
    Map<String, float[]> spanning = new LinkedHashMap<>();
    spanning.put(live, one);
    spanning.put(victimGroup, one);
    assertThatThrownBy(() -> client.push(spanning))
        .isInstanceOfSatisfying(
            ParamstreamException.class,
            e -> {
              assertNamesDead(e, victim);
              assertThat(e.getMessage()).contains("applied on [shard ");
            });
    assertTrained(client.pull(live).get(live), STEPS + 1);

    // Pushes that stay on live shards carry on.
    client.push(Map.of(live, one));
    assertTrained(client.pull(live).get(live), STEPS + 2);

    // The placement command reports the dead shard and exits non-zero.
    try (ServerProcess cli =
        CtlProcess.start("placement", "--cluster", String.join(",", addresses))) {
      assertThat(cli.awaitExit(30, TimeUnit.SECONDS)).isTrue();
      assertThat(cli.process().exitValue()).isEqualTo(1);
      assertThat(cli.output())
          .anyMatch(line -> line.contains(victim.address()) && line.contains("DOWN"));
    }

    // Restart the victim on its old port (its identity on the ring, and where the client's channel
    // reconnects) with the same checkpoint directory.
    int port = Integer.parseInt(victim.address().substring(victim.address().lastIndexOf(':') + 1));
    servers.set(victimServer, restartShard(victimServer, port));

    // gRPC's reconnect backoff can outlast the client's quick retries: poll until the shard
    // answers.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        client.pull("embedding");
        break;
      } catch (ParamstreamException e) {
        if (e.code() != ErrorCode.UNAVAILABLE || System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(100);
      }
    }

    // The restored shard holds exactly its checkpoint: the push after it is lost.
    Map<String, Stubs.Pulled> restored = storedOn(victim);
    assertHolds(restored, checkpoint);
    assertThat(restored.get(victimGroup).version()).isEqualTo(STEPS);

    // The survivors are unchanged by the restart.
    for (String name : survivors) {
      assertTrained(client.pull(name).get(name), name.equals(live) ? STEPS + 2 : STEPS);
    }

    // A push spanning all shards works again through the same client, and training carries on.
    try (ShardedPushSession session = client.openPushSession()) {
      List<CompletableFuture<Map<String, Long>>> acks = new ArrayList<>();
      for (int step = 0; step < 3; step++) {
        acks.add(session.push(ones()));
      }
      for (CompletableFuture<Map<String, Long>> ack : acks) {
        ack.get(30, TimeUnit.SECONDS);
      }
    }
    Map<String, GroupValues> after = client.pull();
    assertThat(after.keySet()).containsExactlyInAnyOrderElementsOf(groupNames());
    for (GroupValues group : after.values()) {
      assertTrained(group, group.name().equals(live) ? STEPS + 5 : STEPS + 3);
    }
  }

  /** Starts a shard on a port its killed predecessor held; the port may take a moment to free. */
  private ServerProcess restartShard(int index, int port) throws Exception {
    for (int attempt = 1; ; attempt++) {
      ServerProcess shard = startShard(index, port);
      try {
        assertThat(shard.awaitPort()).isEqualTo(port);
        return shard;
      } catch (Exception e) {
        shard.close();
        if (attempt == 5) {
          throw new IllegalStateException("shard did not restart on port " + port, e);
        }
        Thread.sleep(500);
      }
    }
  }

  /** Every stored name (whole groups and ranges) on one shard, straight from its server. */
  private static Map<String, Stubs.Pulled> storedOn(Shard shard) throws InterruptedException {
    ManagedChannel channel = Stubs.plaintext(shard.address());
    try {
      return Stubs.pullAll(Stubs.blocking(channel));
    } finally {
      channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  private static StoreState takeCheckpoint(Shard shard, Path directory) throws Exception {
    ManagedChannel channel = Stubs.plaintext(shard.address());
    try {
      String file =
          Stubs.blocking(channel).checkpoint(CheckpointRequest.getDefaultInstance()).getFile();
      Path path = directory.resolve(file);
      return CheckpointFormat.read(() -> Files.newInputStream(path), Files.size(path));
    } finally {
      channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  private static void assertHolds(Map<String, Stubs.Pulled> stored, StoreState expected) {
    assertThat(stored.keySet())
        .containsExactlyInAnyOrderElementsOf(
            expected.groups().stream().map(GroupState::name).toList());
    for (GroupState group : expected.groups()) {
      Stubs.Pulled actual = stored.get(group.name());
      assertThat(actual.version()).as("version of %s", group.name()).isEqualTo(group.version());
      assertThat(actual.values()).as("values of %s", group.name()).containsExactly(group.values());
    }
  }

  private static void assertNamesDead(ParamstreamException e, Shard victim) {
    assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
    assertThat(e.getMessage()).contains(victim.address()).contains("unavailable");
  }
}
