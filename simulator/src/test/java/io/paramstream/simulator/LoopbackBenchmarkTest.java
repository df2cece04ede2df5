package io.paramstream.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class LoopbackBenchmarkTest {

  private static RunReport run(long operations) {
    Histogram latency = new Histogram(WorkerStats.HIGHEST_TRACKABLE_NANOS, 3);
    latency.recordValue(1_000);
    return new RunReport(
        Map.of(),
        1.0,
        operations,
        1024,
        LatencySummary.of(latency),
        Map.of(),
        operations,
        Map.of(),
        0,
        List.of());
  }

  @Test
  void median_ofAnOddNumberOfRounds_isTheMiddleThroughput() {
    RunReport slow = run(100);
    RunReport middle = run(200);
    RunReport fast = run(900);

    assertThat(LoopbackBenchmark.medianByThroughput(List.of(fast, slow, middle))).isSameAs(middle);
  }

  @Test
  void median_ofAnEvenNumberOfRounds_isTheLowerMiddle() {
    RunReport a = run(100);
    RunReport b = run(200);
    RunReport c = run(300);
    RunReport d = run(400);

    assertThat(LoopbackBenchmark.medianByThroughput(List.of(d, c, b, a))).isSameAs(b);
  }

  @Test
  void median_ofOneRound_isThatRound() {
    RunReport only = run(5);

    assertThat(LoopbackBenchmark.medianByThroughput(List.of(only))).isSameAs(only);
  }

  @Test
  void grpcBaselines_splitAPushIntoMessagesOfAtMostOneMebibyte() {
    assertThat(GrpcLoopback.messagesPerPush(4096)).isEqualTo(1);
    assertThat(GrpcLoopback.messagesPerPush(1 << 20)).isEqualTo(1);
    assertThat(GrpcLoopback.messagesPerPush((1 << 20) + 1)).isEqualTo(2);
    assertThat(GrpcLoopback.messagesPerPush(4L << 20)).isEqualTo(4);
    assertThat(GrpcLoopback.messagesPerPush(64L << 20)).isEqualTo(64);
  }

  @Test
  void grpcFloor_measuresAcknowledgedPushes() throws Exception {
    RawTcpBaseline.Result floor =
        GrpcFloorBaseline.pushAckEach(4096, 0, java.time.Duration.ofMillis(300).toNanos());

    assertThat(floor.messages()).isPositive();
    assertThat(floor.bytes()).isEqualTo(floor.messages() * 4096);
  }

  @Test
  void grpcFloor_keepsSeveralPushesInFlight() throws Exception {
    RawTcpBaseline.Result floor =
        GrpcFloorBaseline.pushes(4096, 8, 0, java.time.Duration.ofMillis(300).toNanos());

    assertThat(floor.messages()).isPositive();
  }
}
