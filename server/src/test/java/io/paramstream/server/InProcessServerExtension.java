package io.paramstream.server;

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
  private ConsistencyConfig consistency = ConsistencyConfig.asynchronous();
  private ParamstreamServer server;
  private ManagedChannel channel;

  InProcessServerExtension withConfig(ServerConfig config) {
    this.config = config;
    return this;
  }

  InProcessServerExtension withConsistency(ConsistencyConfig consistency) {
    this.consistency = consistency;
    return this;
  }

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    String name = InProcessServerBuilder.generateName();
    server = ParamstreamServer.start(InProcessServerBuilder.forName(name), config, consistency);
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
