package io.paramstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.paramstream.client.ParamstreamClient;
import io.paramstream.core.GroupState;
import io.paramstream.core.Hyperparameters;
import io.paramstream.core.StoreState;
import io.paramstream.core.checkpoint.CheckpointFormat;
import io.paramstream.core.checkpoint.CheckpointStore;
import io.paramstream.proto.v1.CheckpointRequest;
import io.paramstream.proto.v1.CheckpointResponse;
import io.paramstream.proto.v1.ParameterServerGrpc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The restart rules against the real server jar: a start never silently loses a model. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CheckpointRestartRulesProcessTest {

  @TempDir Path work;

  private Path checkpoints() {
    return work.resolve("checkpoints");
  }

  private String[] args(String... extra) {
    return Stream.concat(
            Stream.of(
                "--checkpoint-dir", checkpoints().toString(), "--checkpoint-interval", "PT0S"),
            Stream.of(extra))
        .toArray(String[]::new);
  }

  private Path garbage(long sequence, String content) throws IOException {
    Files.createDirectories(checkpoints());
    Path file = checkpoints().resolve(String.format("checkpoint-%020d.psck", sequence));
    Files.writeString(file, content);
    return file;
  }

  private static StoreState model(long version) {
    return new StoreState(
        List.of(
            new GroupState(
                "weights", false, version, new Hyperparameters(0.1, 0), new float[] {1, 2, 3})),
        Map.of("worker", version));
  }

  private List<String> fileNames() throws IOException {
    try (Stream<Path> files = Files.list(checkpoints())) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void allCheckpointsCorrupt_refusesToStart_namingEveryFileAndReason_keepingThem()
      throws Exception {
    Path older = garbage(1, "not a checkpoint at all");
    Path newer = garbage(2, "PSCK");

    LoggedServerProcess.Exited exited = LoggedServerProcess.runToExit(work.resolve("logs"), args());

    assertThat(exited.exitCode()).isEqualTo(3);
    assertThat(exited.stdout()).doesNotContain("listening");
    assertThat(exited.stderr())
        .contains("checkpoint " + older + " is not loadable: not a checkpoint (bad magic)")
        .contains("checkpoint " + newer + " is not loadable: file of 4 bytes is too short")
        .contains("--allow-empty-start")
        .doesNotContain("\tat ")
        .doesNotContain("Exception");
    assertThat(Files.readString(older)).isEqualTo("not a checkpoint at all");
    assertThat(Files.readString(newer)).isEqualTo("PSCK");
  }

  @Test
  void allowEmptyStart_startsEmpty_andSetsTheFilesAsideInsteadOfDeletingThem() throws Exception {
    garbage(1, "garbage one");
    garbage(2, "garbage two");

    try (LoggedServerProcess server =
        LoggedServerProcess.start(work.resolve("logs"), args("--allow-empty-start"))) {
      ManagedChannel channel = Stubs.plaintext(server.target());
      assertThat(Stubs.pullAll(Stubs.blocking(channel))).isEmpty();
      CheckpointResponse written =
          Stubs.blocking(channel).checkpoint(CheckpointRequest.getDefaultInstance());
      channel.shutdownNow();

      assertThat(written.getFile()).isEqualTo("checkpoint-00000000000000000003.psck");
      assertThat(server.log()).contains("moved checkpoint-00000000000000000002.psck aside");
    }
    assertThat(fileNames())
        .contains(
            "checkpoint-00000000000000000001.psck.unloadable",
            "checkpoint-00000000000000000002.psck.unloadable");
    assertThat(
            Files.readString(
                checkpoints().resolve("checkpoint-00000000000000000002.psck.unloadable")))
        .isEqualTo("garbage two");
  }

  @Test
  void oddNamesAndCorruptNewest_restoreOlder_warn_andNumberAboveEveryFile() throws Exception {
    Files.createDirectories(checkpoints());
    new CheckpointStore(checkpoints(), 3).write(model(5)); // sequence 1
    Path corrupt = garbage(7, "torn");
    Path overflow = checkpoints().resolve("checkpoint-99999999999999999999.psck");
    Files.writeString(overflow, "x");
    Path shortName = checkpoints().resolve("checkpoint-12.psck");
    Files.writeString(shortName, "y");

    try (LoggedServerProcess server =
        LoggedServerProcess.start(work.resolve("logs"), args("--checkpoint-keep", "1"))) {
      ManagedChannel channel = Stubs.plaintext(server.target());
      Map<String, Stubs.Pulled> pulled = Stubs.pullAll(Stubs.blocking(channel));
      assertThat(pulled.get("weights").version()).isEqualTo(5);
      CheckpointResponse written =
          Stubs.blocking(channel).checkpoint(CheckpointRequest.getDefaultInstance());
      channel.shutdownNow();

      assertThat(written.getFile()).isEqualTo("checkpoint-00000000000000000008.psck");
      assertThat(server.log())
          .contains("ignoring " + overflow)
          .contains("ignoring " + shortName)
          .contains("checkpoint " + corrupt + " is not loadable: file of 4 bytes is too short");
    }
    // Rotation (keep 1) removed the restored file but none of the others.
    assertThat(fileNames())
        .containsExactly(
            "checkpoint-00000000000000000007.psck.unloadable",
            "checkpoint-00000000000000000008.psck",
            "checkpoint-12.psck",
            "checkpoint-99999999999999999999.psck");
  }

  @Test
  void killNineDuringCheckpoint_restartRestoresThePreviousOne_andRemovesTheTempFile()
      throws Exception {
    StoreState previous;
    Path temp;
    try (LoggedServerProcess server = LoggedServerProcess.start(work.resolve("logs"), args())) {
      ManagedChannel channel = Stubs.plaintext(server.target());
      Stubs.create(ParameterServerGrpc.newStub(channel), "big", 16 << 20, 0.1); // 64 MB
      Stubs.create(ParameterServerGrpc.newStub(channel), "small", 4, 0.1);
      Path first =
          checkpoints()
              .resolve(
                  Stubs.blocking(channel)
                      .checkpoint(CheckpointRequest.getDefaultInstance())
                      .getFile());
      previous = CheckpointFormat.read(() -> Files.newInputStream(first), Files.size(first));
      try (ParamstreamClient client = ParamstreamClient.create(channel)) {
        client.push(Map.of("small", new float[] {1, 1, 1, 1}));
      }

      ParameterServerGrpc.newStub(channel)
          .checkpoint(CheckpointRequest.getDefaultInstance(), ignoring());
      temp = checkpoints().resolve("checkpoint-00000000000000000002.psck.tmp");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (!Files.exists(temp) && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      server.kill9();
      channel.shutdownNow();
    }
    assertThat(temp).as("killed while the checkpoint was being written").exists();
    assertThat(checkpoints().resolve("checkpoint-00000000000000000002.psck")).doesNotExist();

    try (LoggedServerProcess restarted = LoggedServerProcess.start(work.resolve("logs"), args())) {
      ManagedChannel channel = Stubs.plaintext(restarted.target());
      Map<String, Stubs.Pulled> pulled = Stubs.pullAll(Stubs.blocking(channel));
      for (GroupState group : previous.groups()) {
        assertThat(pulled.get(group.name()).version()).isEqualTo(group.version());
      }
      assertThat(pulled.get("small").values()).containsExactly(0, 0, 0, 0);
      channel.shutdownNow();
      assertThat(restarted.log()).contains("removed " + temp.getFileName());
    }
    assertThat(temp).doesNotExist();
  }

  private static StreamObserver<CheckpointResponse> ignoring() {
    return new StreamObserver<>() {
      @Override
      public void onNext(CheckpointResponse value) {}

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {}
    };
  }
}
