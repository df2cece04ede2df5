package io.paramstream.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The charts are drawn from the committed results: the figures they compute are BENCHMARKS.md's,
 * and the committed SVG files are what the tool writes now.
 */
class BenchmarkChartsTest {

  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Path RESULTS = ROOT.resolve("benchmarks/results");
  private static final Path TARGETS = ROOT.resolve("benchmarks/charts/loopback-targets.csv");
  private static final Path OPTIMIZERS = ROOT.resolve("src/site/markdown/optimizers.md");

  @Test
  void medianOfMedians_isSectionOnesFigures() throws Exception {
    Map<BenchmarkCharts.Cell, Double> medians =
        BenchmarkCharts.medianOfMedians(
            BenchmarkCharts.LOOPBACK_RUNS.stream().map(RESULTS::resolve).toList());

    assertThat(medians).hasSize(16);
    assertThat(medians.get(new BenchmarkCharts.Cell(1024, "push"))).isCloseTo(9343, offset(0.5));
    assertThat(medians.get(new BenchmarkCharts.Cell(65536, "pipelined push x8")))
        .isCloseTo(3183, offset(0.5));
    assertThat(medians.get(new BenchmarkCharts.Cell(16777216, "push+pull")))
        .isCloseTo(5.3, offset(0.05));
    assertThat(BenchmarkCharts.targets(TARGETS))
        .hasSize(16)
        .containsKeys(medians.keySet().toArray(BenchmarkCharts.Cell[]::new));
  }

  @Test
  void attackAndKernel_areSectionsSevenAndNinesFigures() throws Exception {
    List<BenchmarkCharts.AttackRun> attack =
        BenchmarkCharts.attackRuns(RESULTS.resolve(BenchmarkCharts.ATTACK));
    assertThat(attack)
        .extracting(BenchmarkCharts.AttackRun::name)
        .containsExactly("run 1", "run 2", "run 3");
    assertThat(attack.get(1).alone()[BenchmarkCharts.AttackRun.P99]).isEqualTo(9.429);
    assertThat(attack.get(2).attacked()[BenchmarkCharts.AttackRun.RSS]).isEqualTo(989);

    assertThat(BenchmarkCharts.kernelRatios(RESULTS.resolve(BenchmarkCharts.KERNEL)))
        .hasSize(3)
        .hasEntrySatisfying(65536L, r -> assertThat(r).isCloseTo(0.97, offset(0.005)))
        .hasEntrySatisfying(1048576L, r -> assertThat(r).isCloseTo(0.87, offset(0.005)))
        .hasEntrySatisfying(16777216L, r -> assertThat(r).isCloseTo(0.93, offset(0.005)));
  }

  @Test
  void decayShareTable_isTheOptimizersPagesGrid() throws Exception {
    BenchmarkCharts.DecayShareTable table = BenchmarkCharts.decayShareTable(OPTIMIZERS);

    assertThat(table.optimizers()).containsExactly("SGD", "Momentum", "Nesterov", "Adam", "AdamW");
    assertThat(table.rows())
        .hasSize(25)
        .startsWith("lr 1e-01, wd 1e-01")
        .endsWith("lr 1e-05, wd 1e-05");
    // lr 1e-05, wd 1e-05: SGD server 0.9820, AdamW torch 0.0000.
    assertThat(table.cells()[24]).startsWith("0.9820", "0.9983").endsWith("0.9852", "0.0000");
  }

  @Test
  void call_writesEveryChartAsCommitted(@TempDir Path out) throws Exception {
    int exit =
        picocli.CommandLine.populateCommand(
                new BenchmarkCharts(),
                "--results",
                RESULTS.toString(),
                "--targets",
                TARGETS.toString(),
                "--decay-share",
                OPTIMIZERS.toString(),
                "--out",
                out.toString())
            .call();

    assertThat(exit).isZero();
    for (String name : BenchmarkCharts.charts(RESULTS, TARGETS, OPTIMIZERS).keySet()) {
      String svg = Files.readString(out.resolve(name));
      assertThat(svg).startsWith("<svg xmlns=").doesNotContain("NaN", "Infinity");
      assertThat(svg)
          .as("benchmarks/charts/%s is stale: regenerate it (BENCHMARKS.md, How to run)", name)
          .isEqualTo(Files.readString(ROOT.resolve("benchmarks/charts").resolve(name)));
    }
  }
}
