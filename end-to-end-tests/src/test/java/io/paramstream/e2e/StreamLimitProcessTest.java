package io.paramstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.paramstream.proto.v1.ParameterServerGrpc;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The server-wide stream limit of a real server process, across several connections. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StreamLimitProcessTest {

  @TempDir Path work;

  @Test
  void maxStreams_refusesTheStreamPastTheLimitAcrossConnections() throws Exception {
    List<ManagedChannel> channels = new ArrayList<>();
    try (LoggedServerProcess server =
        LoggedServerProcess.start(
            work.resolve("logs"), "--max-streams", "3", "--max-streams-per-connection", "2")) {
      for (int i = 0; i < 3; i++) {
        channels.add(Stubs.plaintext(server.target()));
      }
      Stubs.create(ParameterServerGrpc.newStub(channels.get(0)), "a", 4, 0.1);
      // Three streams on two connections, each under its per-connection limit of 2.
      LimitsTest.Watch first = LimitsTest.Watch.open(channels.get(0));
      LimitsTest.Watch second = LimitsTest.Watch.open(channels.get(0));
      LimitsTest.Watch third = LimitsTest.Watch.open(channels.get(1));
      first.awaitFirstChunk();
      second.awaitFirstChunk();
      third.awaitFirstChunk();

      // A fresh connection is under its own limit, but the server is full.
      LimitsTest.Watch refused = LimitsTest.Watch.open(channels.get(2));
      Status status = Status.fromThrowable(refused.ended.get(10, TimeUnit.SECONDS));
      assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
      assertThat(status.getDescription()).contains("maximum of 3").contains("--max-streams");

      // Ending a stream anywhere frees a slot for everyone.
      first.cancel();
      Stubs.eventually(
          Duration.ofSeconds(10),
          () -> {
            LimitsTest.Watch again = LimitsTest.Watch.open(channels.get(2));
            again.awaitFirstChunk();
            again.cancel();
          });
      second.cancel();
      third.cancel();
    } finally {
      channels.forEach(ManagedChannel::shutdownNow);
    }
  }
}
