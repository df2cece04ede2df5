package io.paramstream.e2e;

import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.paramstream.client.ParamstreamClient;
import io.paramstream.server.ParamstreamServer;
import io.paramstream.server.ServerConfig;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** A real server over Netty on a free loopback port and a client library connected to it. */
final class NettyServerExtension implements BeforeEachCallback, AfterEachCallback {

  private ParamstreamServer server;
  private ParamstreamClient client;

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    server =
        ParamstreamServer.start(
            NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)),
            ServerConfig.defaults().withShutdownGrace(Duration.ofSeconds(2)));
    client = ParamstreamClient.builder().target(target()).deadline(Duration.ofSeconds(30)).build();
  }

  @Override
  public void afterEach(ExtensionContext context) {
    client.close();
    server.close();
  }

  String target() {
    return "127.0.0.1:" + server.port();
  }

  ParamstreamServer server() {
    return server;
  }

  ParamstreamClient client() {
    return client;
  }
}
