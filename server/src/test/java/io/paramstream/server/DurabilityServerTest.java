package io.paramstream.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.inprocess.InProcessServerBuilder;
import io.paramstream.core.GroupGradient;
import io.paramstream.core.GroupStore;
import io.paramstream.core.Hyperparameters;
import io.paramstream.core.StoreLimits;
import io.paramstream.core.TransientMemoryBudget;
import io.paramstream.core.checkpoint.CheckpointFormat;
import io.paramstream.core.checkpoint.CheckpointStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Periodic checkpoints and the token file, on the in-process transport. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DurabilityServerTest {

  @TempDir Path dir;

  private ParamstreamServer start(Duration interval) throws Exception {
    return ParamstreamServer.start(
        InProcessServerBuilder.forName(InProcessServerBuilder.generateName()),
        ServerConfig.defaults(),
        DurabilityConfig.in(dir, interval, 2),
        new LimitsConfig(StoreLimits.NONE, 100));
  }

  @Test
  void periodicCheckpoint_capturesPushes_andKeepsOnlyK() throws Exception {
    try (ParamstreamServer server = start(Duration.ofMillis(50))) {
      server.store().create("g", new float[] {1}, false, null);
      server.store().push("w", 1, List.of(new GroupGradient("g", new float[] {1})));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!newestHolds(1)) {
        assertThat(System.nanoTime()).isLessThan(deadline);
        Thread.sleep(20);
      }
      Thread.sleep(300); // several more periods
    }
    // Read only once the server is closed: a CheckpointStore clears temporary files it finds.
    CheckpointStore files = new CheckpointStore(dir, 2);
    assertThat(files.list()).hasSize(2);
    assertThat(files.restoreNewest().orElseThrow().state().lastSequences()).containsEntry("w", 1L);
  }

  /** Whether the newest complete checkpoint file holds group g at {@code version}. */
  private boolean newestHolds(long version) throws Exception {
    try (var stream = Files.list(dir)) {
      Path newest =
          stream
              .filter(p -> p.toString().endsWith(".psck"))
              .sorted()
              .reduce((a, b) -> b)
              .orElse(null);
      if (newest == null) {
        return false;
      }
      var state = CheckpointFormat.read(() -> Files.newInputStream(newest), Files.size(newest));
      return !state.groups().isEmpty() && state.groups().get(0).version() == version;
    } catch (java.io.IOException e) {
      return false; // pruned between listing and reading; look again
    }
  }

  @Test
  void periodicCheckpoint_nothingChanged_writesNothing_butOnDemandAlwaysWrites() throws Exception {
    GroupStore store = new GroupStore(new Hyperparameters(0.1, 0));
    Checkpointer checkpointer =
        new Checkpointer(
            store, dir, 10, 0, new ServerMetrics(store, new TransientMemoryBudget(1 << 20)));
    checkpointer.restore(false);

    assertThat(checkpointer.checkpointIfChanged()).as("empty, as restored").isEmpty();
    store.create("g", new float[] {1}, false, null);
    assertThat(checkpointer.checkpointIfChanged()).isPresent();
    assertThat(checkpointer.checkpointIfChanged()).isEmpty();
    store.push(List.of(new GroupGradient("g", new float[] {1})));
    assertThat(checkpointer.checkpointIfChanged()).isPresent();
    checkpointer.checkpoint();

    assertThat(new CheckpointStore(dir, 10).list()).hasSize(3);
  }

  @Test
  void requestedCheckpointsArePaced_butTheShutdownCheckpointIsNot() throws Exception {
    GroupStore store = new GroupStore(new Hyperparameters(0.1, 0));
    store.create("g", new float[1 << 20], false, null); // 4 MiB
    Checkpointer checkpointer =
        new Checkpointer(
            store, dir, 10, 1 << 20, new ServerMetrics(store, new TransientMemoryBudget(1 << 20)));
    checkpointer.restore(false);

    long start = System.nanoTime();
    checkpointer.checkpoint();
    double paced = (System.nanoTime() - start) / 1e9;
    store.push(List.of(new GroupGradient("g", new float[1 << 20])));
    start = System.nanoTime();
    checkpointer.close();
    double shutdown = (System.nanoTime() - start) / 1e9;

    assertThat(paced).as("4 MiB at 1 MiB/s").isGreaterThanOrEqualTo(3.5);
    assertThat(shutdown).as("the shutdown checkpoint, unpaced").isLessThan(3.0);
    assertThat(new CheckpointStore(dir, 10).list()).hasSize(2);
  }

  @Test
  void restart_restoresStoreFromShutdownCheckpoint() throws Exception {
    try (ParamstreamServer server = start(Duration.ZERO)) {
      server.store().create("g", new float[] {1, 2}, true, null);
      server.store().push(List.of(new GroupGradient("g", new float[] {1, 1})));
    }
    try (ParamstreamServer server = start(Duration.ZERO)) {
      assertThat(server.store().list(List.of()).get(0).version()).isEqualTo(1);
      assertThat(server.store().parameterBytes()).isEqualTo(8);
    }
  }

  @Test
  void tokenFile_badLines_areRefusedWithoutEchoingTheToken() throws Exception {
    Path file = dir.resolve("tokens");
    Files.writeString(file, "admin short\n");
    assertThatThrownBy(() -> BearerTokens.fromFile(file))
        .hasMessageContaining("line 1")
        .hasMessageNotContaining("short");
    Files.writeString(file, "superuser 0123456789abcdef0123\n");
    assertThatThrownBy(() -> BearerTokens.fromFile(file))
        .hasMessageContaining("unknown role")
        .hasMessageNotContaining("0123456789abcdef0123");
    Files.writeString(file, "# only a comment\n\n");
    assertThatThrownBy(() -> BearerTokens.fromFile(file)).hasMessageContaining("no tokens");
    Files.writeString(file, "reader 0123456789abcdef0123\nworker 0123456789abcdef4567\n");
    assertThat(BearerTokens.fromFile(file).count()).isEqualTo(2);
  }

  @Test
  void roles_grantWhatTheIssueLists() {
    String push = io.paramstream.proto.v1.ParameterServerGrpc.getPushMethod().getFullMethodName();
    String create =
        io.paramstream.proto.v1.ParameterServerGrpc.getCreateGroupMethod().getFullMethodName();
    String pull = io.paramstream.proto.v1.ParameterServerGrpc.getPullMethod().getFullMethodName();
    assertThat(Role.READER.allows(pull)).isTrue();
    assertThat(Role.READER.allows(push)).isFalse();
    assertThat(Role.WORKER.allows(push)).isTrue();
    assertThat(Role.WORKER.allows(create)).isFalse();
    assertThat(Role.ADMIN.allows(create)).isTrue();
  }
}
