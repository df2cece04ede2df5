package io.paramstream.server;

import static io.paramstream.server.TableWire.filled;
import static io.paramstream.server.TableWire.indexed;
import static io.paramstream.server.TableWire.info;
import static io.paramstream.server.TableWire.keyed;
import static io.paramstream.server.TableWire.pull;
import static io.paramstream.server.TableWire.pullValues;
import static io.paramstream.server.TableWire.push;
import static io.paramstream.server.TableWire.rows;
import static io.paramstream.server.TableWire.select;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.grpc.Status;
import io.paramstream.core.table.RowInitializer;
import io.paramstream.proto.v1.DeleteTablesRequest;
import io.paramstream.proto.v1.GetServerInfoRequest;
import io.paramstream.proto.v1.GroupVersion;
import io.paramstream.proto.v1.ListTablesRequest;
import io.paramstream.proto.v1.Optimizer;
import io.paramstream.proto.v1.PullRequest;
import io.paramstream.proto.v1.PushAck;
import io.paramstream.proto.v1.PushRequest;
import io.paramstream.proto.v1.RowChunk;
import io.paramstream.proto.v1.RowSelector;
import io.paramstream.proto.v1.SetHyperparametersRequest;
import io.paramstream.proto.v1.TableInfo;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Sparse tables through a real server over Netty on loopback, with the generated stubs only:
 * creation of both kinds, row pushes and pulls, chunking, mixed pushes, concurrent first touches
 * and metrics.
 */
@Timeout(60)
class SparseTablesEndToEndTest {

  private static final int DIM = 4;

  @RegisterExtension
  final LoopbackServer server =
      new LoopbackServer()
          .withConfig(
              ServerConfig.defaults()
                  .withShutdownGrace(Duration.ofSeconds(1))
                  .withMaxChunkBytes(3 * DIM * Float.BYTES));

  private final ExecutorService executor = Executors.newFixedThreadPool(8);

