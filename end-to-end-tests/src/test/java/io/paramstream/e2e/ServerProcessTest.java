package io.paramstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.paramstream.client.ErrorCode;
import io.paramstream.client.GroupSpec;
import io.paramstream.client.Hyperparameters;
import io.paramstream.client.ParamstreamClient;
import io.paramstream.client.ParamstreamException;
import io.paramstream.client.PushResult;
import io.paramstream.client.PushSession;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The runnable server jar: its CLI, and a graceful SIGTERM while a worker is pushing. */
@Timeout(120)
class ServerProcessTest {

  @Test
  void help_printsOptionsAndExitsZero() throws Exception {
    try (ServerProcess server = ServerProcess.start("--help")) {
      assertThat(server.awaitExit(30, TimeUnit.SECONDS)).isTrue();
      assertThat(server.process().exitValue()).isZero();
      String help = String.join("\n", server.output());
      assertThat(help)
          .contains("--port")
          .contains("--host")
          .contains("50051")
          .contains("127.0.0.1");
    }
  }

  @Test
  void poolExecutor_servesPushesAndPulls() throws Exception {
    try (ServerProcess server = ServerProcess.start("--port", "0", "--call-executor", "POOL")) {
      int port = server.awaitPort();
      try (ParamstreamClient client =
          ParamstreamClient.builder().target("127.0.0.1:" + port).build()) {
        client.createGroup(
            new GroupSpec("w", new float[] {1f, 2f}, true, new Hyperparameters(0.1, 0.01)));
        try (PushSession session = client.openPushSession()) {
          List<CompletableFuture<PushResult>> acks = new ArrayList<>();
          for (int i = 0; i < 100; i++) {
            acks.add(session.push(Map.of("w", new float[] {0f, 0f})));
          }
          assertThat(acks.get(99).get(20, TimeUnit.SECONDS).versions()).containsEntry("w", 100L);
        }
        assertThat(client.pull("w").get("w").version()).isEqualTo(100);
      }
    }
  }

  @Test
  void sigterm_whilePushing_drainsAndExits() throws Exception {
    try (ServerProcess server = ServerProcess.start("--port", "0", "--shutdown-grace", "PT5S")) {
      int port = server.awaitPort();
      try (ParamstreamClient client =
          ParamstreamClient.builder()
              .target("127.0.0.1:" + port)
              .deadline(Duration.ofSeconds(20))
              .build()) {
        client.createGroup(new GroupSpec("w", new float[4096], true, new Hyperparameters(0.1, 0)));
        PushSession session = client.openPushSession();
        List<CompletableFuture<PushResult>> acks = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
          acks.add(session.push(Map.of("w", new float[4096])));
        }
        acks.get(acks.size() - 1).get(20, TimeUnit.SECONDS);

        // SIGTERM through the handle: Process.destroy() would also close our end of its output.
        server.process().toHandle().destroy();
        assertThat(server.awaitExit(20, TimeUnit.SECONDS)).isTrue();

        // 128 + SIGTERM: the JVM ran its shutdown hook and exited on the signal.
        assertThat(server.process().exitValue()).isEqualTo(143);
        assertThat(server.output()).anyMatch(line -> line.contains("stopped"));
        // Every push was acknowledged with its version before the stream was closed.
        for (int i = 0; i < acks.size(); i++) {
          assertThat(acks.get(i).get().versions()).containsEntry("w", i + 1L);
        }
        // The open stream ends with UNAVAILABLE rather than hanging.
        CompletableFuture<PushResult> late = session.push(Map.of("w", new float[4096]));
        try {
          late.get(20, TimeUnit.SECONDS);
          throw new AssertionError("push after shutdown succeeded");
        } catch (ExecutionException e) {
          assertThat(e.getCause()).isInstanceOf(ParamstreamException.class);
          assertThat(((ParamstreamException) e.getCause()).code())
              .isIn(ErrorCode.UNAVAILABLE, ErrorCode.CANCELLED);
        }
      }
    }
  }
}
