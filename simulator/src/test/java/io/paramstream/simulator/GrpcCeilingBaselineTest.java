package io.paramstream.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.paramstream.simulator.SimulationConfig.Workload;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The gRPC ceiling over Netty on loopback, briefly: what it sends and what it counts. */
@Timeout(60)
class GrpcCeilingBaselineTest {
  private static final long MEBIBYTE = 1 << 20;
  private static final long WARMUP_NANOS = Duration.ofMillis(200).toNanos();
  private static final long RUN_NANOS = Duration.ofMillis(300).toNanos();

  /**
   * The first gRPC calls of a JVM take seconds (class loading, the interpreter), longer than a
   * test's run: one unmeasured run first, so each test's window sees pushes complete.
   */
  @BeforeAll
  static void warmUpGrpc() throws Exception {
    GrpcCeilingBaseline.run(Workload.PUSH_PULL, 4096, 1, 0, RUN_NANOS);
  }

  /**
   * Every push arrives as exactly its bytes, in 1 MiB messages, and gets one ack; pushes over the
   * on-ready threshold (4 MiB) are written only while the call is ready, smaller ones at once.
   */
  @ParameterizedTest(name = "{0} bytes, {1} in flight: {2} messages, paced {3}")
  @CsvSource({
    "7864320, 1, 8, true", // 7.5 MiB
    "4194305, 3, 5, true", // 4 MiB + 1 byte
    "3670016, 1, 4, false", // 3.5 MiB
    "4194304, 2, 4, false" // 4 MiB: 1M floats, written at once
  })
  void push_ofSeveralMessages_sendsExactlyItsBytesAndGetsOneAckPerPush(
      long pushBytes, int inFlight, int messagesPerPush, boolean paced) throws Exception {
    GrpcCeilingBaseline.Run run =
        GrpcCeilingBaseline.run(Workload.PUSH, pushBytes, inFlight, WARMUP_NANOS, RUN_NANOS);

    assertThat(run.acks()).isGreaterThanOrEqualTo(inFlight).isEqualTo(run.pushesWritten());
    assertThat(run.pushesReceived().messages()).isEqualTo(messagesPerPush * run.acks());
    assertThat(run.pushesReceived().bytes()).isEqualTo(run.acks() * pushBytes);
    if (paced) {
      assertThat(run.pushWritesPaused()).as("writes waited for the call to be ready").isPositive();
    } else {
      assertThat(run.pushWritesPaused()).isZero();
    }
    assertThat(run.operations()).isPositive().isLessThanOrEqualTo(run.acks());
    assertThat(run.result().bytes()).isEqualTo(run.operations() * pushBytes);
  }

  @Test
  void pipelinedPushes_ofOneMessage_keepEightInFlight() throws Exception {
    RawTcpBaseline.Result result = GrpcCeilingBaseline.pushes(4096, 8, WARMUP_NANOS, RUN_NANOS);

    assertThat(result.messages()).isPositive();
    assertThat(result.bytes()).isEqualTo(result.messages() * 4096);
  }

  @Test
  void pull_ofSeveralMessages_receivesExactlyTheGroupsBytesPerRequest() throws Exception {
    long groupBytes = 6 * MEBIBYTE + MEBIBYTE / 4;

    GrpcCeilingBaseline.Run run =
        GrpcCeilingBaseline.run(Workload.PULL, groupBytes, 1, WARMUP_NANOS, RUN_NANOS);

    assertThat(run.pulls()).isPositive();
    assertThat(run.pullsReceived().messages()).isEqualTo(7 * run.pulls());
    assertThat(run.pullsReceived().bytes()).isEqualTo(run.pulls() * groupBytes);
    assertThat(run.pushesWritten()).isZero();
  }

  @Test
  void pushThenPull_alternates_oneAckAndOnePullPerOperation() throws Exception {
    long groupBytes = 4096;

    GrpcCeilingBaseline.Run run =
        GrpcCeilingBaseline.run(Workload.PUSH_PULL, groupBytes, 1, WARMUP_NANOS, RUN_NANOS);

    assertThat(run.pulls()).isPositive().isEqualTo(run.acks()).isEqualTo(run.pushesWritten());
    assertThat(run.pushesReceived().bytes()).isEqualTo(run.acks() * groupBytes);
    assertThat(run.pullsReceived().bytes()).isEqualTo(run.pulls() * groupBytes);
    assertThat(run.result().bytes()).isEqualTo(run.operations() * 2 * groupBytes);
  }

  @Test
  void run_pushWatchOrPipelinedPulls_isRefused() {
    assertThatThrownBy(
            () -> GrpcCeilingBaseline.run(Workload.PUSH_WATCH, 4096, 1, WARMUP_NANOS, RUN_NANOS))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> GrpcCeilingBaseline.run(Workload.PULL, 4096, 8, WARMUP_NANOS, RUN_NANOS))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
