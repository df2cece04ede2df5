package io.paramstream.server;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.paramstream.core.ConsistencyException;
import io.paramstream.core.GroupSelector;
import io.paramstream.core.GroupStore;
import io.paramstream.core.HyperparameterChange;
import io.paramstream.core.HyperparametersSet;
import io.paramstream.core.StalenessHistogram;
import io.paramstream.core.StreamingRead;
import io.paramstream.core.SyncBarrier;
import io.paramstream.proto.v1.CheckpointRequest;
import io.paramstream.proto.v1.CheckpointResponse;
import io.paramstream.proto.v1.ConsistencyMode;
import io.paramstream.proto.v1.CreateGroupRequest;
import io.paramstream.proto.v1.CreateGroupResponse;
import io.paramstream.proto.v1.CreateTableRequest;
import io.paramstream.proto.v1.CreateTableResponse;
import io.paramstream.proto.v1.DeleteGroupsRequest;
import io.paramstream.proto.v1.DeleteGroupsResponse;
import io.paramstream.proto.v1.DeleteTablesRequest;
import io.paramstream.proto.v1.DeleteTablesResponse;
import io.paramstream.proto.v1.DeregisterWorkerRequest;
import io.paramstream.proto.v1.DeregisterWorkerResponse;
import io.paramstream.proto.v1.GetServerInfoRequest;
import io.paramstream.proto.v1.GetStatsRequest;
import io.paramstream.proto.v1.GroupChunk;
import io.paramstream.proto.v1.ListGroupsRequest;
import io.paramstream.proto.v1.ListGroupsResponse;
import io.paramstream.proto.v1.ListTablesRequest;
import io.paramstream.proto.v1.ListTablesResponse;
import io.paramstream.proto.v1.ParameterServerGrpc;
import io.paramstream.proto.v1.PullRequest;
import io.paramstream.proto.v1.PullRowsRequest;
import io.paramstream.proto.v1.PushAck;
import io.paramstream.proto.v1.PushRequest;
import io.paramstream.proto.v1.RegisterWorkerRequest;
import io.paramstream.proto.v1.RegisterWorkerResponse;
import io.paramstream.proto.v1.RowChunk;
import io.paramstream.proto.v1.ServerInfo;
import io.paramstream.proto.v1.ServerStats;
import io.paramstream.proto.v1.SetHyperparametersRequest;
import io.paramstream.proto.v1.SetHyperparametersResponse;
import io.paramstream.proto.v1.WatchRequest;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gRPC adapter: converts messages, calls the {@link GroupStore}, and maps failures through
 * {@link StatusMapper}. Holds no parameter state of its own, only the open streams it must close
 * when the server drains.
 */
final class ParameterServerService extends ParameterServerGrpc.ParameterServerImplBase {

  private static final Logger log = LoggerFactory.getLogger(ParameterServerService.class);

  private final GroupStore store;
  private final ServerConfig config;
  private final Executor watchExecutor;
  private final PushApplier applier;
  private final Set<PushStreamHandler> pushStreams = ConcurrentHashMap.newKeySet();
  private final Set<WatchStream> watchStreams = ConcurrentHashMap.newKeySet();
  private final Set<PullStreamHandler> pullStreams = ConcurrentHashMap.newKeySet();
  private final Checkpointer checkpointer; // null when checkpoints are off
  private final WriteBudget writeBudget;
  private final ServerMetrics metrics;
  private final TableService tables;
  private volatile boolean draining;

  ParameterServerService(
      GroupStore store,
      ServerConfig config,
      Executor watchExecutor,
      PushApplier applier,
      Checkpointer checkpointer,
      WriteBudget writeBudget,
      ServerMetrics metrics) {
    this.metrics = metrics;
    this.checkpointer = checkpointer;
    this.writeBudget = writeBudget;
    this.store = store;
    this.config = config;
    this.watchExecutor = watchExecutor;
    this.applier = applier;
    this.tables = new TableService(store, config.maxChunkBytes(), writeBudget.budget(), metrics);
  }

