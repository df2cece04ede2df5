package io.paramstream.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.paramstream.proto.v1.ParameterServerGrpc;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** A real {@link ParamstreamServer} on the in-process transport, fresh for every test. */
final class InProcessServerExtension implements BeforeEachCallback, AfterEachCallback {

  private ServerConfig config = ServerConfig.defaults();
  private LimitsConfig limits = LimitsConfig.none();
  private ConsistencyConfig consistency = ConsistencyConfig.asynchronous();
  private ParamstreamServer server;
  private ManagedChannel channel;

  InProcessServerExtension withConfig(ServerConfig config) {
    this.config = config;
    return this;
  }

  InProcessServerExtension withLimits(LimitsConfig limits) {
    this.limits = limits;
    return this;
  }

  InProcessServerExtension withConsistency(ConsistencyConfig consistency) {
    this.consistency = consistency;
    return this;
  }

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    String name = InProcessServerBuilder.generateName();
    server =
        ParamstreamServer.start(
            InProcessServerBuilder.forName(name),
            config,
            consistency,
            DurabilityConfig.disabled(),
            limits);
    channel = InProcessChannelBuilder.forName(name).build();
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.close();
  }

  ParamstreamServer server() {
    return server;
  }

  /** Waits up to 5 s for the transient budget to hold exactly {@code bytes}, then asserts it. */
  void awaitTransientBytes(long bytes) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (server.transientBudget().inUseBytes() != bytes && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(server.transientBudget().inUseBytes()).isEqualTo(bytes);
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
