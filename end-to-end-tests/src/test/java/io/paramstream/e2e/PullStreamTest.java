package io.paramstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.paramstream.client.ErrorCode;
import io.paramstream.client.GroupSpec;
import io.paramstream.client.GroupValues;
import io.paramstream.client.Hyperparameters;
import io.paramstream.client.ParamstreamClient;
import io.paramstream.client.ParamstreamException;
import io.paramstream.proto.v1.GroupChunk;
import io.paramstream.proto.v1.GroupSelector;
import io.paramstream.proto.v1.ParameterServerGrpc;
import io.paramstream.proto.v1.PullRequest;
import io.paramstream.server.ParamstreamServer;
import io.paramstream.server.ServerConfig;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** PullStream: the wire protocol through raw stubs, and the client's shared pull stream. */
@Timeout(120)
class PullStreamTest {

  @RegisterExtension final NettyServerExtension netty = new NettyServerExtension();

  /** Collects what the server sends on one raw PullStream call. */
  private static final class Recorder implements StreamObserver<GroupChunk> {
    final BlockingQueue<GroupChunk> chunks = new LinkedBlockingQueue<>();
    final CompletableFuture<Status> ended = new CompletableFuture<>();

    @Override
    public void onNext(GroupChunk chunk) {
      chunks.add(chunk);
    }

    @Override
    public void onError(Throwable t) {
      ended.complete(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
      ended.complete(Status.OK);
    }

    /** The chunks of one answer, up to and including the one with end_of_pull. */
    List<GroupChunk> answer() throws InterruptedException {
      List<GroupChunk> answer = new ArrayList<>();
      while (true) {
        GroupChunk chunk = chunks.poll(20, TimeUnit.SECONDS);
        assertThat(chunk).as("next chunk").isNotNull();
        answer.add(chunk);
        if (chunk.getEndOfPull()) {
          return answer;
        }
      }
    }
  }

  private static PullRequest pullOf(String... names) {
    PullRequest.Builder request = PullRequest.newBuilder();
    for (String name : names) {
      request.addGroups(GroupSelector.newBuilder().setName(name));
    }
    return request.build();
  }

  @Test
  void eachRequestIsAnsweredInOrder_endOfPullOnlyOnTheLastChunk() throws Exception {
    ParamstreamServer server =
        ParamstreamServer.start(
            NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)),
            ServerConfig.defaults().withMaxChunkBytes(1024));
    ManagedChannel channel = Stubs.plaintext("127.0.0.1:" + server.port());
    try (ParamstreamClient admin = ParamstreamClient.create(channel)) {
      float[] big = new float[1000]; // 4000 bytes: 4 chunks of at most 1024 bytes
      for (int i = 0; i < big.length; i++) {
        big[i] = i;
      }
      admin.createGroup(new GroupSpec("big", big, false, new Hyperparameters(0.1, 0)));
      admin.createGroup(GroupSpec.zeros("small", 3, true));
      Recorder recorder = new Recorder();
      StreamObserver<PullRequest> requests =
          ParameterServerGrpc.newStub(channel).pullStream(recorder);

      requests.onNext(pullOf("big", "small"));
      List<GroupChunk> first = recorder.answer();
      requests.onNext(pullOf("small"));
      List<GroupChunk> second = recorder.answer();
      requests.onCompleted();

      assertThat(first)
          .extracting(GroupChunk::getName)
          .containsExactly("big", "big", "big", "big", "small");
      assertThat(first)
          .extracting(GroupChunk::getEndOfPull)
          .containsExactly(false, false, false, false, true);
      assertThat(first.get(3).getOffset()).isEqualTo(768);
      assertThat(second).extracting(GroupChunk::getName).containsExactly("small");
      assertThat(second.get(0).getValues().size()).isEqualTo(12);
      assertThat(recorder.ended.get(20, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.OK);
    } finally {
      channel.shutdownNow();
      server.close();
    }
  }

