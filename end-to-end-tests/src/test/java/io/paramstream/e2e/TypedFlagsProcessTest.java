package io.paramstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.paramstream.client.ErrorCode;
import io.paramstream.client.GroupSpec;
import io.paramstream.client.ParamstreamClient;
import io.paramstream.client.ParamstreamException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The server jar takes durations, sizes and modes the way operators type them. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TypedFlagsProcessTest {

  @TempDir Path work;

  @Test
  void typedDurationsSizesAndModeAlias_startTheServerWithThoseSettings() throws Exception {
    try (LoggedServerProcess server =
            LoggedServerProcess.start(
                work.resolve("logs"),
                "--checkpoint-dir",
                work.resolve("checkpoints").toString(),
                "--checkpoint-interval",
                "60s",
                "--max-transient-bytes",
                "64MiB",
                "--consistency",
                "sync",
                "--max-parameter-bytes",
                "1MiB",
                "--shutdown-grace",
                "2s");
        ParamstreamClient client =
            ParamstreamClient.builder().target("127.0.0.1:" + server.port()).build()) {
      assertThat(client.stats().mode()).isEqualTo("SYNCHRONOUS");

      // 1 MiB of float32 fits exactly; one float more is over --max-parameter-bytes 1MiB.
      client.createGroup(GroupSpec.zeros("fits", 256 * 1024, false));
      assertThatThrownBy(() -> client.createGroup(GroupSpec.zeros("over", 1, false)))
          .isInstanceOfSatisfying(
              ParamstreamException.class,
              e -> assertThat(e.code()).isEqualTo(ErrorCode.RESOURCE_EXHAUSTED))
          .hasMessageContaining("1048576");
    }
  }
}
