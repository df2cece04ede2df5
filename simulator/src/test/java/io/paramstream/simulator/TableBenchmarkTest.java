package io.paramstream.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.paramstream.simulator.TableBenchmark.Cell;
import io.paramstream.simulator.TableBenchmark.Op;
import io.paramstream.simulator.TableBenchmark.Sample;
import io.paramstream.simulator.TableWorkloads.Kind;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
class TableBenchmarkTest {

  private static Cell cell(Op op, Kind kind, double... opsPerRound) {
    return new Cell(
        op, kind, java.util.Arrays.stream(opsPerRound).mapToObj(o -> new Sample(o, 1000)).toList());
  }

  @Test
  void median_oddAndEvenCounts() {
    assertThat(TableBenchmark.median(new double[] {5, 1, 3})).isEqualTo(3);
    assertThat(TableBenchmark.median(new double[] {4, 1, 3, 2})).isEqualTo(2.5);
  }

  @Test
  void pairedRatio_comparesRoundsWithTheirOwnDenseRound() {
    // The machine halves its speed in round 2: per-round ratios stay 0.9 while the medians of
    // the two cells come from different rounds.
    Cell dense = cell(Op.PUSH, Kind.DENSE, 100, 50, 100);
    Cell indexed = cell(Op.PUSH, Kind.INDEXED, 90, 45, 90);

    assertThat(TableBenchmark.pairedRatio(indexed, dense)).isCloseTo(0.9, within());
  }

  @Test
  void table_marksEachTableCellAgainstTheTarget() {
    List<Cell> cells =
        List.of(
            cell(Op.PUSH, Kind.DENSE, 100, 100, 100),
            cell(Op.PUSH, Kind.INDEXED, 95, 96, 94),
            cell(Op.PUSH, Kind.KEYED, 80, 85, 70));

    String table = TableBenchmark.table(cells);

    assertThat(table)
        .contains("| push | dense | 100.0 | 100.0 | 100.0 |")
        .containsPattern(
            "\\| push \\| indexed \\| 95\\.0 \\| 94\\.0 \\| 96\\.0 \\| .* \\| 0\\.950 \\| 0\\.950 \\| yes \\|")
        .containsPattern("\\| push \\| keyed \\| 80\\.0 .* \\| 0\\.800 \\| 0\\.800 \\| no \\|");
  }

  @Test
  void memoryTarget_isOnePointThreeTimesTheFloatsPlus100Megabytes() {
    TableWorkloads.Shape shape = new TableWorkloads.Shape(1_000_000, 4096, 64);

    assertThat(shape.floatBytes()).isEqualTo(256_000_000L);
    assertThat(TableMemory.targetBytes(shape.floatBytes())).isEqualTo(432_800_000L);
  }

  @Test
  void keyedIds_areDistinctAndScattered_indexedIdsAreTheRowNumbers() {
    Set<Long> keys = new HashSet<>();
    for (long i = 0; i < 200_000; i++) {
      keys.add(TableWorkloads.id(Kind.KEYED, i));
    }

    assertThat(keys).hasSize(200_000);
    assertThat(keys.stream().filter(k -> k < 0).count()).isBetween(90_000L, 110_000L);
    assertThat(TableWorkloads.id(Kind.INDEXED, 12345)).isEqualTo(12345);
  }

  @Test
  void workloads_againstARealServer_pushAndPullEveryKindAndFillTheKeyedTable() throws Exception {
    TableWorkloads.Shape shape = new TableWorkloads.Shape(5000, 64, 8);
    try (EmbeddedServer server = EmbeddedServer.start();
        TableWorkloads worker = new TableWorkloads(server.target(), shape, 3)) {
      worker.create(List.of(Kind.values()));
      worker.touchEveryKeyedRow();
      for (Kind kind : Kind.values()) {
        worker.push(kind);
        worker.pull(kind);
      }

      assertThat(worker.keyedInfo().getRows()).isEqualTo(5000);
      assertThat(worker.keyedInfo().getVersion()).isGreaterThan(1);
    }
  }

  private static org.assertj.core.data.Offset<Double> within() {
    return org.assertj.core.data.Offset.offset(1e-9);
  }
}
