package io.paramstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.paramstream.proto.v1.GradientSlice;
import io.paramstream.proto.v1.ParameterServerGrpc;
import io.paramstream.proto.v1.PushAck;
import io.paramstream.proto.v1.PushRequest;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM with workers connected: the process exits soon after its last stream has ended, without
 * waiting for connected clients to hang up.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ShutdownProcessTest {

  private static final int PUSHERS = 6;

  @TempDir Path work;

  @Test
  void sigterm_withPushersConnected_exitsSoonAfterTheLastStreamEnds() throws Exception {
    List<ManagedChannel> channels = new ArrayList<>();
    List<Socket> idle = new ArrayList<>();
    // A long grace, so waiting for connections instead of calls cannot pass for fast.
    try (LoggedServerProcess server =
        LoggedServerProcess.start(work.resolve("logs"), "--shutdown-grace", "PT20S")) {
      ManagedChannel admin = Stubs.plaintext(server.target());
      channels.add(admin);
      Stubs.create(ParameterServerGrpc.newStub(admin), "g", 4, 0.1);
      List<CompletableFuture<Long>> streamEnds = new ArrayList<>();
      for (int i = 0; i < PUSHERS; i++) {
        ManagedChannel channel = Stubs.plaintext(server.target());
        channels.add(channel);
        streamEnds.add(pushOnceAndStayOpen(channel));
      }
      // Connections that carry no call, as a worker's between runs or one still connecting. gRPC's
      // graceful shutdown waits for such connections to close (the Python client's stay open
      // after the server's GOAWAY too), up to the whole grace period: 10 s.
      for (int i = 0; i < 3; i++) {
        idle.add(new Socket("127.0.0.1", server.port()));
      }

      long signalled = System.nanoTime();
      assertThat(server.terminate()).isIn(0, 143);
      long exited = System.nanoTime();

      long lastStreamEnd = 0;
      for (CompletableFuture<Long> end : streamEnds) {
        lastStreamEnd = Math.max(lastStreamEnd, end.get(10, TimeUnit.SECONDS));
      }
      double afterLastStreamSeconds = (exited - lastStreamEnd) / 1e9;
      System.out.printf(
          "shutdown: streams ended %.3f s after SIGTERM, process exited %.3f s after the last%n",
          (lastStreamEnd - signalled) / 1e9, afterLastStreamSeconds);
      // About 0.4 s here, most of it the JVM exiting; 2.1 s once with a load average of 15 on two
      // cores, hence the slack. Waiting for idle connections took the whole grace period.
      assertThat(afterLastStreamSeconds).isLessThan(3.0);
    } finally {
      channels.forEach(ManagedChannel::shutdownNow);
      for (Socket socket : idle) {
        socket.close();
      }
    }
  }

  /**
   * Opens a Push stream, has one push acked, and leaves the stream open like a worker between
   * steps. Completes with the time the server ended the stream.
   */
  private static CompletableFuture<Long> pushOnceAndStayOpen(ManagedChannel channel)
      throws Exception {
    CompletableFuture<PushAck> acked = new CompletableFuture<>();
    CompletableFuture<Long> ended = new CompletableFuture<>();
    StreamObserver<PushRequest> requests =
        ParameterServerGrpc.newStub(channel)
            .push(
                new StreamObserver<>() {
                  @Override
                  public void onNext(PushAck ack) {
                    acked.complete(ack);
                  }

                  @Override
                  public void onError(Throwable t) {
                    ended.complete(System.nanoTime());
                  }

                  @Override
                  public void onCompleted() {
                    ended.complete(System.nanoTime());
                  }
                });
    requests.onNext(
        PushRequest.newBuilder()
            .setPushId(1)
            .addGradients(
                GradientSlice.newBuilder().setGroup("g").setValues(Stubs.encode(1, 1, 1, 1)))
            .build());
    assertThat(acked.get(10, TimeUnit.SECONDS).getCode()).isZero();
    return ended;
  }
}