  @AfterEach
  void stopThreads() throws InterruptedException {
    executor.shutdownNow();
    assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void createTable_bothKinds_listedWithTheirSettings() {
    TableInfo items =
        server
            .blocking()
            .createTable(
                indexed("items", 10, DIM)
                    .setOptimizer(Optimizer.newBuilder().setKind(Optimizer.Kind.ADAM))
                    .setInitializer(
                        io.paramstream.proto.v1.RowInitializer.newBuilder()
                            .setKind(io.paramstream.proto.v1.RowInitializer.Kind.UNIFORM)
                            .setScale(0.5)
                            .setSeed(7))
                    .setIdOffset(1)
                    .setIdStride(3)
                    .build())
            .getTable();
    server.blocking().createTable(keyed("users", 0, DIM).setWeightDecay(true).build());

    assertThat(items.getRows()).isEqualTo(10);
    assertThat(items.getMaxRows()).isEqualTo(10);
    assertThat(items.getBytes()).isEqualTo(10L * DIM * 4 * 3); // values and two Adam moments
    List<TableInfo> tables =
        server.blocking().listTables(ListTablesRequest.getDefaultInstance()).getTablesList();
    assertThat(tables).extracting(TableInfo::getName).containsExactly("items", "users");
    TableInfo users = tables.get(1);
    assertThat(users.getKeyed()).isTrue();
    assertThat(users.getMaxRows()).isZero();
    assertThat(users.getRows()).isZero();
    assertThat(users.getWeightDecay()).isTrue();
    assertThat(users.getHyperparameters().getLearningRate()).isEqualTo(1.0);
    assertThat(tables.get(0).getIdStride()).isEqualTo(3);
    // Row 2 of the shard starts as row 2 * 3 + 1 of the whole table would.
    float[] expected = new float[DIM];
    RowInitializer.uniform(0.5, 7).fill(7, expected, 0, DIM);
    assertThat(pullValues(server.blocking(), "items", 2)).containsExactly(expected);
    assertThat(
            server
                .blocking()
                .getServerInfo(GetServerInfoRequest.getDefaultInstance())
                .getFeaturesList())
        .contains("sparse_tables");
  }

  @Test
  void push_rowsWithDuplicates_summedAndPulledBackInRequestOrder() throws Exception {
    server.blocking().createTable(indexed("items", 10, DIM).build());
    server.blocking().createTable(keyed("users", 0, DIM).build());
    Wire.PushStream stream = new Wire.PushStream(server.async());

    PushAck ack =
        stream.send(
            push(
                1,
                rows(
                    "items",
                    new long[] {3, 7, 3},
                    concat(filled(DIM, 1), filled(DIM, 2), filled(DIM, 4))),
                rows(
                    "users",
                    new long[] {-1L, 1L << 40},
                    concat(filled(DIM, 0.5f), filled(DIM, -1)))));

    assertThat(ack.getCode()).isZero();
    assertThat(ack.getTableVersionsList())
        .containsExactly(
            GroupVersion.newBuilder().setGroup("items").setVersion(1).build(),
            GroupVersion.newBuilder().setGroup("users").setVersion(1).build());
    assertThat(pullValues(server.blocking(), "items", 7, 3, 0, 3))
        .containsExactly(concat(filled(DIM, -2), filled(DIM, -5), filled(DIM, 0), filled(DIM, -5)));
    assertThat(pullValues(server.blocking(), "users", 1L << 40, -1L, 99))
        .containsExactly(concat(filled(DIM, 1), filled(DIM, -0.5f), filled(DIM, 0)));
    // The pull of id 99 created nothing.
    assertThat(info(server.blocking(), "users").getRows()).isEqualTo(2);
    stream.requests.onCompleted();
  }

  @Test
  void push_tableInSeveralSlicesAndMessages_gatheredIntoOnePush() throws Exception {
    server.blocking().createTable(keyed("users", 0, DIM).build());
    Wire.PushStream stream = new Wire.PushStream(server.async());

    stream.requests.onNext(
        push(
                5,
                rows("users", new long[] {1}, filled(DIM, 1)),
                rows("users", new long[] {2}, filled(DIM, 2)))
            .toBuilder()
            .setContinued(true)
            .build());
    PushAck ack =
        stream.send(
            push(5, rows("users", new long[] {1, 3}, concat(filled(DIM, 10), filled(DIM, 3)))));

    assertThat(ack.getCode()).isZero();
    assertThat(ack.getTableVersionsList()).hasSize(1);
    assertThat(ack.getTableVersions(0).getVersion()).isEqualTo(1);
    assertThat(pullValues(server.blocking(), "users", 1, 2, 3))
        .containsExactly(concat(filled(DIM, -11), filled(DIM, -2), filled(DIM, -3)));
    stream.requests.onCompleted();
  }

  @Test
  void pullRows_manyRows_chunkedByMaxChunkBytesWithOffsets() throws Exception {
    server.blocking().createTable(indexed("items", 10, DIM).build());
    server.blocking().createTable(keyed("users", 0, DIM).build());
    Wire.PushStream stream = new Wire.PushStream(server.async());
    float[] gradient = new float[10 * DIM];
    for (int i = 0; i < gradient.length; i++) {
      gradient[i] = i;
    }
    stream.send(push(1, rows("items", new long[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, gradient)));

    List<RowChunk> chunks =
        pull(server.blocking(), select("items", 9, 8, 7, 6, 5, 4, 3), select("users"));

    // 3 rows fit in a chunk: 3 + 3 + 1 rows of items, then one empty chunk for users.
    assertThat(chunks)
        .extracting(RowChunk::getTable)
        .containsExactly("items", "items", "items", "users");
    assertThat(chunks).extracting(RowChunk::getOffset).containsExactly(0L, 3L, 6L, 0L);
    assertThat(chunks).extracting(RowChunk::getIdsCount).containsExactly(3, 3, 1, 0);
    assertThat(chunks.get(1).getIdsList()).containsExactly(6L, 5L, 4L);
    assertThat(Wire.floats(chunks.get(1).getValues()))
        .containsExactly(-24, -25, -26, -27, -20, -21, -22, -23, -16, -17, -18, -19);
    assertThat(chunks.get(0).getVersion()).isEqualTo(1);
    assertThat(chunks.get(3).getDim()).isEqualTo(DIM);
    stream.requests.onCompleted();
  }

  @Test
  void pullRows_ifNewerThan_notModifiedUntilChanged() throws Exception {
    server.blocking().createTable(keyed("users", 0, DIM).build());
    RowSelector current = select("users", 1).toBuilder().setIfNewerThan(0).build();

    List<RowChunk> before = pull(server.blocking(), current);
    Wire.PushStream stream = new Wire.PushStream(server.async());
    stream.send(push(1, rows("users", new long[] {1}, filled(DIM, 1))));
    List<RowChunk> after = pull(server.blocking(), current);

    assertThat(before).hasSize(1);
    assertThat(before.get(0).getNotModified()).isTrue();
    assertThat(before.get(0).getIdsCount()).isZero();
    assertThat(after).hasSize(1);
    assertThat(after.get(0).getNotModified()).isFalse();
    assertThat(Wire.floats(after.get(0).getValues())).containsExactly(filled(DIM, -1));
    stream.requests.onCompleted();
  }

  @Test
  void push_groupAndTable_atomic() throws Exception {
    Wire.create(server.async(), Wire.group("g", false, 1, 2, 3));
    server.blocking().createTable(keyed("users", 2, DIM).build());
    Wire.PushStream stream = new Wire.PushStream(server.async());
    PushRequest groupPart = Wire.push(1, Wire.slice("g", 1, 1, 1));

    PushAck pastLimit =
        stream.send(
            groupPart.toBuilder()
                .addRows(rows("users", new long[] {1, 2, 3}, filled(3 * DIM, 1)))
                .build());
    PushAck badGroup =
        stream.send(
            Wire.push(2, Wire.slice("g", 1, 1)).toBuilder()
                .addRows(rows("users", new long[] {1}, filled(DIM, 1)))
                .build());
    float[] groupAfterFailures = Wire.reassemble(server.blocking().pull(pullOf("g"))).get("g");
    PushAck both =
        stream.send(
            groupPart.toBuilder()
                .setPushId(3)
                .addRows(rows("users", new long[] {1}, filled(DIM, 1)))
                .build());

    assertThat(pastLimit.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED.value());
    assertThat(pastLimit.getMessage()).contains("limited to 2 rows");
    assertThat(badGroup.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT.value());
    assertThat(groupAfterFailures).containsExactly(1, 2, 3);
    assertThat(both.getCode()).isZero();
    assertThat(both.getVersions(0).getVersion()).isEqualTo(1);
    assertThat(both.getTableVersions(0).getVersion()).isEqualTo(1);
    assertThat(info(server.blocking(), "users").getRows()).isEqualTo(1);
    stream.requests.onCompleted();
  }

  @Test
  void push_sameSequenceRetried_appliedOnceAndAckedDuplicate() throws Exception {
    server.blocking().createTable(keyed("users", 0, DIM).build());
    Wire.PushStream stream = new Wire.PushStream(server.async());
    PushRequest push =
        push(1, rows("users", new long[] {4}, filled(DIM, 1))).toBuilder()
            .setWorkerId("w")
            .setSequence(1)
            .build();

    PushAck first = stream.send(push);
    PushAck retry = stream.send(push.toBuilder().setPushId(2).build());

    assertThat(first.getDuplicate()).isFalse();
    assertThat(retry.getDuplicate()).isTrue();
    assertThat(retry.getTableVersions(0).getVersion()).isEqualTo(1);
    assertThat(pullValues(server.blocking(), "users", 4)).containsExactly(filled(DIM, -1));
    stream.requests.onCompleted();
  }

  @Test
  void push_firstTouchesFromEightStreams_eachRowCreatedOnce() throws Exception {
    server.blocking().createTable(keyed("users", 0, DIM).build());
    int pushesPerStream = 50;
    long[] ids = new long[64];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = i * 1_000_003L;
    }
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Integer>> pushers = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      pushers.add(
          executor.submit(
              () -> {
                Wire.PushStream stream = new Wire.PushStream(server.async());
                start.await();
                int applied = 0;
                for (int p = 0; p < pushesPerStream; p++) {
                  if (stream
                          .send(push(p, rows("users", ids, filled(ids.length * DIM, 1))))
                          .getCode()
                      == 0) {
                    applied++;
                  }
                }
                stream.requests.onCompleted();
                return applied;
              }));
    }
    start.countDown();
    for (Future<Integer> pusher : pushers) {
      assertThat(pusher.get(40, TimeUnit.SECONDS)).isEqualTo(pushesPerStream);
    }

    TableInfo users = info(server.blocking(), "users");
    assertThat(users.getRows()).isEqualTo(ids.length);
    assertThat(users.getVersion()).isEqualTo(8 * pushesPerStream);
    assertThat(pullValues(server.blocking(), "users", ids))
        .containsOnly((float) -8 * pushesPerStream)
        .hasSize(ids.length * DIM);
  }

