package io.paramstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import io.paramstream.proto.v1.GradientSlice;
import io.paramstream.proto.v1.GroupChunk;
import io.paramstream.proto.v1.GroupSelector;
import io.paramstream.proto.v1.ListGroupsRequest;
import io.paramstream.proto.v1.ParameterServerGrpc;
import io.paramstream.proto.v1.PushAck;
import io.paramstream.proto.v1.PushRequest;
import io.paramstream.proto.v1.WatchRequest;
import io.paramstream.server.ParamstreamServer;
import io.paramstream.server.ServerConfig;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bounded abuse: garbage bytes, broken and cancelled streams, a watcher that never reads, clients
 * that vanish. After each, the server still serves a well-behaved client and holds no stream.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AbuseTest {

  private ParamstreamServer server;
  private ManagedChannel channel;

  @TempDir Path work;

  @BeforeEach
  void start() throws Exception {
    server =
        ParamstreamServer.start(
            NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)),
            ServerConfig.defaults().withShutdownGrace(Duration.ofSeconds(1)));
    channel = Stubs.plaintext(target());
    Stubs.create(ParameterServerGrpc.newStub(channel), "g", 4, 0.1);
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.close();
  }

  private String target() {
    return "127.0.0.1:" + server.port();
  }

  /** The server still applies a push and answers a unary call, and holds no stream. */
  private void assertHealthyAndClean() throws Exception {
    assertThat(
            Stubs.blocking(channel)
                .listGroups(ListGroupsRequest.getDefaultInstance())
                .getGroupsCount())
        .isEqualTo(1);
    Stubs.eventually(
        Duration.ofSeconds(10),
        () -> {
          assertThat(server.openStreams()).as("open streams").isZero();
          assertThat(server.connectionsWithStreams()).as("connections with streams").isZero();
        });
  }

  @Test
  void randomBytes_onEveryMethod_areRefused_serverKeepsServing() throws Exception {
    Random random = new Random(7);
    for (MethodDescriptor<?, ?> method : ParameterServerGrpc.getServiceDescriptor().getMethods()) {
      for (int i = 0; i < 100; i++) {
        byte[] garbage = new byte[1 + random.nextInt(2000)];
        random.nextBytes(garbage);
        // Every call ends. Bytes that fail to parse end with INVALID_ARGUMENT, before the service
        // sees them (grpc-java's default would be UNKNOWN and a stack trace in the log). Bytes
        // that happen to parse are answered like any other request.
        Status status = Stubs.callRaw(channel, method, new Metadata(), garbage);
        assertThat(status.getCode()).isNotEqualTo(Status.Code.UNKNOWN);
        if (status.getDescription() != null
            && status.getDescription().startsWith("malformed request")) {
          assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        }
      }
      String name = method.getFullMethodName();
      Stubs.eventually(
          Duration.ofSeconds(3), () -> assertThat(server.openStreams()).as(name).isZero());
    }
    assertHealthyAndClean();
  }

  @Test
  void truncatedAndCancelledPushStreams_changeNothing_andLeaveNoStream() throws Exception {
    for (int i = 0; i < 20; i++) {
      CompletableFuture<Throwable> ended = new CompletableFuture<>();
      ClientCallStreamObserver<PushRequest>[] call = new ClientCallStreamObserver[1];
      ParameterServerGrpc.newStub(channel)
          .push(
              new ClientResponseObserver<PushRequest, PushAck>() {
                @Override
                public void beforeStart(ClientCallStreamObserver<PushRequest> requestStream) {
                  call[0] = requestStream;
                }

                @Override
                public void onNext(PushAck value) {}

                @Override
                public void onError(Throwable t) {
                  ended.complete(t);
                }

                @Override
                public void onCompleted() {
                  ended.complete(null);
                }
              });
      // Half a push: the first of two slices, marked as continued.
      call[0].onNext(
          PushRequest.newBuilder()
              .setPushId(1)
              .setContinued(true)
              .addGradients(GradientSlice.newBuilder().setGroup("g").setValues(Stubs.encode(1, 1)))
              .build());
      if (i % 2 == 0) {
        call[0].onCompleted(); // truncated: ends inside the push
        assertThat(Status.fromThrowable(ended.get(10, TimeUnit.SECONDS)).getCode())
            .isEqualTo(Status.Code.INVALID_ARGUMENT);
      } else {
        call[0].cancel("client gave up", null);
      }
    }
    assertThat(Stubs.pullAll(Stubs.blocking(channel)).get("g").version()).isZero();
    assertHealthyAndClean();
  }

  @Test
  void clientsConnectingAndVanishing_leaveNoStreamsOrThreadsBehind() throws Exception {
    int threadsBefore = Thread.activeCount();
    for (int round = 0; round < 3; round++) {
      List<ManagedChannel> clients = new ArrayList<>();
      for (int c = 0; c < 20; c++) {
        ManagedChannel client = Stubs.plaintext(target());
        clients.add(client);
        CompletableFuture<Void> first = new CompletableFuture<>();
        ParameterServerGrpc.newStub(client)
            .watch(
                WatchRequest.newBuilder()
                    .addGroups(GroupSelector.newBuilder().setName("g"))
                    .build(),
                new StreamObserver<>() {
                  @Override
                  public void onNext(GroupChunk value) {
                    first.complete(null);
                  }

                  @Override
                  public void onError(Throwable t) {}

                  @Override
                  public void onCompleted() {}
                });
        // A push stream left open mid-push.
        ParameterServerGrpc.newStub(client)
            .push(
                new StreamObserver<>() {
                  @Override
                  public void onNext(PushAck value) {}

                  @Override
                  public void onError(Throwable t) {}

                  @Override
                  public void onCompleted() {}
                })
            .onNext(
                PushRequest.newBuilder()
                    .setPushId(1)
                    .setContinued(true)
                    .addGradients(
                        GradientSlice.newBuilder().setGroup("g").setValues(Stubs.encode(1)).build())
                    .build());
        first.get(10, TimeUnit.SECONDS);
      }
      assertThat(server.openStreams()).isGreaterThanOrEqualTo(20);
      for (ManagedChannel client : clients) {
        client.shutdownNow(); // vanish without closing their calls
      }
      for (ManagedChannel client : clients) {
        client.awaitTermination(5, TimeUnit.SECONDS);
      }
    }
    assertHealthyAndClean();
    // Clients and server share this JVM, and executors grow a few threads under load; a thread
    // per vanished client (60 of them) would still far exceed this bound.
    Stubs.eventually(
        Duration.ofSeconds(10),
        () -> assertThat(Thread.activeCount()).isLessThanOrEqualTo(threadsBefore + 20));
  }

  @Test
  void watcherThatNeverReads_doesNotMakeServerBuffer_othersKeepWorking() throws Exception {
    // A real process with a small heap: buffering every version for the stalled watcher (about
    // 400 MB here) would kill it.
    try (LoggedServerProcess process = LoggedServerProcess.start(work.resolve("logs"))) {
      ManagedChannel other = Stubs.plaintext(process.target());
      int size = 1 << 20; // 4 MiB per version
      Stubs.create(ParameterServerGrpc.newStub(other), "big", size, 0.1);

      ManagedChannel stalled = Stubs.plaintext(process.target());
      ParameterServerGrpc.newStub(stalled)
          .watch(
              WatchRequest.newBuilder()
                  .addGroups(GroupSelector.newBuilder().setName("big"))
                  .build(),
              new ClientResponseObserver<WatchRequest, GroupChunk>() {
                @Override
                public void beforeStart(ClientCallStreamObserver<WatchRequest> requestStream) {
                  requestStream.disableAutoRequestWithInitial(0); // never reads a message
                }

                @Override
                public void onNext(GroupChunk value) {}

                @Override
                public void onError(Throwable t) {}

                @Override
                public void onCompleted() {}
              });

      LinkedBlockingQueue<Object> acks = new LinkedBlockingQueue<>();
      StreamObserver<PushRequest> pushes =
          ParameterServerGrpc.newStub(other)
              .push(
                  new StreamObserver<>() {
                    @Override
                    public void onNext(PushAck value) {
                      acks.add(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                      acks.add(t);
                    }

                    @Override
                    public void onCompleted() {}
                  });
      float[] gradient = new float[size];
      java.util.Arrays.fill(gradient, 0.5f);
      List<PushRequest> push = new ArrayList<>();
      int perMessage = 1 << 18; // 1 MiB slices
      for (int offset = 0; offset < size; offset += perMessage) {
        push.add(
            PushRequest.newBuilder()
                .setPushId(1)
                .setContinued(offset + perMessage < size)
                .addGradients(
                    GradientSlice.newBuilder()
                        .setGroup("big")
                        .setOffset(offset)
                        .setValues(
                            Stubs.encode(
                                java.util.Arrays.copyOfRange(
                                    gradient, offset, offset + perMessage))))
                .build());
      }
      for (int i = 0; i < 100; i++) {
        push.forEach(pushes::onNext);
        Object ack = acks.poll(20, TimeUnit.SECONDS);
        assertThat(ack).isInstanceOf(PushAck.class);
        assertThat(((PushAck) ack).getCode()).isZero();
      }
      pushes.onCompleted();
      assertThat(
              Stubs.blocking(other)
                  .listGroups(ListGroupsRequest.getDefaultInstance())
                  .getGroups(0)
                  .getVersion())
          .isEqualTo(100);
      stalled.shutdownNow();
      other.shutdownNow();
      assertThat(process.log()).doesNotContain("OutOfMemoryError");
    }
  }
}
