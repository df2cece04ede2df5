package io.paramstream.server;

import io.grpc.InsecureServerCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.paramstream.cli.ByteSizeConverter;
import io.paramstream.cli.CommandLines;
import io.paramstream.core.Hyperparameters;
import io.paramstream.core.StalenessPolicy;
import io.paramstream.core.StoreLimits;
import io.paramstream.core.checkpoint.CheckpointStore;
import io.paramstream.core.checkpoint.NoLoadableCheckpointException;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
    versionProvider = ServerMain.Version.class,
    description = "Runs a Paramstream parameter server (gRPC, paramstream.v1.ParameterServer).",
    sortOptions = false)
public final class ServerMain implements Callable<Integer> {

  // Looked up on first use, after --log-level has set slf4j-simple's level (it reads it once).
  private static Logger log() {
    return LoggerFactory.getLogger(ServerMain.class);
  }

  /** {@code --version}: the build's own version, SNAPSHOT included, and its git commit. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"paramstream-server " + ServerFeatures.build().describe()};
    }
  }

  /** Exit code when the checkpoint directory holds checkpoints and none loads. */
  static final int EXIT_NO_LOADABLE_CHECKPOINT = 3;

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
      converter = ByteSizeConverter.ToInt.class,
      description = "Largest inbound message, e.g. 4MiB (default: ${DEFAULT-VALUE} bytes).")
  int maxMessageBytes;

  @Option(
      names = "--chunk-bytes",
      defaultValue = "" + ServerConfig.DEFAULT_MAX_CHUNK_BYTES,
      converter = ByteSizeConverter.ToInt.class,
      description = "Largest values payload per outbound chunk (default: ${DEFAULT-VALUE} bytes).")
  int chunkBytes;

  @Option(
      names = "--flow-control-window",
      defaultValue = "0",
      converter = ByteSizeConverter.ToInt.class,
      description =
          "HTTP/2 flow-control window per stream, e.g. 16MiB; 0 keeps gRPC's default"
              + " (default: ${DEFAULT-VALUE}).")
  int flowControlWindow;

  /** Where calls run. */
  enum CallExecutor {
    /** On Netty's network threads: fewer thread hops per message. */
    NETWORK,
    /** On gRPC's thread pool, handed over from the network threads. */
    POOL
  }

  @Option(
      names = "--call-executor",
      defaultValue = "NETWORK",
      description =
          "Where calls run: NETWORK (the network threads; fewest thread hops, but encoding a"
              + " large pull or creating a large group holds the connections sharing that thread;"
              + " pushes over 4 MiB are applied on a pool in either case) or POOL"
              + " (a thread pool, one hop more per message) (default: ${DEFAULT-VALUE}).")
  CallExecutor callExecutor;

  @Option(
      names = "--shutdown-grace",
      defaultValue = "PT10S",
      description = "How long shutdown waits for open calls, e.g. 10s (default: ${DEFAULT-VALUE}).")
  Duration shutdownGrace;

  @Option(
      names = "--consistency",
      defaultValue = "ASYNCHRONOUS",
      converter = ConsistencyModeConverter.class,
      description =
          "How pushes are applied: asynchronous (async), synchronous (sync, bsp) or"
              + " bounded_staleness (ssp), in any case (default: ${DEFAULT-VALUE}).")
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

  @Option(
      names = "--checkpoint-dir",
      description =
          "Directory for checkpoints; the newest one that loads is restored at start and newer"
              + " ones that do not are renamed <name>.unloadable (kept, never deleted). If it"
              + " holds checkpoints and none loads, the server refuses to start (exit code "
              + EXIT_NO_LOADABLE_CHECKPOINT
              + ") and names each file and why. Off when unset.")
  Path checkpointDir;

  @Option(
      names = "--allow-empty-start",
      description =
          "Start empty when --checkpoint-dir holds checkpoints and none loads; they are renamed"
              + " <name>.unloadable, not deleted.")
  boolean allowEmptyStart;

  @Option(
      names = "--checkpoint-interval",
      defaultValue = "PT60S",
      description =
          "Time between periodic checkpoints, e.g. 60s, 5m or PT60S; 0 for none. A period in which nothing"
              + " changed writes none (default: ${DEFAULT-VALUE}).")
  Duration checkpointInterval;

  @Option(
      names = "--checkpoint-write-rate",
      defaultValue = "256MiB",
      converter = ByteSizeConverter.class,
      description =
          "Most bytes per second a periodic or requested checkpoint writes, e.g. 256MiB or 1GB, so"
              + " it leaves CPU to pushes; 0 for no limit. The shutdown checkpoint is not paced"
              + " (default: ${DEFAULT-VALUE}).")
  long checkpointWriteRate;

  @Option(
      names = "--checkpoint-keep",
      defaultValue = "3",
      description = "How many of the newest checkpoints to keep (default: ${DEFAULT-VALUE}).")
  int checkpointKeep;

  @Option(
      names = "--max-groups",
      defaultValue = "" + Integer.MAX_VALUE,
      description = "Most groups the server holds; more -> RESOURCE_EXHAUSTED.")
  int maxGroups;

  @Option(
      names = "--max-parameter-bytes",
      defaultValue = "" + Long.MAX_VALUE,
      converter = ByteSizeConverter.class,
      description =
          "Most float32 bytes over all groups and sparse tables (table rows with their optimizer"
              + " state), e.g. 8GiB; more -> RESOURCE_EXHAUSTED.")
  long maxParameterBytes;

  @Option(
      names = "--max-streams-per-connection",
      defaultValue = "" + Integer.MAX_VALUE,
      description = "Most open streaming calls per client connection; more -> RESOURCE_EXHAUSTED.")
  int maxStreamsPerConnection;

  @Option(
      names = "--max-transient-bytes",
      converter = ByteSizeConverter.class,
      description =
          "Transient memory budget, e.g. 256MiB: gradients being received, groups being created,"
              + " push streams' spare staging arrays and values copied for readers, together;"
              + " readers get at most half, staging ahead of data not yet received three quarters."
              + " Past it, streams wait (the server stops reading them); what is larger fails with"
              + " RESOURCE_EXHAUSTED (default: a quarter of the maximum heap).")
  Long maxTransientBytes;

  @Option(
      names = "--stream-idle-timeout",
      defaultValue = "PT30S",
      description =
          "A push stream silent this long in the middle of a push, or a create stream before its"
              + " half-close, ends with DEADLINE_EXCEEDED and its memory is released; streams idle"
              + " between pushes stay open. E.g. 30s (default: ${DEFAULT-VALUE}).")
  Duration streamIdleTimeout;

  @Option(
      names = "--max-streams",
      defaultValue = "" + Integer.MAX_VALUE,
      description =
          "Most open streaming calls over all connections; more -> RESOURCE_EXHAUSTED. Bounds"
              + " what many connections together hold, which the per-connection limit does not.")
  int maxStreams;

  @Option(
      names = "--auth-tokens",
      description =
          "File of '<role> <token>' lines (roles admin, worker, reader); calls then need "
              + "'authorization: Bearer <token>'. Off when unset.")
  Path authTokens;

  @Option(names = "--tls-cert", description = "PEM certificate chain; turns on TLS.")
  Path tlsCert;

  @Option(names = "--tls-key", description = "PEM PKCS#8 private key of --tls-cert.")
  Path tlsKey;

  @Option(
      names = "--tls-client-ca",
      description = "PEM CA certificates; clients must present a certificate it signed (mTLS).")
  Path tlsClientCa;

  @Option(
      names = "--metrics-port",
      defaultValue = "-1",
      description =
          "Port of the Prometheus endpoint (/metrics) and the live dashboard (/) on --host; 0"
              + " picks a free one, -1 is off (default: ${DEFAULT-VALUE}). With --auth-tokens they"
              + " need 'Authorization: Bearer <token>' (any role; the dashboard page also takes"
              + " /?token=<token>) unless --metrics-open.")
  int metricsPort;

  @Option(
      names = "--log-level",
      defaultValue = "info",
      description =
          "Least severe log lines printed: error, warn, info, debug or trace"
              + " (default: ${DEFAULT-VALUE}).")
  String logLevel;

  @Option(
      names = "--metrics-open",
      description = "Serve /metrics and the dashboard without a token even with --auth-tokens.")
  boolean metricsOpen;

  public static void main(String[] args) {
    GrpcLogging.routeToSlf4j();
    System.exit(
        StartupErrors.install(CommandLines.configure(new CommandLine(new ServerMain())))
            .execute(args));
  }

  @Override
  public Integer call() throws Exception {
    setLogLevel();
    ServerConfig config =
        new ServerConfig(
            new Hyperparameters(learningRate, weightDecay),
            maxMessageBytes,
            chunkBytes,
            shutdownGrace);
    DurabilityConfig durability =
        checkpointDir == null
            ? DurabilityConfig.disabled()
            : DurabilityConfig.in(checkpointDir, checkpointInterval, checkpointKeep)
                .withWriteRate(checkpointWriteRate);
    if (allowEmptyStart) {
      durability = durability.allowingEmptyStart();
    }
    LimitsConfig limits =
        new LimitsConfig(
            new StoreLimits(maxGroups, maxParameterBytes),
            maxStreamsPerConnection,
            maxStreams,
            maxTransientBytes == null ? LimitsConfig.defaultTransientBytes() : maxTransientBytes,
            streamIdleTimeout);
    // Read the token file before binding anything, so a bad one fails fast.
    BearerTokens tokens = authTokens == null ? null : readTokens();
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(new InetSocketAddress(host, port), credentials());
    if (flowControlWindow > 0) {
      builder.flowControlWindow(flowControlWindow);
    }
    if (callExecutor == CallExecutor.NETWORK) {
      // Every call is short and CPU-bound (the Checkpoint RPC writes on its own thread).
      builder.directExecutor();
    }
    if (tokens != null) {
      builder.intercept(new AuthInterceptor(tokens));
      log().info("token authentication on: {} tokens from {}", tokens.count(), authTokens);
    }
    ParamstreamServer server;
    try {
      server = startServer(builder, config, durability, limits);
    } catch (NoLoadableCheckpointException e) {
      refuseToStart(e);
      return EXIT_NO_LOADABLE_CHECKPOINT;
    }
    HTTPServer metricsServer = metricsPort < 0 ? null : startMetrics(server, tokens);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  log().info("shutting down: draining open streams");
                  server.close();
                  if (metricsServer != null) {
                    metricsServer.close();
                  }
                  log().info("stopped");
                  stopped.countDown();
                },
                "paramstream-shutdown"));
    // Tests and scripts wait for this exact line to know the port is bound.
    if (metricsServer != null) {
      System.out.println("paramstream metrics on " + host + ":" + metricsServer.getPort());
    }
    System.out.println("paramstream server listening on " + host + ":" + server.port());
    System.out.flush();
    log()
        .info(
            "default hyperparameters {}, max message {} bytes, chunk {} bytes",
            config.defaultHyperparameters(),
            maxMessageBytes,
            chunkBytes);
    server.awaitTermination();
    stopped.await();
    return 0;
  }

  /** Before the first log line: slf4j-simple fixes its default level when it starts. */
  private void setLogLevel() {
    if (!List.of("error", "warn", "info", "debug", "trace").contains(logLevel)) {
      throw new CommandLine.ParameterException(
          new CommandLine(this),
          "--log-level: expected error, warn, info, debug or trace, got '" + logLevel + "'");
    }
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", logLevel);
  }

  /** One line per file on stderr, no stack trace: the operator must see what to look at. */
  private void refuseToStart(NoLoadableCheckpointException e) {
    for (CheckpointStore.Skipped file : e.files()) {
      System.err.println(
          "paramstream: checkpoint " + file.file() + " is not loadable: " + file.reason());
    }
    System.err.println(
        "paramstream: refusing to start: "
            + checkpointDir
            + " holds checkpoints and none loads, and starting empty would lose the model."
            + " Fix or restore a file, or pass --allow-empty-start to start empty (the files are"
            + " then renamed <name>.unloadable, not deleted).");
    System.err.flush();
  }

  private ParamstreamServer startServer(
      NettyServerBuilder builder,
      ServerConfig config,
      DurabilityConfig durability,
      LimitsConfig limits)
      throws IOException {
    try {
      return ParamstreamServer.start(
          builder,
          config,
          new ConsistencyConfig(
              consistency, stragglerTimeout, new StalenessPolicy(maxStaleness, stalePolicy)),
          durability,
          limits);
    } catch (IOException e) {
      // grpc reports a failed bind as "Failed to bind to address ..." with the reason as cause.
      if (String.valueOf(e.getMessage()).startsWith("Failed to bind")) {
        throw StartupErrors.cannotListen("port", host, port, e);
      }
      throw e;
    }
  }

  private HTTPServer startMetrics(ParamstreamServer server, BearerTokens tokens) {
    HTTPServer.Builder metrics =
        HTTPServer.builder()
            .hostname(host)
            .port(metricsPort)
            .registry(server.metrics().registry())
            .defaultHandler(new DashboardHandler(new StatusReport(server)));
    if (tokens != null && !metricsOpen) {
      metrics.authenticator(new MetricsAuthenticator(tokens));
    }
    try {
      return metrics.buildAndStart();
    } catch (IOException e) {
      server.close();
      throw StartupErrors.cannotListen("metrics port", host, metricsPort, e);
    }
  }

  private BearerTokens readTokens() {
    try {
      return BearerTokens.fromFile(authTokens);
    } catch (IOException | IllegalArgumentException e) {
      throw new StartupException("--auth-tokens: " + StartupErrors.describe(e));
    }
  }

  private ServerCredentials credentials() {
    if (tlsCert == null) {
      if (tlsKey != null || tlsClientCa != null) {
        throw new CommandLine.ParameterException(
            new CommandLine(this), "--tls-key and --tls-client-ca need --tls-cert");
      }
      return InsecureServerCredentials.create();
    }
    if (tlsKey == null) {
      throw new CommandLine.ParameterException(new CommandLine(this), "--tls-cert needs --tls-key");
    }
    TlsServerCredentials.Builder tls = TlsServerCredentials.newBuilder();
    try {
      tls.keyManager(tlsCert.toFile(), tlsKey.toFile());
    } catch (IOException | IllegalArgumentException e) {
      throw new StartupException("--tls-cert/--tls-key: " + StartupErrors.describe(e));
    }
    if (tlsClientCa != null) {
      try {
        tls.trustManager(tlsClientCa.toFile());
      } catch (IOException | IllegalArgumentException e) {
        throw new StartupException("--tls-client-ca: " + StartupErrors.describe(e));
      }
      tls.clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
    }
    log().info("TLS on{}", tlsClientCa != null ? ", client certificates required" : "");
    return tls.build();
  }
}