  @Test
  void setHyperparameters_tables_changesOnlyThoseTables() {
    server.blocking().createTable(keyed("users", 0, DIM).build());
    server.blocking().createTable(keyed("items", 0, DIM).build());

    var response =
        server
            .blocking()
            .setHyperparameters(
                SetHyperparametersRequest.newBuilder()
                    .addTables("users")
                    .setHyperparameters(
                        io.paramstream.proto.v1.Hyperparameters.newBuilder().setLearningRate(0.25))
                    .build());

    assertThat(response.getTablesList()).extracting(TableInfo::getName).containsExactly("users");
    assertThat(response.getGroupsList()).isEmpty();
    assertThat(info(server.blocking(), "users").getHyperparameters().getLearningRate())
        .isEqualTo(0.25);
    assertThat(info(server.blocking(), "items").getHyperparameters().getLearningRate())
        .isEqualTo(1.0);
  }

  @Test
  void metricsAndDashboard_rowsAndRowsPushedPerTable() throws Exception {
    server.blocking().createTable(keyed("users", 0, DIM).build());
    server.blocking().createTable(indexed("items", 6, DIM).build());
    Wire.PushStream stream = new Wire.PushStream(server.async());
    stream.send(push(1, rows("users", new long[] {1, 2, 2}, filled(3 * DIM, 1))));

    assertThat(metric("paramstream_table_rows", "users")).isEqualTo(2);
    assertThat(metric("paramstream_table_rows", "items")).isEqualTo(6);
    assertThat(metric("paramstream_table_rows_pushed", "users")).isEqualTo(3);
    assertThat(metric("paramstream_table_version", "users")).isEqualTo(1);
    assertThat(new StatusReport(server.server()).now().tables())
        .extracting(ServerStatus.Table::name, ServerStatus.Table::rows)
        .containsExactly(tuple("items", 6L), tuple("users", 2L));

    server.blocking().deleteTables(DeleteTablesRequest.newBuilder().addNames("users").build());
    assertThat(metric("paramstream_table_rows", "users")).isNaN();
    assertThat(metric("paramstream_table_rows_pushed", "users")).isNaN();
    stream.requests.onCompleted();
  }

  /** The value of {@code name}'s data point for {@code table}, or NaN when there is none. */
  private double metric(String name, String table) {
    for (MetricSnapshot snapshot : server.server().metrics().registry().scrape()) {
      if (!snapshot.getMetadata().getName().equals(name)) {
        continue;
      }
      for (DataPointSnapshot point : snapshot.getDataPoints()) {
        if (!table.equals(point.getLabels().get("table"))) {
          continue;
        }
        if (point instanceof GaugeSnapshot.GaugeDataPointSnapshot gauge) {
          return gauge.getValue();
        }
        return ((CounterSnapshot.CounterDataPointSnapshot) point).getValue();
      }
    }
    return Double.NaN;
  }

  private static PullRequest pullOf(String group) {
    return PullRequest.newBuilder()
        .addGroups(io.paramstream.proto.v1.GroupSelector.newBuilder().setName(group))
        .build();
  }

  static float[] concat(float[]... parts) {
    int length = 0;
    for (float[] part : parts) {
      length += part.length;
    }
    float[] all = new float[length];
    int at = 0;
    for (float[] part : parts) {
      System.arraycopy(part, 0, all, at, part.length);
      at += part.length;
    }
    return all;
  }
}
