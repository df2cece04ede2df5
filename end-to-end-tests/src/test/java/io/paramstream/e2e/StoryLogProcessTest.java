package io.paramstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.paramstream.client.GroupSpec;
import io.paramstream.client.Hyperparameters;
import io.paramstream.client.ParamstreamClient;
import io.paramstream.client.ParamstreamException;
import io.paramstream.client.PushOptions;
import io.paramstream.proto.v1.CheckpointRequest;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real server's log tells what happened to the model, one INFO line per event, all lines in one
 * format; {@code --log-level} quiets it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StoryLogProcessTest {

  /** slf4j-simple as configured in the server's simplelogger.properties. */
  private static final Pattern LINE =
      Pattern.compile(
          "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d:\\d\\d)"
              + " (ERROR|WARN|INFO|DEBUG|TRACE) \\S+ - .+");

  @TempDir Path work;

  @Test
  void log_tellsGroupsCheckpointsWorkersAndStepTimeouts_inOneFormat() throws Exception {
    try (LoggedServerProcess server =
        LoggedServerProcess.start(
            work.resolve("logs"),
            "--consistency",
            "SYNCHRONOUS",
            "--straggler-timeout",
            "PT0.3S",
            "--checkpoint-dir",
            work.resolve("ckpt").toString())) {
      try (ParamstreamClient client = ParamstreamClient.builder().target(server.target()).build()) {
        client.createGroup(new GroupSpec("w", new float[8], true, new Hyperparameters(0.1, 0)));
        client.registerWorker("a");
        client.registerWorker("b");
        // b never pushes: the step times out, and a's push stream ends with the failed push.
        assertThatThrownBy(() -> client.push(Map.of("w", new float[8]), PushOptions.worker("a")))
            .isInstanceOf(ParamstreamException.class);
        client.deregisterWorker("b");
        ManagedChannel channel = Stubs.plaintext(server.target());
        Stubs.blocking(channel).checkpoint(CheckpointRequest.getDefaultInstance());
        channel.shutdownNow();
      }
      try (ParamstreamClient client = ParamstreamClient.builder().target(server.target()).build()) {
        client.deleteGroups("w");
      }

      String log = server.log();
      assertThat(log)
          .contains("INFO CreateGroupHandler - group w created: 8 floats, sgd, lr 0.1")
          .contains("INFO ParameterServerService - worker a registered; steps now wait for 1")
          .contains("worker b registered; steps now wait for 2 workers")
          .contains("INFO PushApplier - worker a lost: its push stream ended; steps now wait for 1")
          .contains("worker b deregistered; steps now wait for 0 workers")
          .containsPattern("INFO PushApplier - synchronous step 0 timed out after 300 ms")
          .containsPattern("INFO Checkpointer - checkpoint \\S+ written: 1 groups")
          .contains("INFO ParameterServerService - group w deleted")
          .doesNotContainPattern("(?m)^\\s+at ");
      assertThat(log.lines().filter(line -> line.contains("timed out"))).hasSize(1);
      List<String> lines = log.lines().filter(line -> !line.isBlank()).toList();
      assertThat(lines).allSatisfy(line -> assertThat(line).matches(LINE));
    }
  }

  @Test
  void logLevelWarn_dropsInfoLines() throws Exception {
    try (LoggedServerProcess server =
        LoggedServerProcess.start(work.resolve("logs"), "--log-level", "warn")) {
      try (ParamstreamClient client = ParamstreamClient.builder().target(server.target()).build()) {
        client.createGroup(new GroupSpec("w", new float[8], true, new Hyperparameters(0.1, 0)));
      }
      server.terminate();
      assertThat(server.log()).doesNotContain(" INFO ");
    }
  }

  @Test
  void logLevel_unknown_isRefusedWithTheChoices() throws Exception {
    LoggedServerProcess.Exited exited =
        LoggedServerProcess.runToExit(work.resolve("logs"), "--log-level", "loud");
    assertThat(exited.exitCode()).isNotZero();
    assertThat(exited.stderr()).contains("--log-level").contains("error, warn, info, debug");
  }
}
