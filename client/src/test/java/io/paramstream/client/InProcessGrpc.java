package io.paramstream.client;

import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5 extension serving a (fake) service in process and handing out channels to it; everything
 * started is shut down after each test.
 */
final class InProcessGrpc implements AfterEachCallback {
  private final List<Server> servers = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  /** Serves {@code service} and returns a channel to it. */
  ManagedChannel start(BindableService service) {
    String name = InProcessServerBuilder.generateName();
    try {
      servers.add(
          InProcessServerBuilder.forName(name)
              .directExecutor()
              .addService(service)
              .build()
              .start());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // The client side keeps gRPC's default executor, as in production.
    ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
    channels.add(channel);
    return channel;
  }

  @Override
  public void afterEach(ExtensionContext context) throws InterruptedException {
    for (ManagedChannel channel : channels) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    for (Server server : servers) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
