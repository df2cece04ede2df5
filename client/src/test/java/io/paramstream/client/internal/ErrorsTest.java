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
  void inContext_serverSaysUnavailable_keepsItsWordsAndNamesTarget() {
    ParamstreamException shuttingDown =
        Errors.from(Status.UNAVAILABLE.withDescription("shutting down").asRuntimeException());
    assertThat(Errors.inContext(shuttingDown, "h:1", Duration.ofSeconds(1), "pulling"))
        .hasMessage("UNAVAILABLE: server h:1 unavailable (shutting down) while pulling");
  }
}
