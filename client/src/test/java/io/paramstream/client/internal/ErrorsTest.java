package io.paramstream.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.paramstream.client.ErrorCode;
import io.paramstream.client.ParamstreamException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ErrorsTest {
  @Test
  void fromGrpcCode_everyNonOkStatus_mapsToSameName() {
    Set<ErrorCode> seen = EnumSet.noneOf(ErrorCode.class);
    for (Status.Code code : Status.Code.values()) {
      if (code == Status.Code.OK) {
        continue;
      }
      ErrorCode mapped = Errors.fromGrpcCode(code.value());
      assertThat(mapped.name()).isEqualTo(code.name());
      seen.add(mapped);
    }
    assertThat(seen).containsExactlyInAnyOrder(ErrorCode.values());
  }

  @Test
  void fromAck_unknownCode_mapsToUnknown() {
    assertThat(Errors.fromAck(99, "odd").code()).isEqualTo(ErrorCode.UNKNOWN);
    assertThat(Errors.fromAck(0, "ok is not an error").code()).isEqualTo(ErrorCode.UNKNOWN);
  }

  @Test
  void from_statusRuntimeException_keepsCodeAndDescription() {
    ParamstreamException e =
        Errors.from(Status.NOT_FOUND.withDescription("no group w").asRuntimeException());

    assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND);
    assertThat(e.getMessage()).contains("no group w");
  }

  @Test
  void from_cancelledWithOwnCause_reportsTheCause() {
    ParamstreamException reason = Errors.closed("client");

    ParamstreamException e = Errors.from(Status.CANCELLED.withCause(reason).asRuntimeException());

    assertThat(e).isSameAs(reason);
  }

  @Test
  void humanReadable_writesDeadlinesAsPeopleDo() {
    assertThat(Errors.humanReadable(Duration.ofSeconds(30))).isEqualTo("30s");
    assertThat(Errors.humanReadable(Duration.ofMinutes(2))).isEqualTo("2m");
    assertThat(Errors.humanReadable(Duration.ofHours(1))).isEqualTo("1h");
    assertThat(Errors.humanReadable(Duration.ofMillis(1500))).isEqualTo("1500ms");
    assertThat(Errors.humanReadable(Duration.ofSeconds(90))).isEqualTo("90s");
  }

  @Test
  void inContext_serverAnswer_passesUnchanged() {
    ParamstreamException notFound = new ParamstreamException(ErrorCode.NOT_FOUND, "group 'w'");
    assertThat(Errors.inContext(notFound, "h:1", Duration.ofSeconds(1), "pulling"))
        .isSameAs(notFound);
  }

  @Test
  void inContext_grpcDeadline_saysNoAnswerOrNoConnectionInWords() {
    ParamstreamException noAnswer =
        Errors.from(
            Status.DEADLINE_EXCEEDED
                .withDescription(
                    "CallOptions deadline exceeded after 0.999329583s. Name resolution delay"
                        + " 0.000000000 seconds. [closed=[CANCELLED], committed=[noop]]")
                .asRuntimeException());
    ParamstreamException noConnection =
        Errors.from(
            Status.DEADLINE_EXCEEDED
                .withDescription(
                    "Deadline exceeded after 1.499s. [buffered_nanos=1500, waiting_for_connection]")
                .asRuntimeException());

    assertThat(Errors.inContext(noAnswer, "h:1", Duration.ofSeconds(1), "pushing group 'w'"))
        .hasMessage(
            "DEADLINE_EXCEEDED: deadline of 1s exceeded while pushing group 'w' to h:1"
                + " (no answer from the server in time)");
    assertThat(Errors.inContext(noConnection, "h:1", Duration.ofMillis(1500), "pulling"))
        .hasMessage(
            "DEADLINE_EXCEEDED: deadline of 1500ms exceeded while pulling to h:1"
                + " (no connection to the server was ready in time)");
  }

  @Test
  void inContext_ownDeadlineWords_keptAndExplainedOnce() {
    ParamstreamException windowFull =
        new ParamstreamException(ErrorCode.DEADLINE_EXCEEDED, "the push window stayed full for 1s");

    ParamstreamException explained =
        Errors.inContext(windowFull, "h:1", Duration.ofSeconds(1), "pushing group 'w'");

    assertThat(explained)
        .hasMessage(
            "DEADLINE_EXCEEDED: deadline of 1s exceeded while pushing group 'w' to h:1"
                + " (the push window stayed full for 1s)");
    assertThat(Errors.inContext(explained, "h:1", Duration.ofSeconds(1), "pushing group 'w'"))
        .isSameAs(explained);
  }

  @Test
  void inContext_openEndedCall_saysDeadlineWithoutLength() {
    ParamstreamException e = new ParamstreamException(ErrorCode.DEADLINE_EXCEEDED, "late");

    assertThat(Errors.inContext(e, "h:1", null, "watching group 'w'"))
        .hasMessage("DEADLINE_EXCEEDED: deadline exceeded while watching group 'w' to h:1 (late)");
  }

  @Test
  void groups_namesOneSeveralOrEvery() {
    assertThat(Errors.groups(java.util.List.of("w"))).isEqualTo("group 'w'");
    assertThat(Errors.groups(java.util.List.of("a", "b"))).isEqualTo("groups 'a', 'b'");
    assertThat(Errors.groups(java.util.List.of())).isEqualTo("every group");
  }

  @Test
  void inContext_serverSaysUnavailable_keepsItsWordsAndNamesTarget() {
    ParamstreamException shuttingDown =
        Errors.from(Status.UNAVAILABLE.withDescription("shutting down").asRuntimeException());
    assertThat(Errors.inContext(shuttingDown, "h:1", Duration.ofSeconds(1), "pulling"))
        .hasMessage("UNAVAILABLE: server h:1 unavailable (shutting down) while pulling");
  }
}
