package io.paramstream.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.paramstream.client.ErrorCode;
import io.paramstream.client.ParamstreamException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class ReportAggregationTest {

  @Test
  void mergeHistograms_twoWorkers_percentilesCoverBoth() {
    WorkerStats fast = new WorkerStats();
    WorkerStats slow = new WorkerStats();
    for (int i = 1; i <= 900; i++) {
      fast.recordLatency(1_000_000); // 1 ms
    }
    for (int i = 1; i <= 100; i++) {
      slow.recordLatency(100_000_000); // 100 ms
    }
    fast.drainInterval(true);
    slow.drainInterval(true);

    Histogram merged = ReportAggregator.mergeHistograms(List.of(fast.measured(), slow.measured()));
    LatencySummary summary = LatencySummary.of(merged);

    assertThat(summary.count()).isEqualTo(1000);
    assertThat(summary.p50Nanos()).isCloseTo(1_000_000, within(1_000L));
    assertThat(summary.p90Nanos()).isCloseTo(1_000_000, within(1_000L));
    assertThat(summary.p99Nanos()).isCloseTo(100_000_000, within(100_000L));
    assertThat(summary.maxNanos()).isCloseTo(100_000_000, within(100_000L));
    assertThat(summary.meanNanos()).isCloseTo(10_900_000, within(20_000.0));
    assertThat(summary.curve()).isNotEmpty();
    assertThat(summary.curve().get(summary.curve().size() - 1).nanos())
        .isEqualTo(summary.maxNanos());
  }

  @Test
  void drainInterval_warmupNotKept_onlyMeasuredCounts() {
    WorkerStats stats = new WorkerStats();
    stats.recordLatency(5_000);
    stats.recordLatency(5_000);
    assertThat(stats.drainInterval(false).getTotalCount()).isEqualTo(2);
    stats.recordLatency(7_000);
    assertThat(stats.drainInterval(true).getTotalCount()).isEqualTo(1);
    assertThat(stats.measured().getTotalCount()).isEqualTo(1);
  }

  @Test
  void mergeErrors_sumsByCode() {
    WorkerStats a = new WorkerStats();
    WorkerStats b = new WorkerStats();
    a.recordError(new ParamstreamException(ErrorCode.UNAVAILABLE, "x"));
    a.recordError(
        new CompletionException(new ParamstreamException(ErrorCode.NOT_FOUND, "wrapped")));
    b.recordError(new ParamstreamException(ErrorCode.UNAVAILABLE, "y"));
    b.recordError(new IllegalStateException("not a client error"));

    Map<String, Long> merged = ReportAggregator.mergeErrors(List.of(a.errors(), b.errors()));

    assertThat(merged)
        .containsExactly(
            Map.entry("NOT_FOUND", 1L), Map.entry("UNAVAILABLE", 2L), Map.entry("UNKNOWN", 1L));
  }

  @Test
  void report_throughput_derivedFromOperationsAndWindow() {
    RunReport report =
        new RunReport(
            Map.of(),
            2.0,
            1000,
            1 << 20,
            LatencySummary.of(new Histogram(3)),
            Map.of(),
            0,
            Map.of(),
            0,
            List.of());
    assertThat(report.operationsPerSecond()).isEqualTo(500.0);
    assertThat(report.floatsPerSecond()).isEqualTo(500.0 * (1 << 20));
    assertThat(report.gigabytesPerSecond()).isCloseTo(500.0 * (1 << 20) * 4 / 1e9, within(1e-9));
  }

  @Test
  void json_containsTotalsAndEscapesStrings() {
    RunReport report =
        new RunReport(
            Map.of("note", "a \"quoted\" value"),
            1.0,
            10,
            4,
            LatencySummary.of(new Histogram(3)),
            Map.of("UNAVAILABLE", 3L),
            10,
            Map.of("g0", 10L),
            0,
            List.of(new RunReport.Interval(1.0, 10, 0.00016, 1234)));
    String json = ReportFormats.json(report);
    assertThat(json)
        .contains("\"operations\": 10")
        .contains("\"UNAVAILABLE\": 3")
        .contains("\"g0\": 10")
        .contains("a \\\"quoted\\\" value")
        .contains("\"p99Nanos\": 1234");
    String html = ReportFormats.html(report);
    assertThat(html).contains("<svg").doesNotContain("<script").contains("a &quot;quoted&quot;");
  }
}
