package io.paramstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.paramstream.client.ErrorCode;
import io.paramstream.client.GroupSpec;
import io.paramstream.client.Hyperparameters;
import io.paramstream.client.ParamstreamClient;
import io.paramstream.client.ParamstreamException;
import io.paramstream.client.RowGradient;
import io.paramstream.client.RowInitializer;
import io.paramstream.client.RowQuery;
import io.paramstream.client.TableInfo;
import io.paramstream.client.TableRows;
import io.paramstream.client.TableSpec;
import io.paramstream.client.cluster.ShardedClient;
import io.paramstream.client.cluster.ShardedPushResult;
import io.paramstream.client.cluster.ShardedPushSession;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Sparse tables over three real server processes behind one {@link ShardedClient}, checked row for
 * row against the same tables on a single server (over Netty in this JVM): initial values, pushes
 * with duplicate ids, mixed group and row pushes, bad input rejected before any shard changes, and
 * a killed shard named in the failure with the live shards' parts applied.
 */
@Timeout(120)
class ShardedTablesProcessTest {

  private static final Hyperparameters HYPER = new Hyperparameters(0.1, 0.01);
  private static final int DIM = 4;
  private static final int INDEXED_ROWS = 10;

  @RegisterExtension final NettyServerExtension single = new NettyServerExtension();

  private final List<ServerProcess> servers = new ArrayList<>();
  private ShardedClient cluster;

  @BeforeEach
  void startCluster() throws Exception {
    for (int i = 0; i < 3; i++) {
      servers.add(ServerProcess.start("--port", "0"));
    }
    List<String> addresses = new ArrayList<>();
    for (ServerProcess server : servers) {
      addresses.add("127.0.0.1:" + server.awaitPort());
    }
    cluster = ShardedClient.builder().addresses(addresses).deadline(Duration.ofSeconds(10)).build();
  }

