package io.paramstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.paramstream.client.GroupSpec;
import io.paramstream.client.Hyperparameters;
import io.paramstream.client.ParamstreamClient;
import io.paramstream.client.ParamstreamException;
import io.paramstream.client.WatchSubscription;
import io.paramstream.proto.v1.CheckpointRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every metric family an operator needs is on /metrics of a real server process, and the counters
 * move when the server works: two scrapes around known calls.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MetricsFamiliesProcessTest {

  private static final String PUSH = "grpc_method=\"Push\"";

  @TempDir Path work;

  @Test
  void metrics_exportEveryFamily_andCountersMoveWithWork() throws Exception {
    try (LoggedServerProcess server = LoggedServerProcess.startObserved(work);
        ParamstreamClient client = ParamstreamClient.builder().target(server.target()).build()) {
      client.createGroup(new GroupSpec("w", new float[10], true, new Hyperparameters(0.1, 0)));
      client.push(Map.of("w", new float[10]));
      Scrape before = Scrape.of(server.metricsPort());

      assertThat(before.sampleNames())
          .contains(
              // JVM and process, from the Prometheus client's instrumentation.
              "jvm_memory_used_bytes",
              "jvm_gc_collection_seconds_count",
              "jvm_threads_current",
              "process_resident_memory_bytes",
              "process_cpu_seconds_total",
              // Per gRPC method.
              "grpc_server_started_total",
              "grpc_server_handled_total",
              "grpc_server_handling_seconds_bucket",
              // The server's own.
              "paramstream_build_info",
              "paramstream_pushes_total",
              "paramstream_push_gradient_bytes_total",
              "paramstream_push_apply_seconds_bucket",
              "paramstream_push_staleness_versions_bucket",
              "paramstream_group_pushes_total",
              "paramstream_group_gradient_bytes_total",
              "paramstream_group_version",
              "paramstream_group_staleness_seconds",
              "paramstream_pulls_total",
              "paramstream_streams_open",
              "paramstream_connections_open",
              "paramstream_workers_registered",
              "paramstream_transient_in_use_bytes",
              "paramstream_transient_limit_bytes",
              "paramstream_checkpoint_seconds_bucket",
              "paramstream_checkpoint_last_written_timestamp_seconds");
      assertThat(before.sum("paramstream_build_info", "version=\"0.1.0")).isEqualTo(1);
      BuildCommit.assertIsThisBuild(before.label("paramstream_build_info", "commit"));
      assertThat(before.value("jvm_memory_used_bytes{area=\"heap\"}")).isPositive();
      assertThat(before.value("process_resident_memory_bytes")).isPositive();
      assertThat(before.value("paramstream_connections_open")).isGreaterThanOrEqualTo(1);
      assertThat(before.value("paramstream_checkpoint_last_written_timestamp_seconds")).isZero();

      for (int i = 0; i < 3; i++) {
        client.push(Map.of("w", new float[10]));
      }
      client.pull("w");
      assertThatThrownBy(() -> client.pull("missing")).isInstanceOf(ParamstreamException.class);
      ManagedChannel channel = Stubs.plaintext(server.target());
      Stubs.blocking(channel).checkpoint(CheckpointRequest.getDefaultInstance());
      channel.shutdownNow();
      try (WatchSubscription watch = client.watch(values -> {}, error -> {}, "w")) {
        Scrape after = Scrape.of(server.metricsPort());

        assertThat(delta(before, after, "paramstream_pushes_total{outcome=\"applied\"}"))
            .isEqualTo(3);
        assertThat(delta(before, after, "paramstream_group_pushes_total{group=\"w\"}"))
            .isEqualTo(3);
        assertThat(delta(before, after, "paramstream_group_gradient_bytes_total{group=\"w\"}"))
            .isEqualTo(3 * 10 * Float.BYTES);
        assertThat(delta(before, after, "paramstream_pulls_total")).isEqualTo(2);
        assertThat(after.value("paramstream_group_version{group=\"w\"}")).isEqualTo(4);
        assertThat(
                after.sum("grpc_server_started_total", PUSH)
                    - before.sum("grpc_server_started_total", PUSH))
            .isPositive();
        assertThat(after.sum("grpc_server_handled_total", "grpc_code=\"NOT_FOUND\"")).isEqualTo(1);
        // Pull or PullStream, whichever the client uses.
        assertThat(
                after.sum("grpc_server_handling_seconds_count", "grpc_method=\"Pull")
                    - before.sum("grpc_server_handling_seconds_count", "grpc_method=\"Pull"))
            .isPositive();
        // The watch opens asynchronously: the gauge follows within a moment.
        Stubs.eventually(
            Duration.ofSeconds(10),
            () ->
                assertThat(
                        Scrape.of(server.metricsPort())
                            .value("paramstream_streams_open{kind=\"watch\"}"))
                    .isEqualTo(1));
        assertThat(after.value("paramstream_checkpoint_last_written_timestamp_seconds"))
            .isCloseTo(System.currentTimeMillis() / 1e3, org.assertj.core.data.Offset.offset(60.0));
        assertThat(after.value("paramstream_checkpoints_total{result=\"written\"}")).isEqualTo(1);
      }
    }
  }

  private static double delta(Scrape before, Scrape after, String series) {
    return after.value(series) - before.value(series);
  }
}
