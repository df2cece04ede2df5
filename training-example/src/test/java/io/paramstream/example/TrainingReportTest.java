package io.paramstream.example;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;
import static org.assertj.core.api.Assertions.tuple;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingReportTest {

  private static final List<EpochResult> TWO_WORKERS =
      List.of(
          new EpochResult(1, "worker-0", 1.0, 0.80),
          new EpochResult(2, "worker-0", 0.5, 0.90),
          new EpochResult(1, "worker-1", 2.0, 0.70),
          new EpochResult(2, "worker-1", 0.7, 0.92));

  @Test
  void withMeans_sortsByEpochAndEndsEachWithTheMeanOverWorkers() {
    assertThat(TrainingReport.withMeans(TWO_WORKERS))
        .extracting(EpochResult::epoch, EpochResult::worker)
        .containsExactly(
            tuple(1, "worker-0"),
            tuple(1, "worker-1"),
            tuple(1, "mean"),
            tuple(2, "worker-0"),
            tuple(2, "worker-1"),
            tuple(2, "mean"));
    EpochResult mean = TrainingReport.withMeans(TWO_WORKERS).get(2);
    assertThat(mean.loss()).isEqualTo(1.5);
    assertThat(mean.accuracy()).isCloseTo(0.75, offset(1e-12));
  }

  @Test
  void write_csvReadsBackAndPageHasALinePerWorkerInBothCharts(@TempDir Path dir) throws Exception {
    TrainingReport.write(dir.resolve("report"), TWO_WORKERS, Map.of("mode", "async"));

    Path csv = dir.resolve("report").resolve(TrainingReport.CSV);
    assertThat(Files.readAllLines(csv)).first().isEqualTo("epoch,worker,loss,accuracy");
    assertThat(TrainingReport.readCsv(csv)).hasSize(6).contains(TWO_WORKERS.get(1));
    String html = Files.readString(dir.resolve("report").resolve(TrainingReport.HTML));
    for (String chart : List.of("id=\"loss\"", "id=\"accuracy\"")) {
      String svg = html.substring(html.indexOf(chart), html.indexOf("</svg>", html.indexOf(chart)));
      assertThat(svg)
          .contains("data-series=\"worker-0\"", "data-series=\"worker-1\"")
          .contains(">worker-0<", ">worker-1<", ">epoch<");
    }
    assertThat(html)
        .contains("training loss (mean cross-entropy per row, nats)", "held-out accuracy (")
        .contains("<th>mode</th><td>async</td>")
        .doesNotContain("<script", "NaN");
    // Self-contained: the only address is SVG's namespace, which is a name, never fetched.
    assertThat(html.replace("xmlns=\"http://www.w3.org/2000/svg\"", ""))
        .doesNotContain("http://", "https://");
  }
}
