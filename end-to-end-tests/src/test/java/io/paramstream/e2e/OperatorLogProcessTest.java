package io.paramstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.MetadataUtils;
import io.paramstream.proto.v1.ListGroupsRequest;
import io.paramstream.proto.v1.ParameterServerGrpc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What a hostile client leaves in a real server's log: a few readable lines, no stack traces. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OperatorLogProcessTest {

  private static final String ADMIN = "admin-token-0123456789abcdef";

  /** Field 1 with wire type 7, which does not exist: no protobuf message parses this. */
  private static final byte[] MALFORMED = {0x0f, 0x01, 0x02};

  @TempDir Path work;

  /** A server process that knows one admin token. */
  private LoggedServerProcess startWithToken() throws Exception {
    Path tokens = work.resolve("tokens");
    Files.writeString(tokens, "admin " + ADMIN + "\n");
    return LoggedServerProcess.start(work.resolve("logs"), "--auth-tokens", tokens.toString());
  }

  @Test
  void malformedMessages_fromOnePeer_giveAFewWarnLinesAndNoStackTrace() throws Exception {
    try (LoggedServerProcess server = startWithToken()) {
      ManagedChannel channel = Stubs.plaintext(server.target());
      try {
        Metadata admin = Stubs.bearer(ADMIN);
        // 100 to the Push stream (authenticated) and 100 to the open health service.
        for (int i = 0; i < 100; i++) {
          Status push =
              Stubs.callRaw(channel, ParameterServerGrpc.getPushMethod(), admin, MALFORMED);
          assertThat(push.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(push.getDescription()).startsWith("malformed request: ");
          Status health =
              Stubs.callRaw(channel, HealthGrpc.getCheckMethod(), new Metadata(), MALFORMED);
          assertThat(health.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        }
        // The server still serves.
        assertThat(
                Stubs.blocking(channel)
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(admin))
                    .listGroups(ListGroupsRequest.getDefaultInstance())
                    .getGroupsCount())
            .isZero();
      } finally {
        channel.shutdownNow();
      }
      String log = server.log();
      List<String> warnings = log.lines().filter(line -> line.contains("WARN")).toList();
      assertThat(warnings).hasSizeBetween(1, 3);
      assertThat(warnings.get(0))
          .contains("127.0.0.1:")
          .contains("paramstream.v1.ParameterServer/Push")
          .contains("malformed request");
      assertThat(log).doesNotContainPattern("(?m)^\\s+at ").doesNotContain("SEVERE");
    }
  }

  @Test
  void oversizedMessages_leaveNoStackTrace() throws Exception {
    try (LoggedServerProcess server =
        LoggedServerProcess.start(work.resolve("logs"), "--max-message-bytes", "1024")) {
      ManagedChannel channel = Stubs.plaintext(server.target());
      try {
        for (int i = 0; i < 20; i++) {
          Status status =
              Stubs.callRaw(
                  channel, ParameterServerGrpc.getPushMethod(), new Metadata(), new byte[4096]);
          assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
          assertThat(status.getDescription()).contains("1024");
        }
      } finally {
        channel.shutdownNow();
      }
      // grpc-java logged each as a two-line JUL warning plus a stack trace.
      assertThat(server.log()).doesNotContainPattern("(?m)^\\s+at ").doesNotContain("WARNING");
    }
  }

  @Test
  void authRefusal_logsPeerAndMethod_notTheToken() throws Exception {
    try (LoggedServerProcess server = startWithToken()) {
      ManagedChannel channel = Stubs.plaintext(server.target());
      try {
        Metadata wrong = Stubs.bearer("not-a-token-but-long-enough");
        for (int i = 0; i < 50; i++) {
          Status refused =
              Status.fromThrowable(
                  assertThrows(
                      RuntimeException.class,
                      () ->
                          Stubs.blocking(channel)
                              .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(wrong))
                              .listGroups(ListGroupsRequest.getDefaultInstance())));
          assertThat(refused.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        }
      } finally {
        channel.shutdownNow();
      }
      String log = server.log();
      List<String> refusals = log.lines().filter(line -> line.contains("refused")).toList();
      // One line for the first refusal; the next 49 within 10 s are only counted.
      assertThat(refusals).hasSize(1);
      assertThat(refusals.get(0))
          .containsPattern("127\\.0\\.0\\.1:\\d+ paramstream\\.v1\\.ParameterServer/ListGroups")
          .contains("missing or unknown token");
      assertThat(log).doesNotContain("not-a-token-but-long-enough").doesNotContain(ADMIN);
    }
  }
}
