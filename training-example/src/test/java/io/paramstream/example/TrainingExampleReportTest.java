package io.paramstream.example;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runnable example as a user runs it, briefly: a real server on loopback and worker processes,
 * with {@code --report-dir}.
 */
@Timeout(180)
class TrainingExampleReportTest {

  @Test
  void reportDir_writesARowPerEpochPerWorkerAndAPageWithEachWorkersLines(@TempDir Path dir)
      throws Exception {
    Path reportDir = dir.resolve("report");

    int exit =
        TrainingExample.commandLine()
            .execute("--workers", "2", "--epochs", "3", "--report-dir", reportDir.toString());

    assertThat(exit).as("exit code (0 or 1: below the bar after 3 epochs)").isIn(0, 1);
    List<EpochResult> rows = TrainingReport.readCsv(reportDir.resolve(TrainingReport.CSV));
    assertThat(rows).hasSize(3 * 3);
    for (int epoch = 1; epoch <= 3; epoch++) {
      for (String worker : List.of("worker-0", "worker-1", TrainingReport.MEAN)) {
        int e = epoch;
        assertThat(rows)
            .as("epoch %d, %s", epoch, worker)
            .filteredOn(r -> r.epoch() == e && r.worker().equals(worker))
            .singleElement()
            .satisfies(
                r -> {
                  assertThat(r.loss()).isFinite().isPositive();
                  assertThat(r.accuracy()).isBetween(0.0, 1.0);
                });
      }
    }
    // The model learns: the last epoch's accuracy is far above chance (0.1).
    assertThat(rows.get(rows.size() - 1).accuracy()).isGreaterThan(0.8);
    String html = Files.readString(reportDir.resolve(TrainingReport.HTML));
    assertThat(html)
        .contains("id=\"loss\"", "id=\"accuracy\"")
        .contains("data-series=\"worker-0\"", "data-series=\"worker-1\"")
        .doesNotContain("NaN");
    assertThat(html.split("data-series=\"worker-1\"", -1)).hasSize(3);
  }
}
