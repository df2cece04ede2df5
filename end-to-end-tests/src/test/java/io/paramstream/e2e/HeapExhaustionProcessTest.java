package io.paramstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.paramstream.client.ErrorCode;
import io.paramstream.client.GroupSpec;
import io.paramstream.client.ParamstreamClient;
import io.paramstream.client.ParamstreamException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A server whose heap holds a group but not a second copy of it: the push that needs a staging
 * array fails with RESOURCE_EXHAUSTED naming the group, a pull (which streams the live values chunk
 * by chunk) succeeds, and the server goes on serving.
 */
@Timeout(120)
class HeapExhaustionProcessTest {

  private static final int BIG = 16 << 20; // 64 MiB of floats in a 112 MiB heap

  @Test
  void pushNeedingASecondCopy_failsWithResourceExhausted_pullWorks_andTheServerGoesOn()
      throws Exception {
    List<String> command =
        List.of(
            ServerProcess.java(),
            "-Xmx112m",
            "-XX:+UseSerialGC",
            "-jar",
            ServerProcess.jar().toString(),
            "--port",
            "0");
    try (ServerProcess server = ServerProcess.startCommand(command)) {
      int port = server.awaitPort();
      try (ParamstreamClient client =
          ParamstreamClient.builder().target("127.0.0.1:" + port).build()) {
        client.createGroup(GroupSpec.zeros("big", BIG, true));
        client.createGroup(GroupSpec.zeros("small", 4, false));

        assertThatThrownBy(() -> client.push(Map.of("big", new float[BIG])))
            .isInstanceOfSatisfying(
                ParamstreamException.class,
                e -> {
                  assertThat(e.code()).isEqualTo(ErrorCode.RESOURCE_EXHAUSTED);
                  assertThat(e.getMessage()).contains("'big'").contains("nothing was applied");
                });
        // A pull needs no copy: it is encoded chunk by chunk from the live values.
        assertThat(client.pull("big").get("big").values()).hasSize(BIG);

        // Nothing changed, and the server still serves.
        assertThat(client.listGroups("big").get(0).version()).isZero();
        client.push(Map.of("small", new float[] {1f, 1f, 1f, 1f}));
        assertThat(client.pull("small").get("small").version()).isEqualTo(1);
      }
    }
  }
}
