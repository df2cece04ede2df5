package io.paramstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.paramstream.client.CheckpointInfo;
import io.paramstream.client.ErrorCode;
import io.paramstream.client.GroupSpec;
import io.paramstream.client.Hyperparameters;
import io.paramstream.client.OptimizerSpec;
import io.paramstream.client.ParamstreamClient;
import io.paramstream.client.ParamstreamException;
import io.paramstream.client.PushResult;
import io.paramstream.client.PushSession;
import io.paramstream.client.RowGradient;
import io.paramstream.client.RowInitializer;
import io.paramstream.client.RowQuery;
import io.paramstream.client.TableInfo;
import io.paramstream.client.TableRows;
import io.paramstream.client.TableSpec;
import io.paramstream.server.DurabilityConfig;
import io.paramstream.server.LimitsConfig;
import io.paramstream.server.ParamstreamServer;
import io.paramstream.server.ServerConfig;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The Java client's sparse-table API against the real server over Netty on loopback. */
@Timeout(120)
class ClientTablesEndToEndTest {

  private static final Hyperparameters HYPER = new Hyperparameters(0.1, 0.01);

  @RegisterExtension final NettyServerExtension netty = new NettyServerExtension();

  private static float[] initial(RowInitializer spec, long id, int dim) {
    float[] row = new float[dim];
    new io.paramstream.core.table.RowInitializer(
            io.paramstream.core.table.RowInitializer.Kind.valueOf(spec.kind().name()),
            spec.scale(),
            spec.seed())
        .fill(id, row, 0, dim);
    return row;
  }

  /** The server's SGD step with decay, in float32 as the contract states it. */
  private static float step(float theta, float gradient) {
    return theta
        - ((float) HYPER.learningRate() * gradient
            + (float) (HYPER.learningRate() * HYPER.weightDecay()) * theta);
  }

  @Test
  void keyedTable_pullThenPushWithDuplicateIds_startsFromInitializerAndSumsDuplicates() {
    ParamstreamClient client = netty.client();
    RowInitializer init = RowInitializer.normal(0.5, 42);
    TableInfo created =
        client.createTable(
            TableSpec.builder("emb", 4)
                .keyed(0)
                .weightDecay(true)
                .hyperparameters(HYPER)
                .initializer(init)
                .build());
    long big = 0x7fff_0000_1234_5678L;

    TableRows before = client.pullRows("emb", big, -3, big);
    PushResult pushed =
        client.pushRows(
            new RowGradient(
                "emb",
                new long[] {big, -3, big},
                new float[] {1, 1, 1, 1, 2, 2, 2, 2, 0.5f, 0.5f, 0.5f, 0.5f}));
    TableRows after = client.pullRows("emb", -3, big);

    assertThat(created.keyed()).isTrue();
    assertThat(created.version()).isZero();
    assertThat(created.initializer()).isEqualTo(init);
    assertThat(before.ids()).containsExactly(big, -3, big);
    assertThat(before.row(0)).containsExactly(initial(init, big, 4));
    assertThat(before.row(1)).containsExactly(initial(init, -3, 4));
    assertThat(before.row(2)).containsExactly(before.row(0));
    assertThat(pushed.tableVersions()).containsExactly(Map.entry("emb", 1L));
    assertThat(pushed.versions()).isEmpty();
    float[] expectedBig = initial(init, big, 4);
    float[] expectedNeg = initial(init, -3, 4);
    for (int k = 0; k < 4; k++) {
      expectedBig[k] = step(expectedBig[k], 1.5f);
      expectedNeg[k] = step(expectedNeg[k], 2f);
    }
    assertThat(after.version()).isEqualTo(1);
    assertThat(after.row(0)).containsExactly(expectedNeg);
    assertThat(after.row(1)).containsExactly(expectedBig);
    assertThat(client.listTables("emb")).singleElement().extracting(TableInfo::rows).isEqualTo(2L);
  }

  @Test
  void pushRows_largerThanOneMessage_isSplitAndAppliedWhole() {
    ParamstreamClient client = netty.client();
    int rows = 200_000;
    int dim = 8;
    // 200k rows of 8 floats and an 8-byte id: 7.6 MiB, past the server's 4 MiB message limit.
    client.createTable(TableSpec.builder("big", dim).indexed(rows).hyperparameters(HYPER).build());
    long[] ids = new long[rows];
    float[] gradient = new float[rows * dim];
    for (int i = 0; i < rows; i++) {
      ids[i] = rows - 1 - i;
      for (int k = 0; k < dim; k++) {
        gradient[i * dim + k] = (i % 100) + k;
      }
    }

    PushResult result = client.pushRows(new RowGradient("big", ids, gradient));
    TableRows pulled = client.pullRows("big", ids);

    assertThat(result.tableVersions()).containsEntry("big", 1L);
    assertThat(pulled.values()).hasSize(rows * dim);
    for (int i = 0; i < rows; i += 997) {
      for (int k = 0; k < dim; k++) {
        assertThat(pulled.values()[i * dim + k])
            .as("row %d element %d", ids[i], k)
            .isEqualTo(-(float) HYPER.learningRate() * gradient[i * dim + k]);
      }
    }
  }

