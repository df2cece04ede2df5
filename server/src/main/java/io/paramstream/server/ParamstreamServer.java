package io.paramstream.server;

import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.paramstream.core.GroupStore;
import io.paramstream.core.TransientMemoryBudget;
import io.paramstream.proto.v1.ParameterServerGrpc;
import java.io.IOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running parameter server: the {@code ParameterServer} service over a {@link GroupStore}, with
 * the standard health and reflection services. The transport is injected as a {@link
 * ServerBuilder}, so tests run the same server in process and production runs it over Netty.
 */
public final class ParamstreamServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ParamstreamServer.class);

  /** The health service name clients and probes ask about. */
  public static final String SERVICE_NAME = ParameterServerGrpc.SERVICE_NAME;

  private final Server server;
  private final GroupStore store;
  private final ServerConfig config;
  private final ParameterServerService service;
  private final HealthStatusManager health = new HealthStatusManager();
  private final ExecutorService watchExecutor;
  private final ScheduledExecutorService consistencyExecutor;
  private final ExecutorService applyExecutor;
  private final ScheduledExecutorService writeTimer;
  private final Checkpointer checkpointer; // null without a checkpoint directory
  private final StreamLimitInterceptor streamLimit;
  private final ServerMetrics metrics;
  private final TransientMemoryBudget transientBudget;
  private final OpenCalls openCalls = new OpenCalls();
  private final OpenConnections openConnections = new OpenConnections();
  private final PushApplier applier;
  private volatile boolean restoring = true;
  private boolean closed;

  private ParamstreamServer(
      ServerBuilder<?> builder,
      ServerConfig config,
      ConsistencyConfig consistency,
      DurabilityConfig durability,
      LimitsConfig limits)
      throws IOException {
    this.config = config;
    this.store = new GroupStore(config.defaultHyperparameters(), limits.store());
    this.transientBudget = new TransientMemoryBudget(limits.maxTransientBytes());
    this.metrics = new ServerMetrics(store, transientBudget);
    this.checkpointer =
        durability.directory().isPresent()
            ? new Checkpointer(
                store,
                durability.directory().get(),
                durability.keep(),
                durability.writeBytesPerSecond(),
                metrics)
            : null;
    this.watchExecutor = Executors.newFixedThreadPool(2, daemonThreads("paramstream-watch-"));
    // Straggler timeouts and the acks of completed synchronous steps; both are short tasks.
    this.consistencyExecutor =
        Executors.newScheduledThreadPool(2, daemonThreads("paramstream-consistency-"));
    // Applies pushes too large to apply on a network thread without holding up the other
    // connections it serves (PushApplier.INLINE_APPLY_BYTES).
    this.applyExecutor = Executors.newFixedThreadPool(2, daemonThreads("paramstream-apply-"));
    this.applier =
        new PushApplier(
            store, consistency, consistencyExecutor, consistencyExecutor, applyExecutor, metrics);
    // Stream idle timeouts and resuming streams that waited for memory: short tasks.
    this.writeTimer =
        Executors.newSingleThreadScheduledExecutor(daemonThreads("paramstream-write-timer-"));
    this.service =
        new ParameterServerService(
            store,
            config,
            watchExecutor,
            applier,
            checkpointer,
            new WriteBudget(transientBudget, writeTimer, limits.streamIdleTimeout()),
            metrics);
    this.streamLimit =
        new StreamLimitInterceptor(limits.maxStreamsPerConnection(), limits.maxStreams());
    MalformedRequests malformed = new MalformedRequests();
    this.server =
        builder
            .maxInboundMessageSize(config.maxInboundMessageBytes())
            .addService(
                ServerInterceptors.intercept(
                    malformed.guard(PushParsing.install(service.bindService())),
                    streamLimit,
                    new RestoreGate(() -> restoring)))
            .addService(malformed.guard(new ShardPlacementService(store).bindService()))
            .addService(malformed.guard(health.getHealthService().bindService()))
            .addService(malformed.guard(ProtoReflectionServiceV1.newInstance().bindService()))
            // v1alpha too: older grpcurl, Postman and IDEs ask only for it.
            .addService(malformed.guard(ProtoReflectionService.newInstance().bindService()))
            .intercept(openCalls)
            // Outermost: counts every call, those the inner interceptors refuse too.
            .intercept(metrics.rpc())
            .addTransportFilter(openConnections)
            .build();
    metrics.registerOpenGauges(
        service::openPushStreams,
        service::openPullStreams,
        service::openWatchStreams,
        openConnections::open,
        this::registeredWorkers);
  }

  /** Builds and starts a server on {@code builder}'s transport, in memory only, unlimited. */
  public static ParamstreamServer start(ServerBuilder<?> builder, ServerConfig config)
      throws IOException {
    return start(
        builder,
        config,
        ConsistencyConfig.asynchronous(),
        DurabilityConfig.disabled(),
        LimitsConfig.none());
  }

  /** Builds and starts a server applying pushes under {@code consistency}, in memory only. */
  public static ParamstreamServer start(
      ServerBuilder<?> builder, ServerConfig config, ConsistencyConfig consistency)
      throws IOException {
    return start(builder, config, consistency, DurabilityConfig.disabled(), LimitsConfig.none());
  }

  /** Builds and starts an asynchronous server with checkpoints and limits. */
  public static ParamstreamServer start(
      ServerBuilder<?> builder,
      ServerConfig config,
      DurabilityConfig durability,
      LimitsConfig limits)
      throws IOException {
    return start(builder, config, ConsistencyConfig.asynchronous(), durability, limits);
  }

  /**
   * Builds and starts a server. With a checkpoint directory, the newest valid checkpoint is
   * restored before this returns; meanwhile health reports NOT_SERVING and calls to the service
   * fail with UNAVAILABLE.
   *
   * @throws io.paramstream.core.checkpoint.NoLoadableCheckpointException when the directory holds
   *     checkpoint files and none loads, unless {@link DurabilityConfig#allowEmptyStart()}
   */
  public static ParamstreamServer start(
      ServerBuilder<?> builder,
      ServerConfig config,
      ConsistencyConfig consistency,
      DurabilityConfig durability,
      LimitsConfig limits)
      throws IOException {
    ParamstreamServer server =
        new ParamstreamServer(builder, config, consistency, durability, limits);
    server.health.setStatus("", ServingStatus.NOT_SERVING);
    server.health.setStatus(SERVICE_NAME, ServingStatus.NOT_SERVING);
    server.server.start();
    try {
      if (server.checkpointer != null) {
        server.checkpointer.restore(durability.allowEmptyStart());
        server.checkpointer.schedule(durability.interval());
      }
    } catch (IOException | RuntimeException e) {
      server.server.shutdownNow();
      server.watchExecutor.shutdownNow();
      server.applyExecutor.shutdownNow();
      server.writeTimer.shutdownNow();
      throw e;
    }
    server.restoring = false;
    server.health.setStatus("", ServingStatus.SERVING);
    server.health.setStatus(SERVICE_NAME, ServingStatus.SERVING);
    return server;
  }

  /** The port the server listens on (useful when started on port 0), or -1 in process. */
  public int port() {
    return server.getPort();
  }

  /** The store behind the service, for embedding and tests. */
  public GroupStore store() {
    return store;
  }

  /** The server's metrics, to expose over HTTP or read in tests. */
  public ServerMetrics metrics() {
    return metrics;
  }

  /** The bound on staged gradients, create buffers and reader copies. */
  public TransientMemoryBudget transientBudget() {
    return transientBudget;
  }

  public ServerConfig config() {
    return config;
  }

  /** Number of open push, pull and watch streams. */
  public int openStreams() {
    return service.openStreams();
  }

  int openPushStreams() {
    return service.openPushStreams();
  }

  int openPullStreams() {
    return service.openPullStreams();
  }

  int openWatchStreams() {
    return service.openWatchStreams();
  }

  /** Synchronous mode: the workers a step waits for; 0 in other modes. */
  int registeredWorkers() {
    return applier.barrier() == null ? 0 : applier.barrier().workers().size();
  }

  /** Client connections open now. */
  public int openConnections() {
    return openConnections.open();
  }

  /** How pushes are applied, and their staleness so far (bounded-staleness mode). */
  PushApplier applier() {
    return applier;
  }

  /** Open streaming calls counted by the per-connection limit, by connection. */
  public int connectionsWithStreams() {
    return streamLimit.trackedConnections();
  }

  /**
   * Shuts down gracefully: health turns NOT_SERVING, push streams end after the push they are
   * receiving is applied and acknowledged, watches end, and open calls get {@link
   * ServerConfig#shutdownGrace()} to finish before they are cancelled. Once no call is open the
   * connections close at once, idle ones too. Then, with checkpoints on, a final checkpoint holds
   * every acknowledged push. Idempotent.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    health.enterTerminalState();
    service.drain();
    server.shutdown();
    try {
      if (!openCalls.awaitNone(config.shutdownGrace())) {
        log.warn("calls still open after {}; cancelling them", config.shutdownGrace());
      }
      // No call is left (or none may stay): close the connections now instead of waiting, as
      // gRPC's graceful shutdown would, for idle clients to hang up.
      server.shutdownNow();
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    } finally {
      watchExecutor.shutdownNow();
      consistencyExecutor.shutdownNow();
      applyExecutor.shutdownNow();
      writeTimer.shutdownNow();
      if (checkpointer != null) {
        checkpointer.close();
      }
    }
  }

  /** Blocks until the server has terminated. */
  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  private static ThreadFactory daemonThreads(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, prefix + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }
}
