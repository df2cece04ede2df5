package io.paramstream.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

@Timeout(60)
class SimulatorMainTest {

  @Test
  void execute_embeddedOpenLoop_writesReportsAndExitsZero(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("report.json");
    Path html = dir.resolve("report.html");
    int exit =
        new CommandLine(new SimulatorMain())
            .execute(
                "--embedded",
                "--quiet",
                "--mode",
                "open",
                "--rate",
                "200",
                "--groups",
                "2",
                "--group-size",
                "256",
                "--warmup",
                "PT0.3S",
                "--duration",
                "PT1S",
                "--report-json",
                json.toString(),
                "--report-html",
                html.toString());

    assertThat(exit).isZero();
    String report = Files.readString(json);
    assertThat(report).contains("\"mode\": \"open\"").contains("\"errors\": {}");
    assertThat(report).doesNotContain("\"operations\": 0,");
    assertThat(Files.readString(html)).contains("<svg").contains("Latency by percentile");
  }

  @Test
  void execute_targetAndEmbeddedTogether_isAUsageError() {
    int exit =
        new CommandLine(new SimulatorMain()).execute("--embedded", "--target", "localhost:1");
    assertThat(exit).isEqualTo(2);
  }

  @Test
  void execute_openLoopWithoutRate_isRejected() {
    int exit = new CommandLine(new SimulatorMain()).execute("--embedded", "--mode", "open");
    assertThat(exit).isEqualTo(2);
  }
}
