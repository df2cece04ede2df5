package io.paramstream.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.paramstream.cli.CommandLines;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

@Timeout(120)
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

  @Test
  void benchmark_everyWorkload_reportsTheCeilingBesideEachCell(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("loopback.json");
    StringWriter out = new StringWriter();
    CommandLine command = CommandLines.configure(new CommandLine(new LoopbackBenchmark()));
    command.setOut(new PrintWriter(out));

    int exit =
        command.execute(
            "--sizes", "1024",
            "--rounds", "2",
            "--warmup", "300ms",
            "--duration", "150ms",
            "--jit-warmup", "0s",
            "--cell-warmup", "0s",
            "--report-json", json.toString());

    assertThat(exit).isZero();
    JsonNode cells = new ObjectMapper().readTree(json.toFile());
    assertThat(cells).hasSize(4);
    for (JsonNode cell : cells) {
      assertThat(cell.get("opsPerSecond").asDouble()).as("%s", cell).isPositive();
      assertThat(cell.get("grpcCeilingOpsPerSecond").asDouble()).as("%s", cell).isPositive();
      assertThat(cell.get("roundCeilingOpsPerSecond")).as("%s", cell).hasSize(2);
    }
    assertThat(
            java.util.stream.StreamSupport.stream(cells.spliterator(), false)
                .map(c -> c.get("workload").asText()))
        .containsExactly("push", "pull", "push+pull", "pipelined push x8");
  }

  @Test
  void table_everyCell_showsCeilingAndRatioToIt() {
    LoopbackBenchmark.Cell cell =
        new LoopbackBenchmark.Cell(
            1024,
            "pull",
            500,
            0.002,
            1_000_000,
            0,
            1.0,
            2.0,
            List.of(500.0, 450.0, 600.0),
            Double.NaN,
            1000,
            List.of(1000.0, 500.0, 800.0));

    String table = LoopbackBenchmark.table(List.of(cell));

    assertThat(table.lines().findFirst().orElseThrow())
        .contains("| gRPC ceiling ops/s | ratio to ceiling, by round |");
    // Ratios round by round: 0.50, 0.90, 0.75.
    assertThat(table).contains("| - | - | 1000.0 | 0.75 [0.50-0.90] | 0 |");
  }
}
