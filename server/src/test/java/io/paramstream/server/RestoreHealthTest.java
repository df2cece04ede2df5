package io.paramstream.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.paramstream.core.GroupState;
import io.paramstream.core.Hyperparameters;
import io.paramstream.core.StoreLimits;
import io.paramstream.core.StoreState;
import io.paramstream.core.checkpoint.CheckpointStore;
import io.paramstream.proto.v1.ListGroupsRequest;
import io.paramstream.proto.v1.ParameterServerGrpc;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** While a checkpoint is being restored, health says NOT_SERVING and the service refuses calls. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RestoreHealthTest {

  @TempDir Path dir;

  @Test
  void start_whileRestoring_reportsNotServingThenServing() throws Exception {
    // A checkpoint big enough (256 MB) that restoring it takes a noticeable time.
    float[] values = new float[64 << 20];
    java.util.Arrays.fill(values, 0.5f);
    new CheckpointStore(dir, 2)
        .write(
            new StoreState(
                List.of(new GroupState("big", true, 7, new Hyperparameters(0.1, 0), values)),
                Map.of()));
    values = null;

    String name = InProcessServerBuilder.generateName();
    ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
    Set<ServingStatus> seen = ConcurrentHashMap.newKeySet();
    Set<String> refusals = ConcurrentHashMap.newKeySet();
    AtomicBoolean started = new AtomicBoolean();
    CompletableFuture<Void> prober =
        CompletableFuture.runAsync(
            () -> {
              while (!started.get()) {
                // Before the server exists the channel backs off; skip the wait so the probes
                // reach the server while it restores.
                channel.resetConnectBackoff();
                try {
                  seen.add(
                      HealthGrpc.newBlockingStub(channel)
                          .withDeadlineAfter(1, TimeUnit.SECONDS)
                          .check(HealthCheckRequest.newBuilder().setService("").build())
                          .getStatus());
                  ParameterServerGrpc.newBlockingStub(channel)
                      .withDeadlineAfter(1, TimeUnit.SECONDS)
                      .listGroups(ListGroupsRequest.getDefaultInstance());
                } catch (StatusRuntimeException e) {
                  refusals.add(e.getStatus().getCode() + ": " + e.getStatus().getDescription());
                }
              }
            });

    try (ParamstreamServer server =
        ParamstreamServer.start(
            InProcessServerBuilder.forName(name),
            ServerConfig.defaults(),
            DurabilityConfig.in(dir, Duration.ZERO, 2),
            new LimitsConfig(StoreLimits.NONE, 100))) {
      started.set(true);
      prober.get(30, TimeUnit.SECONDS);

      assertThat(seen).contains(ServingStatus.NOT_SERVING);
      assertThat(refusals).contains("UNAVAILABLE: server is restoring from a checkpoint");
      assertThat(
              HealthGrpc.newBlockingStub(channel)
                  .check(HealthCheckRequest.newBuilder().setService("").build())
                  .getStatus())
          .isEqualTo(ServingStatus.SERVING);
      assertThat(server.store().list(List.of()).get(0).version()).isEqualTo(7);
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