  @Test
  void pushSession_groupsAndRowsInOnePush_updatesBothAtomically() throws Exception {
    ParamstreamClient client = netty.client();
    client.createGroup(new GroupSpec("bias", new float[] {1, 2}, false, HYPER));
    client.createTable(TableSpec.builder("items", 2).indexed(5).hyperparameters(HYPER).build());

    PushResult result;
    try (PushSession session = client.openPushSession()) {
      result =
          session
              .push(
                  Map.of("bias", new float[] {1, 1}),
                  List.of(new RowGradient("items", new long[] {4}, new float[] {10, 20})))
              .get();
      ParamstreamException rejected =
          (ParamstreamException)
              session
                  .push(
                      Map.of("bias", new float[] {1, 1}),
                      List.of(new RowGradient("items", new long[] {5}, new float[] {1, 1})))
                  .handle(
                      (ok, failure) -> failure.getCause() == null ? failure : failure.getCause())
                  .get();
      assertThat(rejected.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
      assertThat(rejected.getMessage()).contains("5").contains("items");
    }

    assertThat(result.versions()).containsEntry("bias", 1L);
    assertThat(result.tableVersions()).containsEntry("items", 1L);
    // The rejected push changed neither the group nor the table.
    assertThat(client.pull("bias").get("bias").values()).containsExactly(0.9f, 1.9f);
    assertThat(client.pullRows("items", 4).values()).containsExactly(-1f, -2f);
    assertThat(client.listTables("items").get(0).version()).isEqualTo(1);
  }

  @Test
  void pushExactlyOnce_sameSequenceTwice_appliesRowsOnce() {
    ParamstreamClient client = netty.client();
    client.createTable(TableSpec.builder("t", 1).indexed(3).hyperparameters(HYPER).build());
    List<RowGradient> rows = List.of(new RowGradient("t", new long[] {2}, new float[] {1}));

    PushResult first = client.pushExactlyOnce("w1", 1, Map.of(), rows);
    // A retry of the same (worker, sequence), as after a lost ack: acknowledged, not applied.
    client.pushExactlyOnce("w1", 1, Map.of(), rows);

    assertThat(first.tableVersions()).containsEntry("t", 1L);
    assertThat(client.pullRows("t", 2).values()).containsExactly(-0.1f);
    assertThat(client.listTables("t").get(0).version()).isEqualTo(1);
  }

  @Test
  void pullRows_severalTablesWithIfNewerThan_skipsTablesNotNewer() {
    ParamstreamClient client = netty.client();
    client.createTable(TableSpec.builder("a", 1).hyperparameters(HYPER).build());
    client.createTable(TableSpec.keyed("b", 1));
    client.pushRows(new RowGradient("a", new long[] {7}, new float[] {1}));

    Map<String, TableRows> rows =
        client.pullRows(
            List.of(RowQuery.ifNewerThan("a", 0, 7, 8), RowQuery.ifNewerThan("b", 0, 1)));

    assertThat(rows).containsOnlyKeys("a");
    assertThat(rows.get("a").values()).containsExactly(-0.1f, 0f);
  }

  @Test
  void tableAdministration_listSetHyperparametersDelete_reflectsEveryChange() {
    ParamstreamClient client = netty.client();
    client.createTable(
        TableSpec.builder("t1", 3)
            .keyed(100)
            .optimizer(OptimizerSpec.adam(0.9, 0.999, 1e-8))
            .hyperparameters(HYPER)
            .build());
    client.createTable(TableSpec.indexed("t2", 10, 2));

    List<TableInfo> changed = client.setTableHyperparameters(new Hyperparameters(0.5, 0), "t1");
    List<TableInfo> listed = client.listTables();
    client.deleteTables("t1");

    assertThat(changed)
        .singleElement()
        .extracting(TableInfo::hyperparameters)
        .isEqualTo(new Hyperparameters(0.5, 0));
    assertThat(listed).extracting(TableInfo::name).containsExactly("t1", "t2");
    assertThat(listed.get(0).maxRows()).isEqualTo(100);
    assertThat(listed.get(0).optimizer().kind()).isEqualTo(OptimizerSpec.Kind.ADAM);
    assertThat(listed.get(1).rows()).isEqualTo(10);
    assertThat(client.listTables()).extracting(TableInfo::name).containsExactly("t2");
    assertThatThrownBy(() -> client.deleteTables("t1"))
        .isInstanceOf(ParamstreamException.class)
        .hasMessageContaining("t1")
        .extracting(e -> ((ParamstreamException) e).code())
        .isEqualTo(ErrorCode.NOT_FOUND);
  }

  @Test
  void badInput_getsTheServersCodeNamingTheValue_andChangesNothing() {
    ParamstreamClient client = netty.client();
    client.createTable(TableSpec.indexed("t", 4, 2));

    assertThatThrownBy(() -> client.createTable(TableSpec.indexed("t", 4, 2)))
        .isInstanceOf(ParamstreamException.class)
        .extracting(e -> ((ParamstreamException) e).code())
        .isEqualTo(ErrorCode.ALREADY_EXISTS);
    assertThatThrownBy(() -> client.pullRows("t", 4))
        .isInstanceOf(ParamstreamException.class)
        .hasMessageContaining("4")
        .extracting(e -> ((ParamstreamException) e).code())
        .isEqualTo(ErrorCode.INVALID_ARGUMENT);
    assertThatThrownBy(
            () -> client.pushRows(new RowGradient("t", new long[] {0}, new float[] {1, 2, 3})))
        .isInstanceOf(ParamstreamException.class)
        .extracting(e -> ((ParamstreamException) e).code())
        .isEqualTo(ErrorCode.INVALID_ARGUMENT);
    assertThatThrownBy(
            () -> client.pushRows(new RowGradient("t", new long[] {1}, new float[] {1, Float.NaN})))
        .isInstanceOf(ParamstreamException.class)
        .extracting(e -> ((ParamstreamException) e).code())
        .isEqualTo(ErrorCode.INVALID_ARGUMENT);
    assertThatThrownBy(() -> client.pullRows("nope", 1))
        .isInstanceOf(ParamstreamException.class)
        .hasMessageContaining("nope")
        .extracting(e -> ((ParamstreamException) e).code())
        .isEqualTo(ErrorCode.NOT_FOUND);
    assertThat(client.listTables("t").get(0).version()).isZero();
    assertThat(client.pullRows("t", 0, 1, 2, 3).values()).containsOnly(0f);
  }

  @Test
  void checkpoint_withTables_reportsHowManyItHolds(@TempDir Path dir) throws Exception {
    try (ParamstreamServer server =
            ParamstreamServer.start(
                NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)),
                ServerConfig.defaults(),
                DurabilityConfig.in(dir, Duration.ZERO, 2),
                LimitsConfig.none());
        ParamstreamClient client =
            ParamstreamClient.builder().target("127.0.0.1:" + server.port()).build()) {
      client.createGroup(GroupSpec.zeros("g", 3, false));
      client.createTable(TableSpec.keyed("k", 2));
      client.createTable(TableSpec.indexed("i", 4, 2));
      client.pushRows(new RowGradient("k", new long[] {9}, new float[] {1, 1}));

      CheckpointInfo info = client.checkpoint();

      assertThat(info.groups()).isEqualTo(1);
      assertThat(info.tables()).isEqualTo(2);
      assertThat(dir.resolve(info.file())).isRegularFile();
    }
  }

  @Test
  void unreachableServer_namesTargetOperationAndTable() {
    String target = netty.target();
    netty.server().close();
    try (ParamstreamClient client =
        ParamstreamClient.builder().target(target).deadline(Duration.ofSeconds(5)).build()) {
      assertThatThrownBy(() -> client.pullRows("users", 1, 2))
          .isInstanceOf(ParamstreamException.class)
          .hasMessageContaining("connection refused to " + target)
          .hasMessageContaining("while pulling rows of table 'users'");
      assertThatThrownBy(
              () -> client.pushRows(new RowGradient("users", new long[] {1}, new float[] {1})))
          .isInstanceOf(ParamstreamException.class)
          .hasMessageContaining("connection refused to " + target)
          .hasMessageContaining("while pushing table 'users'");
      assertThatThrownBy(() -> client.createTable(TableSpec.keyed("users", 2)))
          .isInstanceOf(ParamstreamException.class)
          .hasMessageContaining("while creating table 'users'");
    }
  }
}
