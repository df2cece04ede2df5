package io.paramstream.client;

import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.CompositeChannelCredentials;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import io.paramstream.client.internal.Backoff;
import io.paramstream.client.internal.BearerToken;
import io.paramstream.client.internal.Errors;
import io.paramstream.client.internal.FloatCodec;
import io.paramstream.client.internal.OutboundWriter;
import io.paramstream.client.internal.Protos;
import io.paramstream.client.internal.PushChunker;
import io.paramstream.proto.v1.CreateGroupRequest;
import io.paramstream.proto.v1.CreateGroupResponse;
import io.paramstream.proto.v1.DeleteGroupsRequest;
import io.paramstream.proto.v1.GroupChunk;
import io.paramstream.proto.v1.GroupSelector;
import io.paramstream.proto.v1.ListGroupsRequest;
import io.paramstream.proto.v1.ParameterServerGrpc;
import io.paramstream.proto.v1.PullRequest;
import io.paramstream.proto.v1.SetHyperparametersRequest;
import io.paramstream.proto.v1.WatchRequest;
import io.paramstream.proto.wire.AliasingMarshaller;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The Java client of a Paramstream parameter server: create and delete parameter groups, push
 * gradients, and pull or watch weights.
 *
 * <p>Two ways in: {@link #builder()} creates and owns a channel to a target, and {@link #close()}
 * shuts it down; {@link #create(Channel)} uses a channel the caller owns and never shuts it down.
 * Either way, close() cancels the client's open calls (pushes, sessions, watches) and every later
 * call fails fast with {@link ErrorCode#CANCELLED}.
 *
 * <p>Every call except {@link #watch} (open-ended by nature) and the stream of a {@link
 * PushSession} has a deadline ({@link ClientConfig#deadline()}, 30 s by default), so a stalled
 * server cannot hang a worker. A pull goes over the client's long-lived PullStream call when no
 * other thread is pulling on it (one message each way, no call setup), else as a Pull call. Pulls
 * are retried on UNAVAILABLE since reading twice is harmless; plain pushes are never retried since
 * that could apply a gradient twice, while {@link #pushExactlyOnce} is, because the server
 * de-duplicates by worker id and sequence.
 *
 * <p>All failures are reported as {@link ParamstreamException}. Thread-safe.
 */
public final class ParamstreamClient implements AutoCloseable {
  // The contract asks clients to send chunks of at most 1 MiB.
  private static final int MAX_ELEMENTS_PER_MESSAGE =
      PushChunker.DEFAULT_MAX_PAYLOAD_BYTES / FloatCodec.BYTES_PER_FLOAT;
  private static final int PULL_MAX_ATTEMPTS = 3;
  private static final Duration PULL_INITIAL_BACKOFF = Duration.ofMillis(50);
  // Exactly-once pushes ride out a server restart: about 30 s of backoff in total.
  private static final int RETRY_MAX_ATTEMPTS = 20;
  private static final Duration RETRY_INITIAL_BACKOFF = Duration.ofMillis(50);
  private static final Duration RETRY_MAX_BACKOFF = Duration.ofSeconds(2);
  // Extra wait beyond the call deadline, after which a missing reply is a bug, not a slow server.
  private static final Duration GRACE = Duration.ofSeconds(5);

  // Pull reads chunks whose values alias gRPC's read buffer: one copy of every pulled byte fewer.
  // Safe because pullOnce's observer decodes each chunk into the result inside onNext.
  private static final MethodDescriptor<PullRequest, GroupChunk> PULL_METHOD =
      AliasingMarshaller.forResponses(
          ParameterServerGrpc.getPullMethod(), GroupChunk.getDefaultInstance());

  private final ClientConfig config;
  private final ManagedChannel ownedChannel;
  // The server's address, named in transport failures.
  private final String target;
  // Stubs carry no deadline: each call sets its own.
  private final ParameterServerGrpc.ParameterServerStub asyncStub;
  private final ParameterServerGrpc.ParameterServerBlockingStub blockingStub;
  // Every call starts inside this context, so cancelling it on close() cancels them all.
  private final Context.CancellableContext callContext = Context.ROOT.withCancellation();
  private final AtomicBoolean closed = new AtomicBoolean();
  // Pulls go over one long-lived stream when it is free, else as one-off Pull calls.
  private final SharedPullStream sharedPulls;

  private ParamstreamClient(Channel channel, ManagedChannel ownedChannel, ClientConfig config) {
    this.config = Objects.requireNonNull(config, "config");
    this.ownedChannel = ownedChannel;
    this.target = channel.authority();
    this.asyncStub = ParameterServerGrpc.newStub(channel);
    this.blockingStub = ParameterServerGrpc.newBlockingStub(channel);
    this.sharedPulls = new SharedPullStream(channel, asyncStub.getCallOptions(), callContext);
  }

  /** A client on a channel the caller owns (and shuts down), with default settings. */
  public static ParamstreamClient create(Channel channel) {
    return create(channel, ClientConfig.defaults());
  }

  /** A client on a channel the caller owns (and shuts down). */
  public static ParamstreamClient create(Channel channel, ClientConfig config) {
    return new ParamstreamClient(Objects.requireNonNull(channel, "channel"), null, config);
  }

  /** Starts building a client that connects to a target and owns its channel. */
  public static Builder builder() {
    return new Builder();
  }

  /** The settings this client uses. */
  public ClientConfig config() {
    return config;
  }

  /**
   * Creates a group with the spec's initial values; large groups are streamed in 1 MiB slices. The
   * group appears on the server whole, once all slices arrived.
   *
   * @return the new group's metadata (version 0)
   * @throws ParamstreamException ALREADY_EXISTS if the name is taken, INVALID_ARGUMENT for bad
   *     values
   */
  public GroupInfo createGroup(GroupSpec spec) {
    Objects.requireNonNull(spec, "spec");
    ensureOpen();
    Deadline deadline = newDeadline();
    CompletableFuture<CreateGroupResponse> response = new CompletableFuture<>();
    OutboundWriter<CreateGroupRequest> writer = new OutboundWriter<>();
    ClientResponseObserver<CreateGroupRequest, CreateGroupResponse> observer =
        new ClientResponseObserver<>() {
          @Override
          public void beforeStart(ClientCallStreamObserver<CreateGroupRequest> requestStream) {
            writer.bind(requestStream);
          }

          @Override
          public void onNext(CreateGroupResponse value) {
            response.complete(value);
          }

          @Override
          public void onError(Throwable t) {
            ParamstreamException e = Errors.from(t);
            writer.terminate(e);
            response.completeExceptionally(e);
          }

          @Override
          public void onCompleted() {
            writer.terminate(Errors.protocol("CreateGroup ended"));
            response.completeExceptionally(Errors.protocol("CreateGroup ended without a reply"));
          }
        };
    inCallContext(() -> asyncStub.withDeadline(deadline).createGroup(observer));
    long deadlineNanos = System.nanoTime() + deadline.timeRemaining(TimeUnit.NANOSECONDS);
    try {
      for (CreateGroupRequest message : createMessages(spec)) {
        writer.awaitReady(deadlineNanos);
        writer.send(message);
      }
      writer.halfClose();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      writer.cancel(new ParamstreamException(ErrorCode.CANCELLED, "interrupted"));
    } catch (ParamstreamException e) {
      // Either the server already failed the call (then its status is in `response`) or we gave
      // up waiting; cancel so the server discards the partial group.
      writer.cancel(e);
      response.completeExceptionally(e);
    }
    try {
      return Protos.fromProto(await(response, deadline, writer::cancel).getGroup());
    } catch (ParamstreamException e) {
      throw inContext(e, "creating group '" + spec.name() + "'");
    }
  }

  // Messages are built lazily so a huge group is not encoded twice over in memory.
  private static Iterable<CreateGroupRequest> createMessages(GroupSpec spec) {
    float[] values = spec.initialValues();
    CreateGroupRequest.Builder first =
        CreateGroupRequest.newBuilder()
            .setName(spec.name())
            .setSize(values.length)
            .setWeightDecay(spec.weightDecay());
    if (spec.hyperparameters() != null) {
      first.setHyperparameters(Protos.toProto(spec.hyperparameters()));
    }
    if (spec.optimizer() != null) {
      first.setOptimizer(spec.optimizer().toProto());
    }
    if (allZeroBits(values)) {
      // The server starts a group without values at zeros: no need to send them.
      return List.of(first.build());
    }
    return () ->
        new Iterator<>() {
          private int offset;

          @Override
          public boolean hasNext() {
            return offset < values.length;
          }

          @Override
          public CreateGroupRequest next() {
            if (!hasNext()) {
              throw new NoSuchElementException();
            }
            int n = Math.min(MAX_ELEMENTS_PER_MESSAGE, values.length - offset);
            CreateGroupRequest.Builder message =
                offset == 0 ? first : CreateGroupRequest.newBuilder();
            message.setOffset(offset).setInitialValues(FloatCodec.encode(values, offset, n));
            offset += n;
            return message.build();
          }
        };
  }

  // -0.0f has non-zero bits and must be sent.
  private static boolean allZeroBits(float[] values) {
    for (float v : values) {
      if (Float.floatToRawIntBits(v) != 0) {
        return false;
      }
    }
    return true;
  }

  /**
   * Describes groups (metadata only), sorted by name.
   *
   * @param names the groups to describe; none lists every group
   * @throws ParamstreamException NOT_FOUND if a named group does not exist
   */
  public List<GroupInfo> listGroups(String... names) {
    ListGroupsRequest request = ListGroupsRequest.newBuilder().addAllNames(names(names)).build();
    return unary(
            "listing " + Errors.groups(Arrays.asList(names)),
            stub -> stub.listGroups(request).getGroupsList())
        .stream()
        .map(Protos::fromProto)
        .toList();
  }

  /**
   * Deletes groups, all or none: if any name is unknown nothing is deleted.
   *
   * @throws ParamstreamException NOT_FOUND if a named group does not exist
   * @throws IllegalArgumentException if no name is given (deleting everything by accident is too
   *     easy otherwise)
   */
  public void deleteGroups(String... names) {
    if (names.length == 0) {
      throw new IllegalArgumentException("name at least one group to delete");
    }
    DeleteGroupsRequest request =
        DeleteGroupsRequest.newBuilder().addAllNames(names(names)).build();
    unary("deleting " + Errors.groups(Arrays.asList(names)), stub -> stub.deleteGroups(request));
  }

  /**
   * Changes the learning rate and weight decay of groups at run time, e.g. to follow a learning
   * rate schedule. Pushes applied after this call use the new values.
   *
   * @param names the groups to change; none changes every group and every table
   * @return the changed groups' metadata
   */
  public List<GroupInfo> setHyperparameters(Hyperparameters hyperparameters, String... names) {
    Objects.requireNonNull(hyperparameters, "hyperparameters");
    return changeHyperparameters(Protos.toProto(hyperparameters), names);
  }

  // The server changes only the fields present in {@code hyperparameters}.
  private List<GroupInfo> changeHyperparameters(
      io.paramstream.proto.v1.Hyperparameters hyperparameters, String... names) {
    SetHyperparametersRequest request =
        SetHyperparametersRequest.newBuilder()
            .addAllNames(names(names))
            .setHyperparameters(hyperparameters)
            .build();
    return unary(
            "setting hyperparameters of " + Errors.groups(Arrays.asList(names)),
            stub -> stub.setHyperparameters(request).getGroupsList())
        .stream()
        .map(Protos::fromProto)
        .toList();
  }

  /**
   * Changes the learning rate alone of groups at run time, keeping each group's weight decay: what
   * a learning-rate schedule calls every epoch or step.
   *
   * @param names the groups to change; none changes every group
   * @return the changed groups' metadata
   */
  public List<GroupInfo> setLearningRate(double learningRate, String... names) {
    return changeHyperparameters(
        io.paramstream.proto.v1.Hyperparameters.newBuilder().setLearningRate(learningRate).build(),
        names);
  }

  /**
   * Changes the weight decay alone of groups at run time, keeping each group's learning rate: the
   * request carries only the field it changes, and the server leaves the others as they are.
   *
   * @param names the groups to change; none changes every group
   * @return the changed groups' metadata
   */
  public List<GroupInfo> setWeightDecay(double weightDecay, String... names) {
    return changeHyperparameters(
        io.paramstream.proto.v1.Hyperparameters.newBuilder().setWeightDecay(weightDecay).build(),
        names);
  }

  /**
   * Writes a checkpoint now, in the server's checkpoint directory, and waits for it; the call's
   * deadline must leave time to write the whole model.
   *
   * @throws ParamstreamException FAILED_PRECONDITION if the server runs without checkpoints
   */
  public CheckpointInfo checkpoint() {
    io.paramstream.proto.v1.CheckpointResponse response =
        unary(
            "writing a checkpoint",
            stub ->
                stub.checkpoint(io.paramstream.proto.v1.CheckpointRequest.getDefaultInstance()));
    return new CheckpointInfo(response.getFile(), response.getGroups(), response.getTables());
  }

  // ---- sparse tables ----

  /**
   * Creates a sparse table (see {@link TableSpec}). An indexed table's rows are all set from the
   * initializer on the server; nothing but the spec travels.
   *
   * @return the new table's metadata (version 0)
   * @throws ParamstreamException ALREADY_EXISTS if a table of that name exists, INVALID_ARGUMENT
   *     for a bad field (named in the message), RESOURCE_EXHAUSTED when the rows do not fit
   */
  public TableInfo createTable(TableSpec spec) {
    Objects.requireNonNull(spec, "spec");
    io.paramstream.proto.v1.CreateTableRequest request = TableMessages.toRequest(spec);
    return TableMessages.fromProto(
        unary(
            "creating table '" + spec.name() + "'", stub -> stub.createTable(request).getTable()));
  }

  /**
   * Describes tables (metadata and row counts, no values), sorted by name.
   *
   * @param names the tables to describe; none lists every table
   * @throws ParamstreamException NOT_FOUND if a named table does not exist
   */
  public List<TableInfo> listTables(String... names) {
    io.paramstream.proto.v1.ListTablesRequest request =
        io.paramstream.proto.v1.ListTablesRequest.newBuilder().addAllNames(names(names)).build();
    return unary(
            "listing " + Errors.tables(Arrays.asList(names)),
            stub -> stub.listTables(request).getTablesList())
        .stream()
        .map(TableMessages::fromProto)
        .toList();
  }

  /**
   * Deletes tables, all or none: if any name is unknown nothing is deleted.
   *
   * @throws ParamstreamException NOT_FOUND if a named table does not exist
   * @throws IllegalArgumentException if no name is given
   */
  public void deleteTables(String... names) {
    if (names.length == 0) {
      throw new IllegalArgumentException("name at least one table to delete");
    }
    io.paramstream.proto.v1.DeleteTablesRequest request =
        io.paramstream.proto.v1.DeleteTablesRequest.newBuilder().addAllNames(names(names)).build();
    unary("deleting " + Errors.tables(Arrays.asList(names)), stub -> stub.deleteTables(request));
  }

  /**
   * Changes the learning rate and weight decay of tables at run time; pushes applied after this
   * call use the new values. ({@link #setHyperparameters} with no names changes every group and
   * every table.)
   *
   * @param tables the tables to change; at least one
   * @return the changed tables' metadata
   * @throws ParamstreamException NOT_FOUND, changing nothing, if a named table does not exist
   */
  public List<TableInfo> setTableHyperparameters(
      Hyperparameters hyperparameters, String... tables) {
    Objects.requireNonNull(hyperparameters, "hyperparameters");
    if (tables.length == 0) {
      throw new IllegalArgumentException("name at least one table to change");
    }
    SetHyperparametersRequest request =
        SetHyperparametersRequest.newBuilder()
            .addAllTables(names(tables))
            .setHyperparameters(Protos.toProto(hyperparameters))
            .build();
    return unary(
            "setting hyperparameters of " + Errors.tables(Arrays.asList(tables)),
            stub -> stub.setHyperparameters(request).getTablesList())
        .stream()
        .map(TableMessages::fromProto)
        .toList();
  }

  /**
   * Pushes row gradients of tables and waits for the server to apply them, atomically across all
   * tables, on one Push call of its own; see {@link #push(Map, List)}.
   *
   * @return the acknowledgement, with each table's new version in {@link PushResult#tableVersions}
   */
  public PushResult pushRows(List<RowGradient> rows) {
    return push(Map.of(), rows);
  }

  /** As {@link #pushRows(List)}. */
  public PushResult pushRows(RowGradient... rows) {
    return pushRows(List.of(rows));
  }

  /**
   * Pushes group gradients and table rows together, applied atomically across all of them. Rows of
   * the same id in one push are summed by the server before the update. Rows are sent in messages
   * of at most 1 MiB. Never retried.
   *
   * @throws ParamstreamException with the ack's code if the server rejected the push (nothing
   *     changed): INVALID_ARGUMENT for a row of the wrong width, an id outside an indexed table or
   *     a non-finite value, NOT_FOUND for an unknown table or group, RESOURCE_EXHAUSTED past a
   *     keyed table's row limit
   */
  public PushResult push(Map<String, float[]> gradients, List<RowGradient> rows) {
    Objects.requireNonNull(gradients, "gradients");
    Objects.requireNonNull(rows, "rows");
    return pushOnce(gradients, rows, PushOptions.NONE, 0);
  }

  /**
   * Reads rows of one table, in the order of {@code ids} (which may repeat). A keyed table answers
   * an id it has never seen with the row's initial value, without creating it. Retried on
   * UNAVAILABLE as {@link #pull} is.
   *
   * @throws ParamstreamException NOT_FOUND for an unknown table, INVALID_ARGUMENT for an id outside
   *     an indexed table
   */
  public TableRows pullRows(String table, long... ids) {
    Map<String, TableRows> rows = pullRows(List.of(RowQuery.of(table, ids)));
    TableRows result = rows.get(table);
    if (result == null) {
      throw Errors.protocol("pull of table " + table + " returned no rows");
    }
    return result;
  }

  /**
   * Reads rows of several tables at one instant between pushes (a push of several tables is seen
   * entirely or not at all). A query with {@link RowQuery#ifNewerThan} is skipped by the server
   * when its table has not advanced past that version: such a table is absent from the result.
   *
   * @return rows by table name, in query order; each table's rows in the order of its ids
   * @throws IllegalArgumentException if a table is queried twice
   */
  public Map<String, TableRows> pullRows(List<RowQuery> queries) {
    Objects.requireNonNull(queries, "queries");
    if (queries.isEmpty()) {
      throw new IllegalArgumentException("query at least one table");
    }
    io.paramstream.proto.v1.PullRowsRequest.Builder request =
        io.paramstream.proto.v1.PullRowsRequest.newBuilder();
    Set<String> seen = new java.util.HashSet<>();
    for (RowQuery query : queries) {
      Objects.requireNonNull(query, "query");
      if (!seen.add(query.table())) {
        throw new IllegalArgumentException("table " + query.table() + " is queried twice");
      }
      io.paramstream.proto.v1.RowSelector.Builder selector =
          io.paramstream.proto.v1.RowSelector.newBuilder().setTable(query.table());
      for (long id : query.ids()) {
        selector.addIds(id);
      }
      if (query.ifNewerThan() != RowQuery.ALWAYS) {
        selector.setIfNewerThan(query.ifNewerThan());
      }
      request.addTables(selector);
    }
    return pullRowsWithRetry(request.build());
  }

  private Map<String, TableRows> pullRowsWithRetry(
      io.paramstream.proto.v1.PullRowsRequest request) {
    ensureOpen();
    Deadline deadline = newDeadline();
    Backoff backoff = new Backoff(PULL_INITIAL_BACKOFF, RETRY_MAX_BACKOFF);
    for (int attempt = 1; ; attempt++) {
      try {
        return pullRowsOnce(request, deadline);
      } catch (ParamstreamException e) {
        if (e.code() != ErrorCode.UNAVAILABLE
            || attempt >= PULL_MAX_ATTEMPTS
            || closed.get()
            || deadline.timeRemaining(TimeUnit.MILLISECONDS) <= PULL_INITIAL_BACKOFF.toMillis()) {
          throw inContext(
              e,
              "pulling rows of "
                  + Errors.tables(
                      request.getTablesList().stream()
                          .map(io.paramstream.proto.v1.RowSelector::getTable)
                          .toList()));
        }
      }
      try {
        Thread.sleep(backoff.nextDelay().toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ParamstreamException(ErrorCode.CANCELLED, "interrupted while retrying a pull");
      }
      ensureOpen();
    }
  }

  private Map<String, TableRows> pullRowsOnce(
      io.paramstream.proto.v1.PullRowsRequest request, Deadline deadline) {
    io.paramstream.client.internal.RowAssembler rows =
        new io.paramstream.client.internal.RowAssembler(request);
    // Its own context, so leaving the stream early (a protocol violation) cancels the call.
    Context.CancellableContext call = callContext.withCancellation();
    Context previous = call.attach();
    try {
      Iterator<io.paramstream.proto.v1.RowChunk> chunks =
          blockingStub.withDeadline(deadline).pullRows(request);
      while (chunks.hasNext()) {
        rows.accept(chunks.next());
      }
      return rows.finish();
    } catch (StatusRuntimeException e) {
      throw Errors.from(e);
    } finally {
      call.detach(previous);
      call.cancel(null);
    }
  }

  /**
   * Pushes gradients and waits for the server to apply them, on one Push call of its own. Each
   * array must have its group's size; large arrays are sent in 1 MiB slices. All groups are updated
   * atomically. Never retried: on a failure the push may or may not have been applied. For a steady
   * stream of pushes prefer {@link #openPushSession()}, which pipelines them.
   *
   * @return the push's acknowledgement with the groups' new versions
   * @throws ParamstreamException with the server's code if the push was rejected (INVALID_ARGUMENT
   *     for a bad length or NaN, NOT_FOUND for an unknown group), or the call's failure
   */
  public PushResult push(Map<String, float[]> gradients) {
    return push(gradients, PushOptions.NONE);
  }

  /**
   * As {@link #push(Map)}, stating a worker id (synchronous mode: returns when the step completes)
   * or a base version (bounded staleness).
   */
  public PushResult push(Map<String, float[]> gradients, PushOptions options) {
    Objects.requireNonNull(gradients, "gradients");
    Objects.requireNonNull(options, "options");
    return pushOnce(gradients, List.of(), options, 0);
  }

  /**
   * Pushes gradients exactly once, retrying with exponential backoff and jitter while the push
   * fails with UNAVAILABLE or DEADLINE_EXCEEDED: the server applies each ({@code workerId}, {@code
   * sequence}) at most once, also across a restart from a checkpoint, so a retry can never apply
   * the gradient twice.
   *
   * <p>A worker numbers its pushes 1, 2, 3, ... (the training step is a good choice) and must not
   * send a later one before an earlier one has returned. A push whose sequence the server has
   * already applied returns normally with the groups' current versions. A restarted worker must
   * continue its sequence (or use a new worker id), or its pushes are dropped as duplicates.
   *
   * @throws ParamstreamException as {@link #push(Map)}, after the last attempt for a retryable
   *     failure
   */
  public PushResult pushExactlyOnce(
      String workerId, long sequence, Map<String, float[]> gradients) {
    return pushExactlyOnce(workerId, sequence, gradients, List.of());
  }

  /**
   * As {@link #pushExactlyOnce(String, long, Map)}, for a push of group gradients and table rows:
   * the server de-duplicates the whole push, rows included.
   */
  public PushResult pushExactlyOnce(
      String workerId, long sequence, Map<String, float[]> gradients, List<RowGradient> rows) {
    Objects.requireNonNull(workerId, "workerId");
    Objects.requireNonNull(gradients, "gradients");
    Objects.requireNonNull(rows, "rows");
    if (workerId.isEmpty()) {
      throw new IllegalArgumentException("workerId must not be empty");
    }
    if (sequence <= 0) {
      throw new IllegalArgumentException("sequence must be > 0, got " + sequence);
    }
    Backoff backoff = new Backoff(RETRY_INITIAL_BACKOFF, RETRY_MAX_BACKOFF);
    for (int attempt = 1; ; attempt++) {
      try {
        return pushOnce(
            gradients, rows, new PushOptions(workerId, PushOptions.NO_BASE_VERSION), sequence);
      } catch (ParamstreamException e) {
        boolean retryable =
            e.code() == ErrorCode.UNAVAILABLE || e.code() == ErrorCode.DEADLINE_EXCEEDED;
        if (!retryable || attempt >= RETRY_MAX_ATTEMPTS || closed.get()) {
          throw e;
        }
      }
      try {
        Thread.sleep(backoff.nextDelay().toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ParamstreamException(ErrorCode.CANCELLED, "interrupted between push retries");
      }
    }
  }

  private PushResult pushOnce(
      Map<String, float[]> gradients, List<RowGradient> rows, PushOptions options, long sequence) {
    ensureOpen();
    Deadline deadline = newDeadline();
    PushSession session =
        inCallContext(
            () -> PushSession.open(asyncStub.withDeadline(deadline), target, config.deadline(), 1));
    CompletableFuture<PushResult> result;
    try {
      result = session.push(gradients, rows, options, sequence);
    } finally {
      session.close();
    }
    try {
      return await(result, deadline, reason -> {});
    } catch (ParamstreamException e) {
      throw inContext(
          e,
          "pushing "
              + Errors.pushed(gradients.keySet(), rows.stream().map(RowGradient::table).toList()));
    }
  }

  /**
   * Registers a worker for synchronous (BSP) training; the server then waits for one push from it
   * (with {@link PushOptions#worker}) per step. Idempotent.
   *
   * @return the registered workers
   * @throws ParamstreamException FAILED_PRECONDITION if the server is not in synchronous mode
   */
  public List<String> registerWorker(String workerId) {
    Objects.requireNonNull(workerId, "workerId");
    io.paramstream.proto.v1.RegisterWorkerRequest request =
        io.paramstream.proto.v1.RegisterWorkerRequest.newBuilder().setWorkerId(workerId).build();
    return unary(
        "registering worker '" + workerId + "'",
        stub -> stub.registerWorker(request).getWorkersList());
  }

  /** Removes a worker from synchronous training; the server stops waiting for it. */
  public List<String> deregisterWorker(String workerId) {
    Objects.requireNonNull(workerId, "workerId");
    io.paramstream.proto.v1.DeregisterWorkerRequest request =
        io.paramstream.proto.v1.DeregisterWorkerRequest.newBuilder().setWorkerId(workerId).build();
    return unary(
        "deregistering worker '" + workerId + "'",
        stub -> stub.deregisterWorker(request).getWorkersList());
  }

  /** The server's consistency mode, synchronous step and staleness histogram. */
  public ConsistencyStats stats() {
    io.paramstream.proto.v1.ServerStats stats =
        unary(
            "reading stats",
            stub -> stub.getStats(io.paramstream.proto.v1.GetStatsRequest.getDefaultInstance()));
    Map<Long, Long> staleness = new LinkedHashMap<>();
    stats.getStalenessList().forEach(b -> staleness.put(b.getStaleness(), b.getCount()));
    return new ConsistencyStats(
        stats.getMode().name(),
        stats.getStep(),
        Collections.unmodifiableMap(staleness),
        stats.getRejectedStalePushes(),
        stats.getMaxStaleness());
  }

  /**
   * Opens a long-lived push stream that pipelines pushes (see {@link PushSession}). Close the
   * session when done; closing the client cancels it.
   */
  public PushSession openPushSession() {
    ensureOpen();
    return inCallContext(
        () -> PushSession.open(asyncStub, target, config.deadline(), config.maxInFlightPushes()));
  }

  /**
   * Reads the current values of groups as one consistent snapshot (no push is half-visible).
   * Retried on UNAVAILABLE, up to 3 attempts with exponential backoff, within the deadline.
   *
   * @param names groups to read; none reads every group
   * @return values by group name, in the server's order
   * @throws ParamstreamException NOT_FOUND if a named group does not exist
   */
  public Map<String, GroupValues> pull(String... names) {
    PullRequest.Builder request = PullRequest.newBuilder();
    for (String name : names(names)) {
      request.addGroups(GroupSelector.newBuilder().setName(name));
    }
    return pullWithRetry(request.build()).values();
  }

  /**
   * Reads a group only if the server has a newer version than {@code version}, so a worker that is
   * up to date does not transfer the values again.
   *
   * @return the values, or empty if the group's version is not greater than {@code version}
   * @throws ParamstreamException NOT_FOUND if the group does not exist
   */
  public Optional<GroupValues> pullIfNewer(String name, long version) {
    Objects.requireNonNull(name, "name");
    PullRequest request =
        PullRequest.newBuilder()
            .addGroups(GroupSelector.newBuilder().setName(name).setIfNewerThan(version))
            .build();
    PullResult result = pullWithRetry(request);
    if (result.notModified().contains(name)) {
      return Optional.empty();
    }
    GroupValues values = result.values().get(name);
    if (values == null) {
      throw Errors.protocol("pull of " + name + " returned neither values nor not_modified");
    }
    return Optional.of(values);
  }

  /**
   * Watches groups, one group per callback: {@code onUpdate} first receives the current values of
   * each group, then the new values whenever a group's version advances. A slow consumer is not
   * sent every version but the latest one when it is ready, so it never falls behind by a backlog.
   * The groups of one set (see {@link #watchSets}) arrive one after another; use {@link #watchSets}
   * to see where a set ends, e.g. to use groups pushed together only together.
   *
   * <p>The watch has no deadline, since it is open-ended; it runs until the subscription is closed,
   * the client is closed, or it fails. {@code onError} is called at most once, when the watch ends
   * for any reason other than {@link WatchSubscription#close()}: e.g. NOT_FOUND when a watched
   * group is deleted, UNAVAILABLE when the server goes away, CANCELLED when the client is closed.
   * Callbacks run on a gRPC thread; keep them short.
   *
   * @param names the groups to watch; at least one
   */
  public WatchSubscription watch(
      Consumer<GroupValues> onUpdate, Consumer<ParamstreamException> onError, String... names) {
    Objects.requireNonNull(onUpdate, "onUpdate");
    WatchRequest request = watchRequest(onError, names);
    return inCallContext(
        () -> WatchSubscription.open(asyncStub, target, request, onUpdate, onError));
  }

  /**
   * Watches groups, one consistent {@link WatchSet} per callback: first every watched group, then,
   * whenever some of them advance, the ones that changed, all at the versions of one applied state
   * of the server (a push of several groups is in a set entirely or not at all). A slow consumer
   * gets the latest set when it is ready. Errors, lifetime and threads as for {@link #watch}. Needs
   * a server that marks the end of each set (this version on).
   *
   * @param names the groups to watch; at least one
   */
  public WatchSubscription watchSets(
      Consumer<WatchSet> onSet, Consumer<ParamstreamException> onError, String... names) {
    Objects.requireNonNull(onSet, "onSet");
    WatchRequest request = watchRequest(onError, names);
    return inCallContext(
        () -> WatchSubscription.openSets(asyncStub, target, request, onSet, onError));
  }

  private WatchRequest watchRequest(Consumer<ParamstreamException> onError, String... names) {
    Objects.requireNonNull(onError, "onError");
    if (names.length == 0) {
      throw new IllegalArgumentException("name at least one group to watch");
    }
    ensureOpen();
    WatchRequest.Builder request = WatchRequest.newBuilder();
    for (String name : names(names)) {
      request.addGroups(GroupSelector.newBuilder().setName(name));
    }
    return request.build();
  }

  /**
   * Closes the client: cancels its open calls, sessions and watches, and shuts down the channel if
   * the client created it. Later calls fail fast with CANCELLED. Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    callContext.cancel(Errors.closed("client"));
    if (ownedChannel != null) {
      ownedChannel.shutdownNow();
      try {
        ownedChannel.awaitTermination(GRACE.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  record PullResult(Map<String, GroupValues> values, Set<String> notModified) {}

  private PullResult pullWithRetry(PullRequest request) {
    ensureOpen();
    // One deadline for all attempts: the caller's wait stays bounded by the configured deadline.
    Deadline deadline = newDeadline();
    long backoffMillis = PULL_INITIAL_BACKOFF.toMillis();
    for (int attempt = 1; ; attempt++) {
      try {
        return pullOnce(request, deadline);
      } catch (ParamstreamException e) {
        if (e.code() != ErrorCode.UNAVAILABLE
            || attempt >= PULL_MAX_ATTEMPTS
            || closed.get()
            || deadline.timeRemaining(TimeUnit.MILLISECONDS) <= backoffMillis) {
          throw inContext(
              e,
              "pulling "
                  + Errors.groups(
                      request.getGroupsList().stream().map(GroupSelector::getName).toList()));
        }
      }
      try {
        Thread.sleep(backoffMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ParamstreamException(ErrorCode.CANCELLED, "interrupted while retrying a pull");
      }
      backoffMillis *= 2;
      ensureOpen();
    }
  }

  private PullResult pullOnce(PullRequest request, Deadline deadline) {
    PullResult streamed = sharedPulls.tryPull(request, deadline);
    if (streamed != null) {
      return streamed;
    }
    CompletableFuture<PullResult> result = new CompletableFuture<>();
    PulledSnapshot snapshot = new PulledSnapshot();
    // Set by gRPC before the call starts, so always present once pull() returns.
    AtomicReference<ClientCallStreamObserver<PullRequest>> call = new AtomicReference<>();
    ClientResponseObserver<PullRequest, GroupChunk> observer =
        new ClientResponseObserver<>() {
          @Override
          public void beforeStart(ClientCallStreamObserver<PullRequest> requestStream) {
            call.set(requestStream);
          }

          @Override
          public void onNext(GroupChunk chunk) {
            if (result.isDone()) {
              return;
            }
            try {
              snapshot.accept(chunk);
            } catch (ParamstreamException e) {
              result.completeExceptionally(e);
              call.get().cancel(e.getMessage(), e);
            }
          }

          @Override
          public void onError(Throwable t) {
            result.completeExceptionally(Errors.from(t));
          }

          @Override
          public void onCompleted() {
            try {
              result.complete(snapshot.finish());
            } catch (ParamstreamException e) {
              result.completeExceptionally(e);
            }
          }
        };
    inCallContext(
        () -> {
          ClientCalls.asyncServerStreamingCall(
              asyncStub
                  .getChannel()
                  .newCall(PULL_METHOD, asyncStub.getCallOptions().withDeadline(deadline)),
              request,
              observer);
          return null;
        });
    return await(result, deadline, reason -> call.get().cancel(reason.getMessage(), reason));
  }

  private <T> T unary(
      String operation,
      java.util.function.Function<ParameterServerGrpc.ParameterServerBlockingStub, T> call) {
    ensureOpen();
    Deadline deadline = newDeadline();
    try {
      return inCallContext(() -> call.apply(blockingStub.withDeadline(deadline)));
    } catch (StatusRuntimeException e) {
      throw inContext(Errors.from(e), operation);
    }
  }

  private ParamstreamException inContext(ParamstreamException e, String operation) {
    return Errors.inContext(e, target, config.deadline(), operation);
  }

  // Waits for a call's outcome; the call's own deadline normally ends the wait first.
  private static <T> T await(
      CompletableFuture<T> future, Deadline deadline, Consumer<ParamstreamException> cancel) {
    long waitNanos = deadline.timeRemaining(TimeUnit.NANOSECONDS) + GRACE.toNanos();
    try {
      return future.get(Math.max(0, waitNanos), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      ParamstreamException reason = new ParamstreamException(ErrorCode.CANCELLED, "interrupted");
      cancel.accept(reason);
      throw reason;
    } catch (ExecutionException e) {
      throw Errors.from(e.getCause());
    } catch (TimeoutException e) {
      ParamstreamException reason =
          new ParamstreamException(ErrorCode.DEADLINE_EXCEEDED, "no reply after the deadline");
      cancel.accept(reason);
      throw reason;
    }
  }

  private <T> T inCallContext(Supplier<T> start) {
    Context previous = callContext.attach();
    try {
      return start.get();
    } finally {
      callContext.detach(previous);
    }
  }

  private Deadline newDeadline() {
    return Deadline.after(config.deadline().toNanos(), TimeUnit.NANOSECONDS);
  }

  private void ensureOpen() {
    if (closed.get()) {
      throw Errors.closed("client");
    }
  }

  private static List<String> names(String... names) {
    List<String> list = Arrays.asList(names);
    list.forEach(n -> Objects.requireNonNull(n, "group name"));
    return Collections.unmodifiableList(list);
  }

  /**
   * Builds a client that owns a channel to one server. Each setter validates its argument; {@link
   * #build()} requires a target.
   */
  public static final class Builder {
    private String target;
    private ClientConfig config = ClientConfig.defaults();
    private Path trustedCertificates;
    private Path clientCertificate;
    private Path clientKey;
    private String token;
    private boolean directExecutor;

    private Builder() {}

    /** The server address, e.g. {@code "localhost:50051"} or any gRPC target URI. */
    public Builder target(String target) {
      Objects.requireNonNull(target, "target");
      if (target.isBlank()) {
        throw new IllegalArgumentException("target must not be blank");
      }
      this.target = target;
      return this;
    }

    /** The deadline of each call (default 30 s). */
    public Builder deadline(Duration deadline) {
      this.config = config.withDeadline(deadline);
      return this;
    }

    /** Connect without TLS (the default; the server speaks plaintext on a trusted network). */
    public Builder plaintext() {
      this.trustedCertificates = null;
      this.clientCertificate = null;
      this.clientKey = null;
      return this;
    }

    /** Connect over TLS, trusting the PEM CA certificates in {@code caCertificates}. */
    public Builder tls(Path caCertificates) {
      this.trustedCertificates = Objects.requireNonNull(caCertificates, "caCertificates");
      return this;
    }

    /**
     * Present this PEM certificate chain and PKCS#8 key to a server that requires client
     * certificates (mutual TLS); needs {@link #tls}.
     */
    public Builder clientCertificate(Path certificateChain, Path privateKey) {
      this.clientCertificate = Objects.requireNonNull(certificateChain, "certificateChain");
      this.clientKey = Objects.requireNonNull(privateKey, "privateKey");
      return this;
    }

    /** Authenticate every call with this bearer token (the server's --auth-tokens). */
    public Builder token(String token) {
      Objects.requireNonNull(token, "token");
      if (token.isBlank()) {
        throw new IllegalArgumentException("token must not be blank");
      }
      this.token = token;
      return this;
    }

    /** The push window of push sessions (default 8). */
    public Builder maxInFlightPushes(int maxInFlightPushes) {
      this.config = config.withMaxInFlightPushes(maxInFlightPushes);
      return this;
    }

    /**
     * Run the client's gRPC callbacks on the network threads instead of a thread pool: one thread
     * hop less per ack and per pull, which matters for small, frequent messages. The futures this
     * client returns then complete on a network thread, so a continuation attached to them must not
     * block (a continuation that waits for another push's ack would wait forever); hand blocking
     * work to your own executor.
     */
    public Builder directExecutor() {
      this.directExecutor = true;
      return this;
    }

    /** Creates the channel (connecting lazily) and the client that owns it. */
    public ParamstreamClient build() {
      if (target == null) {
        throw new IllegalStateException("target is required");
      }
      ChannelCredentials credentials = InsecureChannelCredentials.create();
      if (trustedCertificates != null) {
        try {
          TlsChannelCredentials.Builder tls =
              TlsChannelCredentials.newBuilder().trustManager(trustedCertificates.toFile());
          if (clientCertificate != null) {
            tls.keyManager(clientCertificate.toFile(), clientKey.toFile());
          }
          credentials = tls.build();
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read TLS files", e);
        }
      } else if (clientCertificate != null) {
        throw new IllegalStateException("clientCertificate needs tls(caCertificates)");
      }
      if (token != null) {
        credentials = CompositeChannelCredentials.create(credentials, new BearerToken(token));
      }
      ManagedChannelBuilder<?> channelBuilder = Grpc.newChannelBuilder(target, credentials);
      if (directExecutor) {
        channelBuilder.directExecutor();
      }
      ManagedChannel channel = channelBuilder.build();
      return new ParamstreamClient(channel, channel, config);
    }
  }
}