  @AfterEach
  void stopCluster() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
    for (ServerProcess server : servers) {
      server.close();
    }
  }

  private static List<TableSpec> specs() {
    return List.of(
        TableSpec.builder("users", DIM)
            .keyed(0)
            .weightDecay(true)
            .hyperparameters(HYPER)
            .initializer(RowInitializer.normal(0.5, 11))
            .build(),
        TableSpec.builder("positions", DIM)
            .indexed(INDEXED_ROWS)
            .weightDecay(true)
            .hyperparameters(HYPER)
            .initializer(RowInitializer.uniform(1.0, 12))
            .build());
  }

  private static final long[] KEYS = {0, 1, 2, 3, 99, -5, Long.MIN_VALUE, 1L << 40, 7, 8, 9, 10};

  private static long[] allPositions() {
    long[] ids = new long[INDEXED_ROWS];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = INDEXED_ROWS - 1 - i;
    }
    return ids;
  }

  private static List<RowGradient> gradients(int step) {
    long[] keys = {1, 99, -5, 1, Long.MIN_VALUE, 1L << 40, 7};
    long[] positions = {0, 9, 4, 4, 5, 1};
    return List.of(
        new RowGradient("users", keys, ramp(keys.length * DIM, step)),
        new RowGradient("positions", positions, ramp(positions.length * DIM, step + 1)));
  }

  private static float[] ramp(int n, int shift) {
    float[] values = new float[n];
    for (int i = 0; i < n; i++) {
      values[i] = ((i + shift) % 7) * 0.25f - 0.5f;
    }
    return values;
  }

  private static List<RowQuery> everyRow() {
    return List.of(RowQuery.of("users", KEYS), RowQuery.of("positions", allPositions()));
  }

  private static void assertSameRows(
      Map<String, TableRows> actual, Map<String, TableRows> expected) {
    assertThat(actual.keySet()).containsExactlyElementsOf(expected.keySet());
    for (String table : expected.keySet()) {
      assertThat(actual.get(table).ids()).containsExactly(expected.get(table).ids());
      assertThat(actual.get(table).values())
          .as("rows of %s", table)
          .containsExactly(expected.get(table).values());
    }
  }

  @Test
  void tablesAcrossThreeShards_startAndTrainExactlyAsOnOneServer() throws Exception {
    ParamstreamClient one = single.client();
    for (TableSpec spec : specs()) {
      one.createTable(spec);
      cluster.createTable(spec);
    }
    one.createGroup(new GroupSpec("bias", new float[] {1, 2}, false, HYPER));
    cluster.createGroup(new GroupSpec("bias", new float[] {1, 2}, false, HYPER));

    // Initial values: every row starts where it would on one server.
    Map<String, TableRows> initial = cluster.pullRows(everyRow());
    assertSameRows(initial, one.pullRows(everyRow()));
    assertThat(initial.get("users").values()).doesNotContain(0f);

    ShardedPushResult first = null;
    try (ShardedPushSession session = cluster.openPushSession()) {
      for (int step = 0; step < 5; step++) {
        Map<String, float[]> bias = Map.of("bias", new float[] {1, 1});
        ShardedPushResult result = session.push(bias, gradients(step)).get(20, TimeUnit.SECONDS);
        one.push(bias, gradients(step));
        if (first == null) {
          first = result;
        }
      }
    }

    assertSameRows(cluster.pullRows(everyRow()), one.pullRows(everyRow()));
    assertThat(cluster.pull("bias").get("bias").values())
        .containsExactly(one.pull("bias").get("bias").values());
    assertThat(first.versions()).containsEntry("bias", 1L);
    assertThat(first.tableVersions()).containsEntry("users", 1L).containsEntry("positions", 1L);
    TableInfo users = cluster.listTables("users").get(0);
    TableInfo positions = cluster.listTables("positions").get(0);
    // 6 distinct keys were pushed; pulls never create rows.
    assertThat(users.rows()).isEqualTo(one.listTables("users").get(0).rows()).isEqualTo(6);
    assertThat(users.version()).isEqualTo(5);
    assertThat(positions.rows()).isEqualTo(INDEXED_ROWS);
    assertThat(positions.maxRows()).isEqualTo(INDEXED_ROWS);
    assertThat(positions.idStride()).isEqualTo(1);
  }

  @Test
  void indexedTable_eachShardHoldsItsStrideOfRows() {
    cluster.createTable(specs().get(1));

    List<TableInfo> parts = new ArrayList<>();
    for (int shard = 0; shard < 3; shard++) {
      try (ParamstreamClient direct =
          ParamstreamClient.builder().target(cluster.shards().get(shard).address()).build()) {
        parts.add(direct.listTables("positions").get(0));
      }
    }

    // Rows 0..9 over 3 shards: shard s holds s, s + 3, ... (4, 3 and 3 rows).
    assertThat(parts).extracting(TableInfo::maxRows).containsExactly(4L, 3L, 3L);
    assertThat(parts).extracting(TableInfo::idOffset).containsExactly(0L, 1L, 2L);
    assertThat(parts).extracting(TableInfo::idStride).containsOnly(3L);
  }

  @Test
  void badRows_rejectedBeforeAnyShardChanges() {
    specs().forEach(cluster::createTable);
    Map<String, TableRows> before = cluster.pullRows(everyRow());

    assertThatThrownBy(
            () ->
                cluster.pushRows(
                    List.of(
                        gradients(0).get(0),
                        new RowGradient("positions", new long[] {3, 10}, new float[2 * DIM]))))
        .isInstanceOfSatisfying(
            ParamstreamException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
              assertThat(e.getMessage()).contains("10").contains("positions");
            });
    float[] nan = new float[DIM];
    nan[2] = Float.NaN;
    assertThatThrownBy(
            () -> cluster.pushRows(List.of(new RowGradient("users", new long[] {5}, nan))))
        .isInstanceOfSatisfying(
            ParamstreamException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
    assertThatThrownBy(() -> cluster.pullRows("missing", 1))
        .isInstanceOfSatisfying(
            ParamstreamException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND);
              assertThat(e.getMessage()).contains("missing");
            });

    assertSameRows(cluster.pullRows(everyRow()), before);
    assertThat(cluster.listTables()).extracting(TableInfo::version).containsOnly(0L);
  }

  @Test
  void killedShard_pushNamesItAndTheShardsThatApplied() throws Exception {
    specs().forEach(cluster::createTable);
    ServerProcess victim = servers.get(0);
    String victimAddress = "127.0.0.1:" + victim.awaitPort();
    victim.process().toHandle().destroyForcibly();
    assertThat(victim.process().waitFor(20, TimeUnit.SECONDS)).isTrue();

    // Rows 0..9 of the indexed table touch every shard.
    long[] ids = allPositions();
    assertThatThrownBy(
            () ->
                cluster.pushRows(
                    List.of(new RowGradient("positions", ids, ramp(ids.length * DIM, 0)))))
        .isInstanceOfSatisfying(
            ParamstreamException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
              assertThat(e.getMessage())
                  .contains(victimAddress + ") is unavailable")
                  .contains("pushing table 'positions'")
                  .contains("applied on [shard ");
            });
    assertThatThrownBy(() -> cluster.pullRows("positions", ids))
        .isInstanceOfSatisfying(
            ParamstreamException.class,
            e -> assertThat(e.getMessage()).contains(victimAddress + ") is unavailable"));
  }
}
