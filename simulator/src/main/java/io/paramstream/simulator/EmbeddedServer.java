package io.paramstream.simulator;

import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.paramstream.server.ParamstreamServer;
import io.paramstream.server.ServerConfig;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * A real server over Netty on a free loopback port, in this JVM: the one place the simulator uses
 * the server module, so that {@code --embedded} is a one-command demo. Workers still reach it
 * through TCP and the client library, like any remote server.
 */
final class EmbeddedServer implements AutoCloseable {
  private final ParamstreamServer server;

  private EmbeddedServer(ParamstreamServer server) {
    this.server = server;
  }

  static EmbeddedServer start() throws IOException {
    return new EmbeddedServer(
        ParamstreamServer.start(
            // Like the server CLI's default (--call-executor NETWORK).
            NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).directExecutor(),
            ServerConfig.defaults()));
  }

  String target() {
    return "127.0.0.1:" + server.port();
  }

  @Override
  public void close() {
    server.close();
  }
}
