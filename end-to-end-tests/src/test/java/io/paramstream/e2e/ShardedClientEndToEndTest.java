package io.paramstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.paramstream.client.ErrorCode;
import io.paramstream.client.GroupInfo;
import io.paramstream.client.GroupSpec;
import io.paramstream.client.GroupValues;
import io.paramstream.client.Hyperparameters;
import io.paramstream.client.ParamstreamException;
import io.paramstream.client.cluster.ShardedClient;
import io.paramstream.client.cluster.ShardedWatch;
import io.paramstream.server.ParamstreamServer;
import io.paramstream.server.ServerConfig;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The sharded client against three real servers over Netty in this JVM: the fast cases. */
@Timeout(60)
class ShardedClientEndToEndTest {

  private static final int RANGE_ELEMENTS = 100;

  private final List<ParamstreamServer> servers = new ArrayList<>();
  private ShardedClient client;

  @BeforeEach
  void start() throws Exception {
    List<String> addresses = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ParamstreamServer server =
          ParamstreamServer.start(
              NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)),
              ServerConfig.defaults().withShutdownGrace(Duration.ofSeconds(1)));
      servers.add(server);
      addresses.add("127.0.0.1:" + server.port());
    }
    client =
        ShardedClient.builder()
            .addresses(addresses)
            .rangeElements(RANGE_ELEMENTS)
            .deadline(Duration.ofSeconds(10))
            .build();
  }

  @AfterEach
  void stop() {
    client.close();
    servers.forEach(ParamstreamServer::close);
  }

  private static float[] ramp(int size) {
    float[] values = new float[size];
    for (int i = 0; i < size; i++) {
      values[i] = i;
    }
    return values;
  }

  @Test
  void createAndPull_splitGroup_reassembledInOrderAndSpreadOverShards() {
    GroupInfo info =
        client.createGroup(new GroupSpec("big", ramp(250), true, new Hyperparameters(1.0, 0)));
    assertThat(info.size()).isEqualTo(250);
    assertThat(client.pull("big").get("big").values()).containsExactly(ramp(250));
    // 3 ranges of at most 100 elements, one per server, none holding the whole group.
    for (ParamstreamServer server : servers) {
      assertThat(server.store().size()).isEqualTo(1);
    }
    assertThat(client.listGroups("big")).extracting(GroupInfo::size).containsExactly(250L);
  }

  @Test
  void push_splitGroup_everyRangeUpdatedWithItsSlice() {
    client.createGroup(new GroupSpec("big", new float[250], false, new Hyperparameters(1.0, 0)));
    Map<String, Long> versions = client.push(Map.of("big", ramp(250)));
    assertThat(versions).hasSize(3).allSatisfy((name, version) -> assertThat(version).isOne());
    float[] expected = ramp(250);
    for (int i = 0; i < expected.length; i++) {
      expected[i] = 0f - expected[i]; // theta - lr * grad: 0 - 0 is +0, not -0
    }
    GroupValues pulled = client.pull("big").get("big");
    assertThat(pulled.values()).containsExactly(expected);
    assertThat(pulled.version()).isEqualTo(1);
  }

  @Test
  void watch_splitGroup_deliversWholeGroupOnEachPush() throws Exception {
    client.createGroup(new GroupSpec("big", new float[250], false, new Hyperparameters(1.0, 0)));
    LinkedBlockingQueue<GroupValues> updates = new LinkedBlockingQueue<>();
    CompletableFuture<ParamstreamException> error = new CompletableFuture<>();
    try (ShardedWatch watch = client.watch(updates::add, error::complete, "big")) {
      GroupValues initial = updates.poll(10, TimeUnit.SECONDS);
      assertThat(initial).isNotNull();
      assertThat(initial.values()).containsOnly(0f).hasSize(250);

      float[] ones = new float[250];
      Arrays.fill(ones, 1f);
      client.push(Map.of("big", ones));
      // Ranges arrive one by one; the group is whole once every range reached version 1.
      GroupValues update;
      do {
        update = updates.poll(10, TimeUnit.SECONDS);
        assertThat(update).isNotNull();
      } while (update.version() < 1);
      assertThat(update.values()).containsOnly(-1f);
      assertThat(watch.isDone()).isFalse();
    }
    assertThat(error).isNotDone();
  }

  @Test
  void deleteGroups_splitGroup_removedFromEveryShard() {
    client.createGroup(GroupSpec.zeros("big", 250, false));
    client.createGroup(GroupSpec.zeros("small", 10, false));
    client.deleteGroups("big");
    assertThat(client.listGroups()).extracting(GroupInfo::name).containsExactly("small");
    assertThat(servers.stream().mapToInt(s -> s.store().size()).sum()).isEqualTo(1);
    assertThatThrownBy(() -> client.pull("big"))
        .isInstanceOfSatisfying(
            ParamstreamException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
  }

  @Test
  void pull_groupDeletedByAnotherClient_notFoundThenCacheForgotten() {
    client.createGroup(GroupSpec.zeros("g", 10, false));
    client.pull("g");
    try (ShardedClient other =
        ShardedClient.builder()
            .addresses(client.shards().stream().map(s -> s.address()).toList())
            .rangeElements(RANGE_ELEMENTS)
            .build()) {
      other.deleteGroups("g");
      other.createGroup(GroupSpec.zeros("g", 250, false)); // now split, under other names
    }
    // The cached whole-group layout is stale: one NOT_FOUND, then the new layout is found.
    assertThatThrownBy(() -> client.pull("g"))
        .isInstanceOfSatisfying(
            ParamstreamException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
    assertThat(client.pull("g").get("g").values()).hasSize(250);
  }

  @Test
  void push_wrongLength_rejectedBeforeAnyShardApplies() {
    client.createGroup(GroupSpec.zeros("big", 250, false));
    assertThatThrownBy(() -> client.push(Map.of("big", new float[249])))
        .isInstanceOfSatisfying(
            ParamstreamException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
              assertThat(e.getMessage()).contains("249").contains("250");
            });
    assertThat(client.pull("big").get("big").version()).isZero();
  }

  @Test
  void dnsName_localhost_resolvedToSortedAddressesOnThePort() {
    try (ShardedClient byName = ShardedClient.builder().dnsName("localhost", 50051).build()) {
      assertThat(byName.shards()).isNotEmpty();
      List<String> addresses = byName.shards().stream().map(s -> s.address()).toList();
      assertThat(addresses).isSorted().allSatisfy(a -> assertThat(a).endsWith(":50051"));
    }
  }
}
