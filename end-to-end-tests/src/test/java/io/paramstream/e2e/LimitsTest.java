package io.paramstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.paramstream.core.StoreLimits;
import io.paramstream.proto.v1.GroupChunk;
import io.paramstream.proto.v1.GroupSelector;
import io.paramstream.proto.v1.ListGroupsRequest;
import io.paramstream.proto.v1.ParameterServerGrpc;
import io.paramstream.proto.v1.WatchRequest;
import io.paramstream.server.DurabilityConfig;
import io.paramstream.server.LimitsConfig;
import io.paramstream.server.ParamstreamServer;
import io.paramstream.server.ServerConfig;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Limits over real loopback connections: past each, RESOURCE_EXHAUSTED and nothing changes. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LimitsTest {

  private ParamstreamServer server;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    server =
        ParamstreamServer.start(
            NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)),
            ServerConfig.defaults().withMaxInboundMessageBytes(64 * 1024),
            DurabilityConfig.disabled(),
            new LimitsConfig(new StoreLimits(2, 40_000), 2));
    channel = Stubs.plaintext("127.0.0.1:" + server.port());
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.close();
  }

  private static Status.Code codeOfCreate(ManagedChannel channel, String name, int size) {
    Exception e =
        assertThrows(
            Exception.class,
            () -> Stubs.create(ParameterServerGrpc.newStub(channel), name, size, 0.1));
    return Status.fromThrowable(e).getCode();
  }

  @Test
  void createGroup_pastMaxGroupsOrBytes_isResourceExhaustedAndChangesNothing() throws Exception {
    Stubs.create(ParameterServerGrpc.newStub(channel), "a", 5_000, 0.1);
    assertThat(codeOfCreate(channel, "too-big", 5_001)).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    Stubs.create(ParameterServerGrpc.newStub(channel), "b", 10, 0.1);
    assertThat(codeOfCreate(channel, "c", 1)).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);

    assertThat(
            Stubs.blocking(channel)
                .listGroups(ListGroupsRequest.getDefaultInstance())
                .getGroupsList())
        .extracting(g -> g.getName())
        .containsExactly("a", "b");
  }

  @Test
  void message_overSizeLimit_isResourceExhaustedAndChangesNothing() throws Exception {
    Stubs.create(ParameterServerGrpc.newStub(channel), "a", 100, 0.1);
    Exception e =
        assertThrows(
            Exception.class,
            () -> Stubs.create(ParameterServerGrpc.newStub(channel), "huge", 20_000, 0.1, true));
    assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(Stubs.pullAll(Stubs.blocking(channel))).containsOnlyKeys("a");
  }

  @Test
  void streams_pastPerConnectionLimit_areResourceExhausted_otherConnectionsUnaffected()
      throws Exception {
    Stubs.create(ParameterServerGrpc.newStub(channel), "a", 4, 0.1);
    // CreateGroup is a stream too, and the client has its answer a moment before the server
    // counts it closed: without this wait the second Watch was sometimes refused.
    Stubs.eventually(Duration.ofSeconds(10), () -> assertThat(server.openStreams()).isZero());
    Watch first = Watch.open(channel);
    Watch second = Watch.open(channel);
    first.awaitFirstChunk();
    second.awaitFirstChunk();

    Watch third = Watch.open(channel);
    assertThat(Status.fromThrowable(third.ended.get(10, TimeUnit.SECONDS)).getCode())
        .isEqualTo(Status.Code.RESOURCE_EXHAUSTED);

    // Another connection has its own budget; unary calls are not counted.
    ManagedChannel other = Stubs.plaintext("127.0.0.1:" + server.port());
    try {
      Watch elsewhere = Watch.open(other);
      elsewhere.awaitFirstChunk();
      elsewhere.cancel();
    } finally {
      other.shutdownNow();
    }
    assertThat(
            Stubs.blocking(channel)
                .listGroups(ListGroupsRequest.getDefaultInstance())
                .getGroupsCount())
        .isEqualTo(1);

    // Ending a stream frees its slot.
    first.cancel();
    Stubs.eventually(
        Duration.ofSeconds(10),
        () -> {
          Watch again = Watch.open(channel);
          again.awaitFirstChunk();
          again.cancel();
        });
    second.cancel();
    Stubs.eventually(Duration.ofSeconds(10), () -> assertThat(server.openStreams()).isZero());
  }

  /** An open Watch call on group "a". */
  static final class Watch implements ClientResponseObserver<WatchRequest, GroupChunk> {
    final CompletableFuture<GroupChunk> firstChunk = new CompletableFuture<>();
    final CompletableFuture<Throwable> ended = new CompletableFuture<>();
    private ClientCallStreamObserver<WatchRequest> call;

    static Watch open(ManagedChannel channel) {
      Watch watch = new Watch();
      ParameterServerGrpc.newStub(channel)
          .watch(
              WatchRequest.newBuilder().addGroups(GroupSelector.newBuilder().setName("a")).build(),
              watch);
      return watch;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<WatchRequest> requestStream) {
      call = requestStream;
    }

    @Override
    public void onNext(GroupChunk chunk) {
      firstChunk.complete(chunk);
    }

    @Override
    public void onError(Throwable t) {
      firstChunk.completeExceptionally(t);
      ended.complete(t);
    }

    @Override
    public void onCompleted() {
      ended.complete(null);
    }

    void awaitFirstChunk() throws Exception {
      firstChunk.get(10, TimeUnit.SECONDS);
    }

    void cancel() {
      call.cancel("test done", null);
    }
  }
}
