package io.paramstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.paramstream.client.GroupSpec;
import io.paramstream.client.GroupValues;
import io.paramstream.client.Hyperparameters;
import io.paramstream.client.ParamstreamClient;
import io.paramstream.proto.v1.ParameterServerGrpc;
import io.paramstream.server.ParamstreamServer;
import io.paramstream.server.ServerConfig;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Pushes through a server that loses requests, loses acknowledgements after applying the push, and
 * delays acknowledgements past the client's deadline. With worker ids and sequences, every push
 * must still be applied exactly once.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ExactlyOnceFaultInjectionTest {

  private static final int WORKERS = 3;
  private static final int PUSHES_PER_WORKER = 60;

  /** Injects faults into Push calls, deterministically from a seed. */
  static final class FaultInjector implements ServerInterceptor {
    final AtomicInteger lostRequests = new AtomicInteger();
    final AtomicInteger lostAcks = new AtomicInteger();
    final AtomicInteger delayedAcks = new AtomicInteger();
    private final Random random = new Random(20261124);

    private synchronized double roll() {
      return random.nextDouble();
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      // By name: the server parses Push with its own marshaller, so the descriptor is not the
      // generated instance.
      if (!call.getMethodDescriptor()
          .getFullMethodName()
          .equals(ParameterServerGrpc.getPushMethod().getFullMethodName())) {
        return next.startCall(call, headers);
      }
      double fault = roll();
      if (fault < 0.15) {
        lostRequests.incrementAndGet();
        call.close(Status.UNAVAILABLE.withDescription("injected: request lost"), new Metadata());
        return new ServerCall.Listener<>() {};
      }
      boolean loseAck = fault < 0.35;
      boolean delayAck = !loseAck && fault < 0.40;
      return next.startCall(
          new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            private boolean closedByFault;

            @Override
            public synchronized void sendMessage(R message) {
              if (closedByFault) {
                return;
              }
              if (loseAck) {
                // The push was applied; its acknowledgement never reaches the client.
                lostAcks.incrementAndGet();
                closedByFault = true;
                super.close(
                    Status.UNAVAILABLE.withDescription("injected: ack lost"), new Metadata());
                return;
              }
              if (delayAck) {
                delayedAcks.incrementAndGet();
                try {
                  Thread.sleep(1500); // past the client's 1 s deadline
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
              super.sendMessage(message);
            }

            @Override
            public synchronized void close(Status status, Metadata trailers) {
              if (!closedByFault) {
                closedByFault = true;
                super.close(status, trailers);
              }
            }
          },
          headers);
    }
  }

  @Test
  void pushExactlyOnce_withLostRequestsLostAndLateAcks_appliesEveryPushOnce() throws Exception {
    FaultInjector faults = new FaultInjector();
    try (ParamstreamServer server =
            ParamstreamServer.start(
                NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                    .intercept(faults),
                ServerConfig.defaults());
        ParamstreamClient admin =
            ParamstreamClient.builder().target("127.0.0.1:" + server.port()).build();
        // A short deadline so the delayed acks surface as DEADLINE_EXCEEDED.
        ParamstreamClient client =
            ParamstreamClient.builder()
                .target("127.0.0.1:" + server.port())
                .deadline(Duration.ofSeconds(1))
                .build()) {
      admin.createGroup(new GroupSpec("g", new float[8], false, new Hyperparameters(1.0, 0.0)));
      ExecutorService workers = Executors.newFixedThreadPool(WORKERS);
      try {
        List<Future<?>> done = new ArrayList<>();
        for (int w = 0; w < WORKERS; w++) {
          String worker = "worker-" + w;
          done.add(
              workers.submit(
                  () -> {
                    float[] ones = new float[8];
                    java.util.Arrays.fill(ones, 1f);
                    for (long seq = 1; seq <= PUSHES_PER_WORKER; seq++) {
                      client.pushExactlyOnce(worker, seq, Map.of("g", ones));
                    }
                    return null;
                  }));
        }
        for (Future<?> future : done) {
          future.get(80, TimeUnit.SECONDS);
        }
      } finally {
        workers.shutdownNow();
      }

      GroupValues g = admin.pull("g").get("g");
      int total = WORKERS * PUSHES_PER_WORKER;
      assertThat(g.version()).isEqualTo(total);
      for (float value : g.values()) {
        assertThat(value).isEqualTo((float) -total);
      }
    }
    // Each kind of fault really happened, so the retries were really exercised.
    assertThat(faults.lostRequests.get()).isPositive();
    assertThat(faults.lostAcks.get()).isPositive();
    assertThat(faults.delayedAcks.get()).isPositive();
  }
}
