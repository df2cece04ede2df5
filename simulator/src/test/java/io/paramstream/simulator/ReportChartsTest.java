package io.paramstream.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ReportChartsTest {

  @Test
  void percentiles_tailOverDecades_hasOneLabelledTickPerDecadeOnALogAxis() {
    LatencySummary latency =
        new LatencySummary(
            100,
            60_000.0,
            60_000,
            500_000,
            900_000,
            5_000_000,
            20_000_000,
            List.of(
                new LatencySummary.CurvePoint(0, 50_000),
                new LatencySummary.CurvePoint(99, 900_000),
                new LatencySummary.CurvePoint(100, 20_000_000)));
    StringBuilder out = new StringBuilder();

    ReportCharts.percentiles(out, latency);

    assertThat(out.toString())
        .contains(">10 µs<", ">100 µs<", ">1 ms<", ">10 ms<", ">100 ms<")
        .contains(">p99<", ">max<")
        .contains("latency (log scale)")
        .doesNotContain(">1 µs<", ">1 s<");
  }

  @Test
  void throughput_hasSecondsAndOperationsTicks() {
    StringBuilder out = new StringBuilder();

    ReportCharts.throughput(
        out,
        List.of(
            new RunReport.Interval(1, 900, 1, 1000),
            new RunReport.Interval(2, 1200, 1, 1000),
            new RunReport.Interval(10, 1100, 1, 1000)));

    assertThat(out.toString())
        .contains(
            ">0 s<", ">10 s<", ">1.25k<", "operations/s", "time since the measurement started");
  }
}
