package io.paramstream.server;

import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.paramstream.core.Hyperparameters;
import io.paramstream.core.StalenessPolicy;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The server command line: {@code java -jar paramstream-server-all.jar [options]}. */
@Command(
    name = "paramstream-server",
    mixinStandardHelpOptions = true,
    version = "paramstream-server 0.1.0",
    description = "Runs a Paramstream parameter server (gRPC, paramstream.v1.ParameterServer).",
    subcommands = PlacementCommand.class,
    sortOptions = false)
public final class ServerMain implements Callable<Integer> {

  private static final Logger log = LoggerFactory.getLogger(ServerMain.class);

  @Option(
      names = "--host",
      defaultValue = "127.0.0.1",
      description = "Address to listen on (default: ${DEFAULT-VALUE}; 0.0.0.0 for all).")
  String host;

  @Option(
      names = "--port",
      defaultValue = "50051",
      description = "Port to listen on; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--lr",
      defaultValue = "0.01",
      description = "Learning rate of groups created without one (default: ${DEFAULT-VALUE}).")
  double learningRate;

  @Option(
      names = "--weight-decay",
      defaultValue = "0.0",
      description = "Weight decay of groups created without one (default: ${DEFAULT-VALUE}).")
  double weightDecay;

  @Option(
      names = "--max-message-bytes",
      defaultValue = "" + ServerConfig.DEFAULT_MAX_INBOUND_MESSAGE_BYTES,
      description = "Largest inbound message in bytes (default: ${DEFAULT-VALUE}).")
  int maxMessageBytes;

  @Option(
      names = "--chunk-bytes",
      defaultValue = "" + ServerConfig.DEFAULT_MAX_CHUNK_BYTES,
      description = "Largest values payload per outbound chunk (default: ${DEFAULT-VALUE}).")
  int chunkBytes;

  @Option(
      names = "--flow-control-window",
      defaultValue = "0",
      description =
          "HTTP/2 flow-control window per stream in bytes; 0 keeps gRPC's default"
              + " (default: ${DEFAULT-VALUE}).")
  int flowControlWindow;

  @Option(
      names = "--shutdown-grace",
      defaultValue = "PT10S",
      description = "How long shutdown waits for open calls, ISO-8601 (default: ${DEFAULT-VALUE}).")
  Duration shutdownGrace;

  @Option(
      names = "--consistency",
      defaultValue = "ASYNCHRONOUS",
      description = "How pushes are applied: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  ConsistencyConfig.Mode consistency;

  @Option(
      names = "--straggler-timeout",
      defaultValue = "PT30S",
      description =
          "Synchronous mode: how long a step waits for stragglers (default: ${DEFAULT-VALUE}).")
  Duration stragglerTimeout;

  @Option(
      names = "--max-staleness",
      defaultValue = "4",
      description = "Bounded staleness: the limit S in versions (default: ${DEFAULT-VALUE}).")
  long maxStaleness;

  @Option(
      names = "--stale-policy",
      defaultValue = "REJECT",
      description =
          "Bounded staleness: fate of a push staler than S, ${COMPLETION-CANDIDATES}"
              + " (default: ${DEFAULT-VALUE}).")
  StalenessPolicy.Action stalePolicy;

  public static void main(String[] args) {
    System.exit(new CommandLine(new ServerMain()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    ServerConfig config =
        new ServerConfig(
            new Hyperparameters(learningRate, weightDecay),
            maxMessageBytes,
            chunkBytes,
            shutdownGrace);
    NettyServerBuilder transport = NettyServerBuilder.forAddress(new InetSocketAddress(host, port));
    if (flowControlWindow > 0) {
      transport.flowControlWindow(flowControlWindow);
    }
    ParamstreamServer server =
        ParamstreamServer.start(
            transport,
            config,
            new ConsistencyConfig(
                consistency, stragglerTimeout, new StalenessPolicy(maxStaleness, stalePolicy)));
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  log.info("shutting down: draining open streams");
                  server.close();
                  log.info("stopped");
                  stopped.countDown();
                },
                "paramstream-shutdown"));
    // Tests and scripts wait for this exact line to know the port is bound.
    System.out.println("paramstream server listening on " + host + ":" + server.port());
    System.out.flush();
    log.info(
        "default hyperparameters {}, max message {} bytes, chunk {} bytes",
        config.defaultHyperparameters(),
        maxMessageBytes,
        chunkBytes);
    server.awaitTermination();
    stopped.await();
    return 0;
  }
}
