package io.paramstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.paramstream.client.GroupSpec;
import io.paramstream.client.ParamstreamClient;
import io.paramstream.client.TableSpec;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The shaded paramstream-ctl jar as a process against the shaded server jar as a process. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CtlProcessTest {

  @TempDir Path work;

  @Test
  void healthCheckpointAndPullRows_againstServerWithCheckpoints() throws Exception {
    Path checkpoints = work.resolve("checkpoints");
    try (LoggedServerProcess server =
            LoggedServerProcess.start(
                work.resolve("logs"), "--checkpoint-dir", checkpoints.toString());
        ParamstreamClient client =
            ParamstreamClient.builder().target("127.0.0.1:" + server.port()).build()) {
      client.createGroup(GroupSpec.zeros("w", 8, false));
      client.createTable(TableSpec.indexed("emb", 4, 2));
      String target = "127.0.0.1:" + server.port();

      try (ServerProcess health = CtlProcess.start("health", "--target", target)) {
        assertThat(health.awaitExit(30, TimeUnit.SECONDS)).isTrue();
        assertThat(health.process().exitValue()).isZero();
        assertThat(health.output()).containsExactly("SERVING");
      }
      try (ServerProcess checkpoint =
          CtlProcess.start("checkpoint", "--target", target, "--output", "json")) {
        assertThat(checkpoint.awaitExit(30, TimeUnit.SECONDS)).isTrue();
        assertThat(checkpoint.process().exitValue()).isZero();
        JsonNode written = new ObjectMapper().readTree(String.join("\n", checkpoint.output()));
        assertThat(written.get("groups").asLong()).isEqualTo(1);
        assertThat(written.get("tables").asLong()).isEqualTo(1);
        assertThat(checkpoints.resolve(written.get("file").asText())).exists();
        assertThat(Files.size(checkpoints.resolve(written.get("file").asText()))).isPositive();
      }
      try (ServerProcess rows =
          CtlProcess.start("pull-rows", "emb", "--ids", "3,0", "--target", target)) {
        assertThat(rows.awaitExit(30, TimeUnit.SECONDS)).isTrue();
        assertThat(rows.process().exitValue()).isZero();
        assertThat(rows.output()).containsExactly("3,0.0,0.0", "0,0.0,0.0");
      }
    }
  }

  @Test
  void health_closedPort_exit1NamingTheStatus() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      closedPort = socket.getLocalPort();
    }
    try (ServerProcess health =
        CtlProcess.start("health", "--target", "127.0.0.1:" + closedPort, "--timeout", "5s")) {
      assertThat(health.awaitExit(30, TimeUnit.SECONDS)).isTrue();
      assertThat(health.process().exitValue()).isEqualTo(1);
      assertThat(health.output()).hasSize(1);
      assertThat(health.output().get(0)).startsWith("paramstream-ctl: UNAVAILABLE");
    }
  }
}
