package io.paramstream.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a person reads when the server cannot be reached or does not answer, over real TCP on
 * loopback: the address, what the call was doing, and why.
 */
@Timeout(30)
class TransportErrorsTest {

  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  @Test
  void closedPort_namesConnectionRefusedAndTarget() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, LOOPBACK)) {
      port = socket.getLocalPort();
    }
    String target = "127.0.0.1:" + port;
    try (ParamstreamClient client = ParamstreamClient.builder().target(target).build()) {
      assertThatThrownBy(client::listGroups)
          .isInstanceOfSatisfying(
              ParamstreamException.class,
              e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE))
          .hasMessage(
              "UNAVAILABLE: connection refused to " + target + " while listing every group");
      assertThatThrownBy(() -> client.pull("w"))
          .hasMessage("UNAVAILABLE: connection refused to " + target + " while pulling group 'w'");
    }
  }

  @Test
  void serverThatNeverAnswers_namesDeadlineOperationAndTarget() throws Exception {
    // The kernel accepts the TCP connection into the backlog; nothing ever reads or answers it.
    try (ServerSocket silent = new ServerSocket(0, 8, LOOPBACK)) {
      String target = "127.0.0.1:" + silent.getLocalPort();
      try (ParamstreamClient client =
          ParamstreamClient.builder().target(target).deadline(Duration.ofMillis(1500)).build()) {
        assertThatThrownBy(() -> client.push(Map.of("w", new float[] {1f})))
            .isInstanceOfSatisfying(
                ParamstreamException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.DEADLINE_EXCEEDED))
            .hasMessageStartingWith(
                "DEADLINE_EXCEEDED: deadline of 1500ms exceeded while pushing group 'w' to "
                    + target);
      }
    }
  }
}