  @Test
  void anAnswerWithNoGroupIsABareEndMarker() throws Exception {
    ManagedChannel channel = Stubs.plaintext(netty.target());
    try {
      Recorder recorder = new Recorder();
      StreamObserver<PullRequest> requests =
          ParameterServerGrpc.newStub(channel).pullStream(recorder);

      requests.onNext(PullRequest.getDefaultInstance()); // every group, and there is none

      assertThat(recorder.answer())
          .containsExactly(GroupChunk.newBuilder().setEndOfPull(true).build());
      requests.onCompleted();
      assertThat(recorder.ended.get(20, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.OK);
    } finally {
      channel.shutdownNow();
    }
  }

  @Test
  void anUnknownGroupEndsTheStreamWithNotFound() throws Exception {
    ManagedChannel channel = Stubs.plaintext(netty.target());
    try {
      Recorder recorder = new Recorder();
      StreamObserver<PullRequest> requests =
          ParameterServerGrpc.newStub(channel).pullStream(recorder);

      requests.onNext(pullOf("missing"));

      Status status = recorder.ended.get(20, TimeUnit.SECONDS);
      assertThat(status.getCode()).isEqualTo(Status.Code.NOT_FOUND);
      assertThat(status.getDescription()).contains("missing");
      Stubs.eventually(
          Duration.ofSeconds(10), () -> assertThat(netty.server().openStreams()).isZero());
    } finally {
      channel.shutdownNow();
    }
  }

  @Test
  void clientPulls_shareOneStream_andRecoverAfterAnError() {
    ParamstreamClient client = netty.client();
    client.createGroup(new GroupSpec("w", new float[] {1f, 2f}, false, new Hyperparameters(1, 0)));

    for (int i = 1; i <= 20; i++) {
      client.push(Map.of("w", new float[] {-1f, 0f}));
      GroupValues w = client.pull("w").get("w");
      assertThat(w.version()).isEqualTo(i);
      assertThat(w.values()).containsExactly(1f + i, 2f);
    }
    // One long-lived pull stream carried all 20 pulls.
    assertThat(netty.server().openStreams()).isEqualTo(1);

    assertThatThrownBy(() -> client.pull("missing"))
        .isInstanceOfSatisfying(
            ParamstreamException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
    assertThat(client.pullIfNewer("w", 20)).isEmpty();
    assertThat(client.pull("w").get("w").version()).isEqualTo(20);
  }

  @Test
  void concurrentClientPulls_allGetConsistentSnapshots() throws Exception {
    ParamstreamClient client = netty.client();
    client.createGroup(GroupSpec.zeros("a", 4096, false));
    client.createGroup(GroupSpec.zeros("b", 4096, false));
    ExecutorService threads = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        done.add(
            threads.submit(
                () -> {
                  for (int i = 0; i < 50; i++) {
                    Map<String, GroupValues> pulled = client.pull("a", "b");
                    assertThat(pulled.get("a").values()).hasSize(4096);
                    assertThat(pulled.get("b").values()).hasSize(4096);
                  }
                  return null;
                }));
      }
      for (Future<?> future : done) {
        future.get(60, TimeUnit.SECONDS);
      }
    } finally {
      threads.shutdownNow();
    }
  }

  @Test
  void shutdown_endsAnIdlePullStreamWithUnavailable() throws Exception {
    ParamstreamServer server =
        ParamstreamServer.start(
            NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)),
            ServerConfig.defaults().withShutdownGrace(Duration.ofSeconds(10)));
    ManagedChannel channel = Stubs.plaintext("127.0.0.1:" + server.port());
    try {
      Recorder recorder = new Recorder();
      StreamObserver<PullRequest> requests =
          ParameterServerGrpc.newStub(channel).pullStream(recorder);
      requests.onNext(PullRequest.getDefaultInstance());
      recorder.answer();

      long start = System.nanoTime();
      server.close();

      assertThat(recorder.ended.get(20, TimeUnit.SECONDS).getCode())
          .isEqualTo(Status.Code.UNAVAILABLE);
      // Ended by the drain, not by waiting out the grace period.
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
    } finally {
      channel.shutdownNow();
      server.close();
    }
  }
}
