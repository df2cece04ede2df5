package io.paramstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.paramstream.client.GroupSpec;
import io.paramstream.client.Hyperparameters;
import io.paramstream.client.ParamstreamClient;
import io.paramstream.client.ParamstreamException;
import io.paramstream.server.ParamstreamServer;
import io.paramstream.server.ServerConfig;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The Prometheus endpoint of a real server process, and health while draining. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ObservabilityTest {

  @TempDir Path work;

  @Test
  void metricsEndpoint_reportsPushesRejectionsDuplicatesGroupsAndCheckpoints() throws Exception {
    try (LoggedServerProcess server = LoggedServerProcess.startObserved(work)) {
      try (ParamstreamClient client = ParamstreamClient.builder().target(server.target()).build()) {
        client.createGroup(new GroupSpec("w", new float[10], true, new Hyperparameters(0.1, 0)));
        client.pushExactlyOnce("worker", 1, Map.of("w", new float[10]));
        client.pushExactlyOnce("worker", 1, Map.of("w", new float[10])); // duplicate
        client.push(Map.of("w", new float[10]));
        try {
          client.push(Map.of("w", new float[3])); // wrong length
        } catch (ParamstreamException expected) {
          // counted as rejected
        }
      }
      ManagedChannel channel = Stubs.plaintext(server.target());
      Stubs.blocking(channel)
          .checkpoint(io.paramstream.proto.v1.CheckpointRequest.getDefaultInstance());
      channel.shutdownNow();

      HttpResponse<String> response =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + server.metricsPort() + "/metrics"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      String text = response.body();
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(text)
          .contains("paramstream_pushes_total{outcome=\"applied\"} 2.0")
          .contains("paramstream_pushes_total{outcome=\"duplicate\"} 1.0")
          .contains("paramstream_pushes_total{outcome=\"rejected\"} 1.0")
          .contains("paramstream_pushes_rejected_total{reason=\"invalid_argument\"} 1.0")
          .contains("paramstream_push_gradient_bytes_total 80.0")
          .contains("paramstream_push_apply_seconds_count 3")
          .contains("paramstream_groups 1.0")
          .contains("paramstream_parameter_bytes 40.0")
          .contains("paramstream_group_version{group=\"w\"} 2.0")
          .contains("paramstream_group_staleness_seconds{group=\"w\"}")
          .contains("paramstream_checkpoints_total{result=\"written\"} 1.0");
    }
  }

  @Test
  void health_turnsNotServingWhileDraining() throws Exception {
    ParamstreamServer server =
        ParamstreamServer.start(
            NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)),
            // The health watch below stays open; do not wait the default 10 s for it.
            ServerConfig.defaults().withShutdownGrace(java.time.Duration.ofMillis(200)));
    ManagedChannel channel = Stubs.plaintext("127.0.0.1:" + server.port());
    LinkedBlockingQueue<ServingStatus> statuses = new LinkedBlockingQueue<>();
    HealthGrpc.newStub(channel)
        .watch(
            HealthCheckRequest.newBuilder().setService(ParamstreamServer.SERVICE_NAME).build(),
            new StreamObserver<>() {
              @Override
              public void onNext(HealthCheckResponse value) {
                statuses.add(value.getStatus());
              }

              @Override
              public void onError(Throwable t) {}

              @Override
              public void onCompleted() {}
            });
    assertThat(statuses.poll(10, TimeUnit.SECONDS)).isEqualTo(ServingStatus.SERVING);

    server.close();

    assertThat(statuses.poll(10, TimeUnit.SECONDS)).isEqualTo(ServingStatus.NOT_SERVING);
    channel.shutdownNow();
  }
}
