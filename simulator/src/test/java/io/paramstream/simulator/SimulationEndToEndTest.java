package io.paramstream.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A short real run: embedded Netty server on loopback, two workers, closed loop. */
@Timeout(60)
class SimulationEndToEndTest {

  @Test
  void run_embeddedClosedLoop_pushesAckedAndVersionsMatch() throws Exception {
    SimulationConfig config =
        new SimulationConfig(
            2,
            3,
            4096,
            2,
            SimulationConfig.Mode.CLOSED,
            4,
            0,
            SimulationConfig.Workload.PUSH,
            Duration.ofMillis(500),
            Duration.ofSeconds(2),
            11,
            "e2e-",
            SimulationConfig.ClientExecutor.DIRECT);
    RunReport report;
    try (EmbeddedServer server = EmbeddedServer.start()) {
      report = new Simulation(config, server.target(), null).run();
    }

    assertThat(report.operations()).isPositive();
    assertThat(report.errors()).isEmpty();
    assertThat(report.acknowledgedPushes()).isGreaterThanOrEqualTo(report.operations());
    assertThat(report.versionsAdvanced()).hasSize(3);
    // Every push carries all groups, so each group advanced once per acknowledged push.
    assertThat(report.versionsAdvanced().values()).containsOnly(report.acknowledgedPushes());
    assertThat(report.latency().count()).isEqualTo(report.operations());
    assertThat(report.latency().p50Nanos()).isPositive();
    assertThat(report.timeline()).hasSize(2);
  }
}
