package io.paramstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.paramstream.core.GroupState;
import io.paramstream.core.StoreState;
import io.paramstream.core.checkpoint.CheckpointFormat;
import io.paramstream.proto.v1.CheckpointRequest;
import io.paramstream.proto.v1.CheckpointResponse;
import io.paramstream.proto.v1.GradientSlice;
import io.paramstream.proto.v1.ParameterServerGrpc;
import io.paramstream.proto.v1.PushAck;
import io.paramstream.proto.v1.PushRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints against real server processes killed with SIGKILL and stopped with SIGTERM. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CheckpointRecoveryProcessTest {

  private static final Map<String, Integer> GROUPS = Map.of("weights", 20_000, "bias", 300);

  @TempDir Path work;

  private Path checkpoints() {
    return work.resolve("checkpoints");
  }

  private LoggedServerProcess start() throws Exception {
    return LoggedServerProcess.start(
        work.resolve("logs"),
        "--checkpoint-dir",
        checkpoints().toString(),
        "--checkpoint-interval",
        "PT0S",
        "--checkpoint-keep",
        "3");
  }

  private static StoreState readCheckpoint(Path file) throws IOException {
    return CheckpointFormat.read(() -> Files.newInputStream(file), Files.size(file));
  }

  private static void assertServerHolds(ManagedChannel channel, StoreState expected) {
    Map<String, Stubs.Pulled> pulled = Stubs.pullAll(Stubs.blocking(channel));
    assertThat(pulled.keySet())
        .containsExactlyInAnyOrderElementsOf(
            expected.groups().stream().map(GroupState::name).toList());
    for (GroupState group : expected.groups()) {
      Stubs.Pulled actual = pulled.get(group.name());
      assertThat(actual.version()).as("version of %s", group.name()).isEqualTo(group.version());
      assertThat(actual.values()).as("values of %s", group.name()).containsExactly(group.values());
    }
  }

  private static CheckpointResponse checkpoint(ManagedChannel channel) {
    return Stubs.blocking(channel).checkpoint(CheckpointRequest.getDefaultInstance());
  }

  @Test
  void killNine_whilePushing_restoresLastCheckpointExactly_thenFallsBackPastCorruptOne()
      throws Exception {
    Path first;
    Path second;
    long lastAckedBeforeKill;
    try (LoggedServerProcess server = start()) {
      ManagedChannel channel = Stubs.plaintext(server.target());
      for (Map.Entry<String, Integer> group : GROUPS.entrySet()) {
        Stubs.create(ParameterServerGrpc.newStub(channel), group.getKey(), group.getValue(), 0.05);
      }
      Pusher a = new Pusher(channel, "worker-a", GROUPS);
      Pusher b = new Pusher(channel, "worker-b", GROUPS);
      Thread ta = new Thread(a);
      Thread tb = new Thread(b);
      ta.start();
      tb.start();
      a.awaitMore(30);
      b.awaitMore(30);
      first = checkpoints().resolve(checkpoint(channel).getFile());
      a.awaitMore(30);
      b.awaitMore(30);
      second = checkpoints().resolve(checkpoint(channel).getFile());
      a.awaitMore(30); // acknowledged after the last checkpoint: these must be lost
      lastAckedBeforeKill = a.acked();

      server.kill9();

      ta.join(30_000);
      tb.join(30_000);
      channel.shutdownNow();
    }

    StoreState secondState = readCheckpoint(second);
    assertThat(secondState.lastSequences().get("worker-a")).isLessThan(lastAckedBeforeKill);
    assertThat(secondState.groups()).hasSize(2);

    try (LoggedServerProcess restarted = start()) {
      ManagedChannel channel = Stubs.plaintext(restarted.target());
      assertServerHolds(channel, secondState);

      // De-duplication survived: worker-a's last checkpointed push is a duplicate, the next is not.
      long seq = secondState.lastSequences().get("worker-a");
      PushAck retry = pushOnce(channel, "worker-a", seq);
      assertThat(retry.getCode()).isZero();
      assertThat(retry.getDuplicate()).isTrue();
      PushAck next = pushOnce(channel, "worker-a", seq + 1);
      assertThat(next.getDuplicate()).isFalse();
      long weightsVersion =
          secondState.groups().stream()
              .filter(g -> g.name().equals("weights"))
              .findFirst()
              .orElseThrow()
              .version();
      assertThat(next.getVersionsList())
          .anySatisfy(
              v -> {
                assertThat(v.getGroup()).isEqualTo("weights");
                assertThat(v.getVersion()).isEqualTo(weightsVersion + 1);
              });

      restarted.kill9();
      channel.shutdownNow();
    }

    // Corrupt the newest checkpoint: the server must skip it, say so, and load the one before.
    byte[] bytes = Files.readAllBytes(second);
    bytes[bytes.length / 2] ^= 0x5a;
    Files.write(second, bytes);
    StoreState firstState = readCheckpoint(first);
    try (LoggedServerProcess fallback = start()) {
      ManagedChannel channel = Stubs.plaintext(fallback.target());
      assertServerHolds(channel, firstState);
      assertThat(fallback.log())
          .contains("checkpoint " + second + " is not loadable: checksum mismatch")
          .contains("moved " + second.getFileName() + " aside");
      channel.shutdownNow();
    }
  }

  @Test
  void sigterm_writesFinalCheckpoint_soRestartLosesNothing() throws Exception {
    Map<String, Stubs.Pulled> before;
    try (LoggedServerProcess server = start()) {
      ManagedChannel channel = Stubs.plaintext(server.target());
      Stubs.create(ParameterServerGrpc.newStub(channel), "weights", 1000, 0.1);
      Pusher pusher = new Pusher(channel, "worker", Map.of("weights", 1000));
      Thread thread = new Thread(pusher);
      thread.start();
      pusher.awaitMore(50);
      pusher.stop();
      thread.join(30_000);
      before = Stubs.pullAll(Stubs.blocking(channel));
      channel.shutdownNow();

      // 143 = 128 + SIGTERM: the JVM exits that way after running its shutdown hooks.
      assertThat(server.terminate()).isIn(0, 143);
    }
    assertThat(before.get("weights").version()).isGreaterThanOrEqualTo(50);

    try (LoggedServerProcess restarted = start()) {
      ManagedChannel channel = Stubs.plaintext(restarted.target());
      Map<String, Stubs.Pulled> after = Stubs.pullAll(Stubs.blocking(channel));
      assertThat(after.get("weights").version()).isEqualTo(before.get("weights").version());
      assertThat(after.get("weights").values()).containsExactly(before.get("weights").values());
      channel.shutdownNow();
    }
  }

  @Test
  void checkpointRpc_withoutDirectory_isFailedPrecondition() throws Exception {
    try (LoggedServerProcess server = LoggedServerProcess.start(work.resolve("logs"))) {
      ManagedChannel channel = Stubs.plaintext(server.target());
      io.grpc.StatusRuntimeException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              io.grpc.StatusRuntimeException.class, () -> checkpoint(channel));
      assertThat(e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.FAILED_PRECONDITION);
      channel.shutdownNow();
    }
  }

  private static PushAck pushOnce(ManagedChannel channel, String worker, long sequence)
      throws Exception {
    var acks = new java.util.concurrent.LinkedBlockingQueue<Object>();
    var requests =
        ParameterServerGrpc.newStub(channel)
            .push(
                new io.grpc.stub.StreamObserver<>() {
                  @Override
                  public void onNext(PushAck ack) {
                    acks.add(ack);
                  }

                  @Override
                  public void onError(Throwable t) {
                    acks.add(t);
                  }

                  @Override
                  public void onCompleted() {}
                });
    PushRequest.Builder push =
        PushRequest.newBuilder().setPushId(1).setWorkerId(worker).setSequence(sequence);
    for (Map.Entry<String, Integer> group : GROUPS.entrySet()) {
      push.addGradients(
          GradientSlice.newBuilder()
              .setGroup(group.getKey())
              .setValues(Stubs.encode(new float[group.getValue()])));
    }
    requests.onNext(push.build());
    Object reply = acks.poll(20, TimeUnit.SECONDS);
    requests.onCompleted();
    assertThat(reply).isInstanceOf(PushAck.class);
    return (PushAck) reply;
  }
}
