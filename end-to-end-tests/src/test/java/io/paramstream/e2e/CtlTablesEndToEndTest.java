package io.paramstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.paramstream.client.GroupSpec;
import io.paramstream.client.Hyperparameters;
import io.paramstream.client.OptimizerSpec;
import io.paramstream.client.ParamstreamClient;
import io.paramstream.client.RowGradient;
import io.paramstream.client.RowInitializer;
import io.paramstream.client.TableInfo;
import io.paramstream.client.TableRows;
import io.paramstream.client.TableSpec;
import io.paramstream.client.cluster.ShardedClient;
import io.paramstream.server.DurabilityConfig;
import io.paramstream.server.LimitsConfig;
import io.paramstream.server.ParamstreamServer;
import io.paramstream.server.ServerConfig;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** paramstream-ctl's sparse-table commands against a real server over Netty on loopback. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CtlTablesEndToEndTest {

  @RegisterExtension final NettyServerExtension netty = new NettyServerExtension();

  @TempDir Path work;

  private static final int DIM = 3;

  private CtlRun ctl(String... args) {
    return CtlRun.run(netty.target(), args);
  }

  @BeforeEach
  void createTables() {
    netty
        .client()
        .createTable(
            TableSpec.builder("emb", DIM)
                .indexed(10)
                .weightDecay(true)
                .hyperparameters(new Hyperparameters(0.1, 0.01))
                .optimizer(OptimizerSpec.adam(0.9, 0.999, 1e-8))
                .initializer(RowInitializer.uniform(0.5, 7))
                .build());
    netty.client().createTable(TableSpec.builder("ids", 2).keyed(100).build());
    netty.client().pushRows(new RowGradient("ids", new long[] {42}, new float[] {1, 2}));
  }

  @Test
  void tablesList_tableAndJson() throws Exception {
    CtlRun table = ctl("tables", "list");
    assertThat(table.exitCode()).isZero();
    assertThat(table.err()).isEmpty();
    assertThat(table.out().lines().toList())
        .hasSize(3)
        .anyMatch(line -> line.matches("NAME\\s+KIND\\s+DIM\\s+ROWS\\s+MAX_ROWS\\s+BYTES.*"))
        .anyMatch(
            line -> line.matches("emb\\s+indexed\\s+3\\s+10\\s+10\\s+\\d+\\s+0\\s+yes\\s+ADAM.*"))
        .anyMatch(
            line -> line.matches("ids\\s+keyed\\s+2\\s+1\\s+100\\s+\\d+\\s+1\\s+no\\s+SGD.*"));

    JsonNode tables = ctl("tables", "list", "-o", "json").json();
    assertThat(tables).hasSize(2);
    JsonNode emb = tables.get(0);
    assertThat(emb.get("name").asText()).isEqualTo("emb");
    assertThat(emb.get("keyed").asBoolean()).isFalse();
    assertThat(emb.get("dim").asInt()).isEqualTo(DIM);
    assertThat(emb.get("rows").asLong()).isEqualTo(10);
    assertThat(emb.get("bytes").asLong()).isPositive();
    assertThat(emb.get("optimizer").get("kind").asText()).isEqualTo("ADAM");
    assertThat(emb.get("hyperparameters").get("learningRate").asDouble()).isEqualTo(0.1);
    assertThat(tables.get(1).get("version").asLong()).isEqualTo(1);
  }

  @Test
  void tablesList_named_onlyThat_unknownRefusedWithExit1() throws Exception {
    JsonNode named = ctl("tables", "list", "ids", "-o", "json").json();
    assertThat(named).hasSize(1);
    assertThat(named.get(0).get("name").asText()).isEqualTo("ids");

    CtlRun unknown = ctl("tables", "list", "nope");
    assertThat(unknown.exitCode()).isEqualTo(1);
    assertThat(unknown.err()).startsWith("paramstream-ctl: NOT_FOUND: ").contains("nope");
    assertThat(unknown.err()).hasLineCount(1);
    assertThat(unknown.out()).isEmpty();
  }

  @Test
  void tablesWithoutSubcommand_isUsageErrorExit2() {
    CtlRun run = CtlRun.exactly("tables");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("name a subcommand: list or delete");
  }

  @Test
  void tablesDelete_allOrNone() throws Exception {
    CtlRun refused = ctl("tables", "delete", "emb", "nope");
    assertThat(refused.exitCode()).isEqualTo(1);
    assertThat(refused.err()).startsWith("paramstream-ctl: NOT_FOUND: ").contains("nope");
    assertThat(netty.client().listTables()).hasSize(2);

    CtlRun deleted = ctl("tables", "delete", "emb", "-o", "json");
    assertThat(deleted.exitCode()).isZero();
    assertThat(deleted.json().get("deleted").get(0).asText()).isEqualTo("emb");
    assertThat(netty.client().listTables()).extracting("name").containsExactly("ids");

    CtlRun text = ctl("tables", "delete", "ids");
    assertThat(text.out().strip()).isEqualTo("deleted ids");
    assertThat(netty.client().listTables()).isEmpty();
  }

  @Test
  void pullRows_csv_idThenExactValuesInIdOrder() {
    TableRows expected = netty.client().pullRows("emb", 7, 0, 7);

    CtlRun csv = ctl("pull-rows", "emb", "--ids", "7,0,7");
    assertThat(csv.exitCode()).isZero();
    List<String> lines = csv.out().lines().toList();
    assertThat(lines).hasSize(3);
    for (int i = 0; i < 3; i++) {
      String[] fields = lines.get(i).split(",");
      assertThat(Long.parseLong(fields[0])).isEqualTo(expected.ids()[i]);
      float[] row = new float[DIM];
      for (int j = 0; j < DIM; j++) {
        row[j] = Float.parseFloat(fields[j + 1]);
      }
      assertThat(row).containsExactly(expected.row(i));
    }
    assertThat(expected.row(0)).isNotEqualTo(new float[DIM]); // uniform init, not zeros
  }

  @Test
  void pullRows_json_keyedTable_rowsWithIdsAndVersion() throws Exception {
    CtlRun run = ctl("pull-rows", "ids", "--ids", "42,5", "--format", "json");
    assertThat(run.exitCode()).isZero();
    JsonNode json = run.json();
    assertThat(json.get("table").asText()).isEqualTo("ids");
    assertThat(json.get("version").asLong()).isEqualTo(1);
    assertThat(json.get("dim").asInt()).isEqualTo(2);
    assertThat(json.get("rows").get(0).get("id").asLong()).isEqualTo(42);
    // The keyed table's SGD step at lr 0.01 (the server default) moved row 42 off zero.
    assertThat(json.get("rows").get(0).get("values").get(1).floatValue()).isNotZero();
    assertThat(json.get("rows").get(1).get("id").asLong()).isEqualTo(5);
    assertThat(json.get("rows").get(1).get("values")).hasSize(2);
  }

  @Test
  void pullRows_npy_isIdsByDimMatrixOfTheRows() throws Exception {
    Path file = work.resolve("emb.npy");
    CtlRun run =
        ctl("pull-rows", "emb", "--ids", "9,1", "--format", "npy", "--out", file.toString());
    assertThat(run.exitCode()).isZero();

    NpyContents npy = NpyContents.read(file);
    assertThat(npy.header())
        .isEqualTo("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }");
    assertThat(npy.values()).containsExactly(netty.client().pullRows("emb", 9, 1).values());
  }

  @Test
  void pullRows_unknownTable_exit1NotFoundNamingIt() {
    CtlRun run = ctl("pull-rows", "nope", "--ids", "1");
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).startsWith("paramstream-ctl: NOT_FOUND: ").contains("nope");
    assertThat(run.out()).isEmpty();
  }

  @Test
  void pullRows_idOutsideIndexedTable_exit1InvalidArgumentNamingIt() {
    CtlRun run = ctl("pull-rows", "emb", "--ids", "1,12345");
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).startsWith("paramstream-ctl: INVALID_ARGUMENT: ").contains("12345");
    assertThat(run.err()).hasLineCount(1);
  }

  @Test
  void pullRows_idNotANumber_usageErrorExit2NamingIt() {
    CtlRun run = ctl("pull-rows", "emb", "--ids", "1,x2");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("'x2'").contains("--ids");
  }

  @Test
  void pullRows_withoutIds_usageErrorExit2() {
    CtlRun run = ctl("pull-rows", "emb");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("--ids");
  }

  @Test
  void pullRows_npyToStdout_usageErrorExit2() {
    CtlRun run = ctl("pull-rows", "emb", "--ids", "1", "--format", "npy");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("--format npy needs --out FILE").hasLineCount(1);
  }

  @Test
  void setHyperparameters_noNames_changesTablesToo_keepingWhatIsNotGiven() {
    assertThat(ctl("set-hyperparameters", "--lr", "0.3").exitCode()).isZero();

    assertThat(netty.client().listTables("emb").get(0).hyperparameters())
        .isEqualTo(new Hyperparameters(0.3, 0.01));
    assertThat(netty.client().listTables("ids").get(0).hyperparameters().learningRate())
        .isEqualTo(0.3);
  }

  @Test
  void placement_twoShards_showsEachShardsPartOfATable() throws Exception {
    try (ParamstreamServer second =
            ParamstreamServer.start(
                NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)),
                ServerConfig.defaults().withShutdownGrace(Duration.ofSeconds(1)));
        ShardedClient cluster =
            ShardedClient.builder()
                .addresses(List.of(netty.target(), "127.0.0.1:" + second.port()))
                .deadline(Duration.ofSeconds(10))
                .build()) {
      cluster.createTable(TableSpec.indexed("spread", 6, 4));
      CtlRun run =
          ctl(
              "placement",
              "--cluster",
              netty.target() + ",127.0.0.1:" + second.port(),
              "--timeout",
              "5s");
      assertThat(run.exitCode()).isZero();
      List<String> lines = run.out().lines().toList();
      assertThat(lines).anyMatch(line -> line.matches("TABLE\\s+SHARD\\s+KIND\\s+DIM\\s+ROWS.*"));
      // Six rows over two shards: three on each.
      assertThat(
              lines.stream()
                  .filter(line -> line.matches("spread\\s+\\d\\s+indexed\\s+4\\s+3\\s.*")))
          .hasSize(2);
      assertThat(lines).anyMatch(line -> line.matches("emb\\s+\\d\\s+indexed\\s+3\\s+10\\s.*"));
      // Each shard's summary line counts its table parts and their bytes.
      String secondTarget = "127.0.0.1:" + second.port();
      try (ParamstreamClient secondShard =
          ParamstreamClient.builder().target(secondTarget).build()) {
        long secondBytes = secondShard.listTables().get(0).bytes();
        long firstBytes = netty.client().listTables().stream().mapToLong(TableInfo::bytes).sum();
        assertThat(lines)
            .anyMatch(
                line ->
                    line.matches(
                        "\\d\\s+" + secondTarget + "\\s+up\\s+0\\s+0\\s+" + secondBytes + "\\s+1"))
            .anyMatch(
                line ->
                    line.matches(
                        "\\d\\s+"
                            + netty.target()
                            + "\\s+up\\s+0\\s+0\\s+"
                            + firstBytes
                            + "\\s+3"));
      }
    }
  }

  @Test
  void placement_noTables_printsNoTableSection() throws Exception {
    netty.client().deleteTables("emb", "ids");
    netty.client().createGroup(GroupSpec.zeros("g", 2, false));
    CtlRun run = ctl("placement", "--cluster", netty.target());
    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).contains("GROUP");
    assertThat(run.out().lines()).noneMatch(line -> line.startsWith("TABLE"));
    assertThat(run.out().lines())
        .anyMatch(line -> line.matches("0\\s+\\S+\\s+up\\s+8\\s+1\\s+0\\s+0"));
  }

  @Test
  void checkpoint_countsTables(@TempDir Path checkpoints) throws Exception {
    try (ParamstreamServer server =
            ParamstreamServer.start(
                NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)),
                ServerConfig.defaults().withShutdownGrace(Duration.ofSeconds(1)),
                DurabilityConfig.in(checkpoints, Duration.ZERO, 2),
                LimitsConfig.none());
        ParamstreamClient client =
            ParamstreamClient.builder().target("127.0.0.1:" + server.port()).build()) {
      client.createGroup(GroupSpec.zeros("g", 2, false));
      client.createTable(TableSpec.keyed("k", 2));
      client.createTable(TableSpec.indexed("i", 4, 2));
      String target = "127.0.0.1:" + server.port();

      CtlRun text = CtlRun.run(target, "checkpoint");
      assertThat(text.exitCode()).isZero();
      assertThat(text.out()).matches("wrote \\S+ \\(1 groups, 2 tables\\)\\R");

      JsonNode json = CtlRun.run(target, "checkpoint", "-o", "json").json();
      assertThat(json.get("tables").asLong()).isEqualTo(2);
      assertThat(checkpoints.resolve(json.get("file").asText())).isRegularFile();
    }
  }
}