  @Override
  public StreamObserver<CreateGroupRequest> createGroup(
      StreamObserver<CreateGroupResponse> responseObserver) {
    CreateGroupHandler handler =
        new CreateGroupHandler(
            store, (ServerCallStreamObserver<CreateGroupResponse>) responseObserver, writeBudget);
    handler.start();
    return handler;
  }

  @Override
  public void listGroups(
      ListGroupsRequest request, StreamObserver<ListGroupsResponse> responseObserver) {
    try {
      ListGroupsResponse.Builder response = ListGroupsResponse.newBuilder();
      store.list(request.getNamesList()).forEach(g -> response.addGroups(Converters.toProto(g)));
      reply(responseObserver, response.build());
    } catch (RuntimeException e) {
      responseObserver.onError(StatusMapper.toException(e));
    }
  }

  @Override
  public void deleteGroups(
      DeleteGroupsRequest request, StreamObserver<DeleteGroupsResponse> responseObserver) {
    try {
      store.delete(request.getNamesList());
      request.getNamesList().forEach(name -> log.info("group {} deleted", name));
      reply(responseObserver, DeleteGroupsResponse.getDefaultInstance());
    } catch (RuntimeException e) {
      responseObserver.onError(StatusMapper.toException(e));
    }
  }

  @Override
  public StreamObserver<PushRequest> push(StreamObserver<PushAck> responseObserver) {
    ServerCallStreamObserver<PushAck> call = (ServerCallStreamObserver<PushAck>) responseObserver;
    PushStreamHandler[] self = new PushStreamHandler[1];
    PushStreamHandler handler =
        new PushStreamHandler(store, call, () -> pushStreams.remove(self[0]), applier, writeBudget);
    self[0] = handler;
    pushStreams.add(handler);
    handler.start();
    if (draining) {
      handler.drain();
    }
    return handler;
  }

  @Override
  public void pull(PullRequest request, StreamObserver<GroupChunk> responseObserver) {
    metrics.pulled();
    ServerCallStreamObserver<GroupChunk> call =
        (ServerCallStreamObserver<GroupChunk>) responseObserver;
    ChunkWriter writer =
        new ChunkWriter(
            call,
            config.maxChunkBytes(),
            ChunkWriter.Framing.PULL,
            () -> openRead(selectors(request.getGroupsList())));
    boolean[] completed = new boolean[1];
    // Callbacks of one call are serialized, so the flag needs no lock.
    Runnable send =
        () -> {
          if (completed[0]) {
            return;
          }
          try {
            if (!writer.writeWhileReady()) {
              return;
            }
            completed[0] = true;
            writer.close();
            call.onCompleted();
          } catch (RuntimeException e) {
            completed[0] = true;
            writer.close();
            call.onError(StatusMapper.toException(e));
          }
        };
    call.setOnCancelHandler(
        () -> {
          completed[0] = true;
          writer.close();
        });
    call.setOnReadyHandler(send);
    send.run();
  }

  /** A lazily streamed snapshot whose copies, if pushes need them, count as reader memory. */
  private StreamingRead openRead(List<GroupSelector> selectors) {
    return store.openRead(selectors, writeBudget.budget());
  }

  @Override
  public StreamObserver<PullRequest> pullStream(StreamObserver<GroupChunk> responseObserver) {
    ServerCallStreamObserver<GroupChunk> call =
        (ServerCallStreamObserver<GroupChunk>) responseObserver;
    PullStreamHandler[] self = new PullStreamHandler[1];
    PullStreamHandler handler =
        new PullStreamHandler(
            call,
            config.maxChunkBytes(),
            request -> {
              metrics.pulled();
              return openRead(selectors(request.getGroupsList()));
            },
            () -> pullStreams.remove(self[0]));
    self[0] = handler;
    pullStreams.add(handler);
    handler.start();
    if (draining) {
      handler.drain();
    }
    return handler;
  }

