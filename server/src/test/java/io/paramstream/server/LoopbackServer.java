package io.paramstream.server;

import io.grpc.ManagedChannel;
import io.grpc.ServerInterceptor;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.paramstream.proto.v1.ParameterServerGrpc;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real {@link ParamstreamServer} over Netty on a free loopback port, with a plaintext channel to
 * it, fresh for every test. Settings are fixed before the test starts it.
 */
final class LoopbackServer implements BeforeEachCallback, AfterEachCallback {

  private ServerConfig config = ServerConfig.defaults().withShutdownGrace(Duration.ofSeconds(1));
  private LimitsConfig limits = LimitsConfig.none();
  private ConsistencyConfig consistency = ConsistencyConfig.asynchronous();
  private ServerInterceptor interceptor;
  private ParamstreamServer server;
  private ManagedChannel channel;

  LoopbackServer withConfig(ServerConfig config) {
    this.config = config;
    return this;
  }

  LoopbackServer withLimits(LimitsConfig limits) {
    this.limits = limits;
    return this;
  }

  LoopbackServer withConsistency(ConsistencyConfig consistency) {
    this.consistency = consistency;
    return this;
  }

  LoopbackServer withInterceptor(ServerInterceptor interceptor) {
    this.interceptor = interceptor;
    return this;
  }

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    start();
  }

  /** Starts the server now, for a test that sets something up first (an interceptor). */
  void start() throws Exception {
    if (server != null) {
      return;
    }
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0));
    if (interceptor != null) {
      builder.intercept(interceptor);
    }
    server =
        ParamstreamServer.start(builder, config, consistency, DurabilityConfig.disabled(), limits);
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.close();
    }
  }

  ParamstreamServer server() {
    return server;
  }

  ManagedChannel channel() {
    return channel;
  }

  ParameterServerGrpc.ParameterServerBlockingStub blocking() {
    return ParameterServerGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  ParameterServerGrpc.ParameterServerStub async() {
    return ParameterServerGrpc.newStub(channel);
  }
}
