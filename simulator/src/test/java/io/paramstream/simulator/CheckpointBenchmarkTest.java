package io.paramstream.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class CheckpointBenchmarkTest {

  private static CheckpointBenchmark.Run run(long peak, double seconds, double during) {
    return new CheckpointBenchmark.Run(
        1_000_000_000L, peak, peak, seconds, seconds / 2, 1000, during, Double.NaN);
  }

  @Test
  void table_threeRuns_addsMedianMinMaxPerColumn() {
    String table =
        CheckpointBenchmark.table(
            List.of(
                run(1_300_000_000L, 5, 800),
                run(1_200_000_000L, 7, 600),
                run(1_250_000_000L, 6, 900)),
            MemoryBenchmark.targetBytes(1L << 30));

    assertThat(table)
        .contains("target peak resident size: 1442.2 MB")
        .contains("| 2 | 1000.0 | 1200.0 | 0.832 | 1200.0 | 7.0 | 3.5 | 1000 | 600 | 0.60 | NaN |")
        .contains(
            "| median | 1000.0 | 1250.0 | 0.867 | 1250.0 | 6.0 | 3.0 | 1000 | 800 | 0.80 | NaN |")
        .contains(
            "| min | 1000.0 | 1200.0 | 0.832 | 1200.0 | 5.0 | 2.5 | 1000 | 600 | 0.60 | NaN |")
        .contains(
            "| max | 1000.0 | 1300.0 | 0.901 | 1300.0 | 7.0 | 3.5 | 1000 | 900 | 0.90 | NaN |");
  }

  @Test
  void table_oneRun_hasNoSummaryRows() {
    String table =
        CheckpointBenchmark.table(
            List.of(run(1_300_000_000L, 5, 800)), MemoryBenchmark.targetBytes(1L << 30));

    assertThat(table).contains("| 1 |").doesNotContain("median");
  }
}
