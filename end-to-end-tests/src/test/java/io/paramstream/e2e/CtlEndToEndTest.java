package io.paramstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.paramstream.client.GroupInfo;
import io.paramstream.client.GroupSpec;
import io.paramstream.client.Hyperparameters;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Every paramstream-ctl command against a real server over Netty on loopback. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CtlEndToEndTest {

  @RegisterExtension final NettyServerExtension netty = new NettyServerExtension();

  @TempDir Path work;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final float[] W = {1.5f, -2.25f, 0.1f, Float.MIN_VALUE};

  private CtlRun ctl(String... args) {
    return CtlRun.run(netty.target(), args);
  }

  @BeforeEach
  void createGroups() {
    netty.client().createGroup(new GroupSpec("w", W, true, new Hyperparameters(0.1, 0.01)));
    netty.client().createGroup(new GroupSpec("b", new float[] {0f, 1f}, false, null));
  }

  @Test
  void groupsList_tableAndJson() throws Exception {
    CtlRun table = ctl("groups", "list");
    assertThat(table.exitCode()).isZero();
    assertThat(table.out().lines().toList())
        .hasSize(3)
        .anyMatch(line -> line.startsWith("NAME"))
        .anyMatch(line -> line.matches("w\\s+4\\s+0\\s+yes\\s+0\\.1\\s+0\\.01"));

    JsonNode groups = ctl("groups", "list", "--output", "json").json();
    assertThat(groups).hasSize(2);
    assertThat(groups.get(0).get("name").asText()).isEqualTo("b");
    assertThat(groups.get(1).get("size").asLong()).isEqualTo(4);
    assertThat(groups.get(1).get("hyperparameters").get("learningRate").asDouble()).isEqualTo(0.1);
  }

  @Test
  void groupsDescribe_namedGroupOnly_unknownRefusedWithExit1() throws Exception {
    CtlRun described = ctl("groups", "describe", "w");
    assertThat(described.exitCode()).isZero();
    assertThat(described.out()).contains("name:           w").contains("16 bytes");

    CtlRun unknown = ctl("groups", "describe", "nope");
    assertThat(unknown.exitCode()).isEqualTo(1);
    assertThat(unknown.err()).startsWith("paramstream-ctl: NOT_FOUND: ").contains("nope");
    assertThat(unknown.out()).isEmpty();
  }

  @Test
  void groupsDelete_allOrNone() throws Exception {
    CtlRun refused = ctl("groups", "delete", "w", "nope");
    assertThat(refused.exitCode()).isEqualTo(1);
    assertThat(netty.client().listGroups()).hasSize(2);

    CtlRun deleted = ctl("groups", "delete", "w", "b", "-o", "json");
    assertThat(deleted.exitCode()).isZero();
    assertThat(deleted.json().get("deleted")).hasSize(2);
    assertThat(netty.client().listGroups()).isEmpty();
  }

  @Test
  void pull_csvAndJson_holdTheExactValues() throws Exception {
    CtlRun csv = ctl("pull", "w");
    assertThat(csv.exitCode()).isZero();
    assertThat(csv.out().lines().map(Float::parseFloat).toList())
        .containsExactly(W[0], W[1], W[2], W[3]);

    Path file = work.resolve("w.json");
    assertThat(ctl("pull", "w", "--format", "json", "--out", file.toString()).exitCode()).isZero();
    JsonNode json = JSON.readTree(file.toFile());
    assertThat(json.get("name").asText()).isEqualTo("w");
    assertThat(json.get("version").asLong()).isZero();
    assertThat(json.get("values")).hasSize(4);
    assertThat(json.get("values").get(3).floatValue()).isEqualTo(Float.MIN_VALUE);
  }

  @Test
  void pull_npy_hasNumpyV1HeaderAndLittleEndianFloats() throws Exception {
    Path file = work.resolve("w.npy");
    assertThat(ctl("pull", "w", "--format", "NPY", "--out", file.toString()).exitCode()).isZero();

    NpyContents npy = NpyContents.read(file);
    assertThat(npy.header()).isEqualTo("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }");
    assertThat(npy.values()).containsExactly(W);
  }

  @Test
  void pull_npyToStdout_isUsageErrorExit2() {
    CtlRun run = ctl("pull", "w", "--format", "npy");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("--format npy needs --out FILE").hasLineCount(1);
  }

  @Test
  void setHyperparameters_changesOnlyWhatIsGiven() throws Exception {
    assertThat(ctl("set-hyperparameters", "--lr", "0.5", "w").exitCode()).isZero();
    assertThat(hyperparameters("w")).isEqualTo(new Hyperparameters(0.5, 0.01));

    assertThat(ctl("set-hyperparameters", "--weight-decay", "0.2", "w").exitCode()).isZero();
    assertThat(hyperparameters("w")).isEqualTo(new Hyperparameters(0.5, 0.2));

    CtlRun all = ctl("set-hyperparameters", "--lr", "0.3", "--weight-decay", "0", "-o", "json");
    assertThat(all.exitCode()).isZero();
    assertThat(all.json()).hasSize(2);
    assertThat(hyperparameters("w")).isEqualTo(new Hyperparameters(0.3, 0));
    assertThat(hyperparameters("b")).isEqualTo(new Hyperparameters(0.3, 0));
  }

  @Test
  void setHyperparameters_nothingGiven_isUsageErrorExit2() {
    CtlRun run = ctl("set-hyperparameters", "w");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("give --lr, --weight-decay or both").hasLineCount(1);
  }

  @Test
  void setHyperparameters_negativeRate_refusedWithStatusAndMessage() {
    CtlRun run = ctl("set-hyperparameters", "--lr", "-1", "w");
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).startsWith("paramstream-ctl: INVALID_ARGUMENT: ").hasLineCount(1);
  }

  @Test
  void stats_json_namesTheMode() throws Exception {
    netty.client().push(Map.of("w", new float[4]));
    CtlRun table = ctl("stats");
    assertThat(table.exitCode()).isZero();
    assertThat(table.out()).contains("mode:                  ASYNCHRONOUS");
    JsonNode stats = ctl("stats", "--output", "json").json();
    assertThat(stats.get("mode").asText()).isEqualTo("ASYNCHRONOUS");
    assertThat(stats.get("step").asLong()).isZero();
  }

  @Test
  void checkpoint_withoutCheckpointDir_refusedWithExit1() {
    CtlRun run = ctl("checkpoint");
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err())
        .isEqualTo(
            "paramstream-ctl: FAILED_PRECONDITION: checkpoints are off: start the server with"
                + " --checkpoint-dir"
                + System.lineSeparator());
  }

  @Test
  void health_serving_exit0() throws Exception {
    CtlRun run = ctl("health");
    assertThat(run.exitCode()).isZero();
    assertThat(run.out().strip()).isEqualTo("SERVING");
    assertThat(
            ctl("health", "-o", "json", "--service", "paramstream.v1.ParameterServer")
                .json()
                .get("status")
                .asText())
        .isEqualTo("SERVING");
  }

  @Test
  void placement_oneShardCluster_showsItsGroups() {
    CtlRun run = ctl("placement", "--cluster", netty.target(), "--timeout", "5s");
    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).contains(netty.target()).contains("up");
    assertThat(run.out().lines()).anyMatch(line -> line.startsWith("w "));
  }

  @Test
  void serverDown_exit1NamingConnectionRefusedAndTarget() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    CtlRun run = ctl("stats", "--target", "127.0.0.1:" + closedPort);
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err())
        .isEqualTo(
            "paramstream-ctl: UNAVAILABLE: connection refused to 127.0.0.1:"
                + closedPort
                + " while reading stats"
                + System.lineSeparator());
  }

  @Test
  void unknownOption_isUsageErrorExit2NamingIt() {
    CtlRun run = ctl("groups", "list", "--outptu", "json");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("'--outptu'").hasLineCount(1);
  }

  @Test
  void tlsCertWithoutCa_isUsageErrorExit2() {
    CtlRun run = ctl("stats", "--tls-cert", "c.pem", "--tls-key", "k.pem");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("--tls-cert needs --tls-ca");
  }

  private Hyperparameters hyperparameters(String name) {
    GroupInfo group = netty.client().listGroups(name).get(0);
    return group.hyperparameters();
  }
}