  @Override
  public void watch(WatchRequest request, StreamObserver<GroupChunk> responseObserver) {
    ServerCallStreamObserver<GroupChunk> call =
        (ServerCallStreamObserver<GroupChunk>) responseObserver;
    if (request.getGroupsCount() == 0) {
      call.onError(
          Status.INVALID_ARGUMENT
              .withDescription("name at least one group to watch")
              .asException());
      return;
    }
    if (draining) {
      call.onError(Status.UNAVAILABLE.withDescription("server is shutting down").asException());
      return;
    }
    List<GroupSelector> selectors;
    try {
      selectors = selectors(request.getGroupsList());
      for (GroupSelector selector : selectors) {
        store.sizeOf(selector.name());
      }
    } catch (RuntimeException e) {
      call.onError(StatusMapper.toException(e));
      return;
    }
    WatchStream[] self = new WatchStream[1];
    WatchStream stream =
        new WatchStream(
            store,
            call,
            config.maxChunkBytes(),
            watchExecutor,
            selectors,
            this::openRead,
            () -> watchStreams.remove(self[0]));
    self[0] = stream;
    watchStreams.add(stream);
    stream.start();
  }

  @Override
  public void setHyperparameters(
      SetHyperparametersRequest request,
      StreamObserver<SetHyperparametersResponse> responseObserver) {
    try {
      HyperparameterChange change =
          Converters.changeFromProto(request.getHyperparameters())
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "hyperparameters names nothing to change: set learning_rate,"
                              + " weight_decay or both"));
      SetHyperparametersResponse.Builder response = SetHyperparametersResponse.newBuilder();
      HyperparametersSet changed =
          store.setHyperparameters(request.getNamesList(), request.getTablesList(), change);
      changed.groups().forEach(g -> response.addGroups(Converters.toProto(g)));
      changed.tables().forEach(t -> response.addTables(TableConverters.toProto(t)));
      reply(responseObserver, response.build());
    } catch (RuntimeException e) {
      responseObserver.onError(StatusMapper.toException(e));
    }
  }

  @Override
  public void createTable(
      CreateTableRequest request, StreamObserver<CreateTableResponse> responseObserver) {
    tables.createTable(request, responseObserver);
  }

  @Override
  public void listTables(
      ListTablesRequest request, StreamObserver<ListTablesResponse> responseObserver) {
    tables.listTables(request, responseObserver);
  }

  @Override
  public void deleteTables(
      DeleteTablesRequest request, StreamObserver<DeleteTablesResponse> responseObserver) {
    tables.deleteTables(request, responseObserver);
  }

  @Override
  public void pullRows(PullRowsRequest request, StreamObserver<RowChunk> responseObserver) {
    tables.pullRows(request, responseObserver);
  }

  @Override
  public void getServerInfo(
      GetServerInfoRequest request, StreamObserver<ServerInfo> responseObserver) {
    reply(
        responseObserver,
        ServerInfo.newBuilder()
            .setMaxInboundMessageBytes(config.maxInboundMessageBytes())
            .setMaxChunkBytes(config.maxChunkBytes())
            .setDefaultHyperparameters(Converters.toProto(store.defaultHyperparameters()))
            .setServerVersion(ServerFeatures.build().version())
            .setServerCommit(ServerFeatures.build().commit())
            .addAllFeatures(
                ServerFeatures.of(
                    checkpointer != null,
                    applier.config().mode() == ConsistencyConfig.Mode.ASYNCHRONOUS))
            .setConsistencyMode(ConsistencyMode.valueOf(applier.config().mode().name()))
            .build());
  }

  @Override
  public void checkpoint(
      CheckpointRequest request, StreamObserver<CheckpointResponse> responseObserver) {
    if (checkpointer == null) {
      responseObserver.onError(
          Status.FAILED_PRECONDITION
              .withDescription("checkpoints are off: start the server with --checkpoint-dir")
              .asException());
      return;
    }
    checkpointer
        .checkpointInBackground()
        .whenComplete(
            (written, failure) -> {
              if (failure == null) {
                reply(
                    responseObserver,
                    CheckpointResponse.newBuilder()
                        .setFile(written.file().getFileName().toString())
                        .setGroups(written.groups())
                        .setTables(written.tables())
                        .build());
              } else if (failure instanceof IOException e) {
                responseObserver.onError(
                    Status.INTERNAL
                        .withDescription("checkpoint failed: " + e)
                        .withCause(e)
                        .asException());
              } else {
                responseObserver.onError(StatusMapper.toException(failure));
              }
            });
  }

  @Override
  public void registerWorker(
      RegisterWorkerRequest request, StreamObserver<RegisterWorkerResponse> responseObserver) {
    try {
      SyncBarrier.Membership membership = requireBarrier().register(request.getWorkerId());
      log.info(
          "worker {} registered; steps now wait for {} workers",
          request.getWorkerId(),
          membership.workers().size());
      reply(
          responseObserver,
          RegisterWorkerResponse.newBuilder()
              .addAllWorkers(membership.workers())
              .setStep(membership.step())
              .build());
    } catch (RuntimeException e) {
      responseObserver.onError(StatusMapper.toException(e));
    }
  }

  @Override
  public void deregisterWorker(
      DeregisterWorkerRequest request, StreamObserver<DeregisterWorkerResponse> responseObserver) {
    try {
      SyncBarrier.Membership membership = requireBarrier().deregister(request.getWorkerId());
      log.info(
          "worker {} deregistered; steps now wait for {} workers",
          request.getWorkerId(),
          membership.workers().size());
      reply(
          responseObserver,
          DeregisterWorkerResponse.newBuilder()
              .addAllWorkers(membership.workers())
              .setStep(membership.step())
              .build());
    } catch (RuntimeException e) {
      responseObserver.onError(StatusMapper.toException(e));
    }
  }

  @Override
  public void getStats(GetStatsRequest request, StreamObserver<ServerStats> responseObserver) {
    ConsistencyConfig consistency = applier.config();
    ServerStats.Builder stats =
        ServerStats.newBuilder()
            .setMode(ConsistencyMode.valueOf(consistency.mode().name()))
            .setRejectedStalePushes(applier.histogram().rejected());
    if (consistency.mode() == ConsistencyConfig.Mode.BOUNDED_STALENESS) {
      stats.setMaxStaleness(consistency.staleness().maxStaleness());
    }
    if (applier.barrier() != null) {
      stats.setStep(applier.barrier().step());
    }
    for (StalenessHistogram.Bucket bucket : applier.histogram().buckets()) {
      stats.addStalenessBuilder().setStaleness(bucket.staleness()).setCount(bucket.count());
    }
    reply(responseObserver, stats.build());
  }

  private SyncBarrier requireBarrier() {
    SyncBarrier barrier = applier.barrier();
    if (barrier == null) {
      throw new ConsistencyException(
          ConsistencyException.Reason.FAILED_PRECONDITION,
          "workers register only in synchronous mode; this server is " + applier.config().mode());
    }
    return barrier;
  }

  /**
   * Stops taking work: every push stream ends with UNAVAILABLE after the push it is receiving is
   * applied and acknowledged, every pull stream after the answer it is writing, and every watch
   * ends with UNAVAILABLE.
   */
  void drain() {
    draining = true;
    applier.close();
    for (PushStreamHandler stream : pushStreams) {
      stream.drain();
    }
    for (PullStreamHandler stream : pullStreams) {
      stream.drain();
    }
    for (WatchStream stream : watchStreams) {
      stream.close(Status.UNAVAILABLE.withDescription("server is shutting down"));
    }
  }

  int openPushStreams() {
    return pushStreams.size();
  }

  int openPullStreams() {
    return pullStreams.size();
  }

  int openWatchStreams() {
    return watchStreams.size();
  }

  /** Open push, pull and watch streams; lets tests check nothing leaks. */
  int openStreams() {
    return pushStreams.size() + pullStreams.size() + watchStreams.size();
  }

  private static List<GroupSelector> selectors(
      List<io.paramstream.proto.v1.GroupSelector> selectors) {
    return selectors.stream()
        .map(
            s ->
                new GroupSelector(
                    s.getName(), s.hasIfNewerThan() ? ifNewerThan(s) : GroupSelector.ANY_VERSION))
        .toList();
  }

  /** The uint64 as a long; values above Long.MAX_VALUE can never be exceeded either. */
  private static long ifNewerThan(io.paramstream.proto.v1.GroupSelector selector) {
    long version = selector.getIfNewerThan();
    return version < 0 ? Long.MAX_VALUE : version;
  }

  private static <T> void reply(StreamObserver<T> observer, T response) {
    observer.onNext(response);
    observer.onCompleted();
  }
}
