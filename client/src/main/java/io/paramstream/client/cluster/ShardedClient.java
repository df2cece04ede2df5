package io.paramstream.client.cluster;

import io.grpc.Deadline;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.paramstream.client.ClientConfig;
import io.paramstream.client.ErrorCode;
import io.paramstream.client.GroupInfo;
import io.paramstream.client.GroupSpec;
import io.paramstream.client.GroupValues;
import io.paramstream.client.ParamstreamClient;
import io.paramstream.client.ParamstreamException;
import io.paramstream.client.PushResult;
import io.paramstream.client.RowGradient;
import io.paramstream.client.RowQuery;
import io.paramstream.client.TableInfo;
import io.paramstream.client.TableRows;
import io.paramstream.client.TableSpec;
import io.paramstream.client.WatchSubscription;
import io.paramstream.client.internal.Errors;
import io.paramstream.proto.v1.DescribeShardRequest;
import io.paramstream.proto.v1.ShardDescription;
import io.paramstream.proto.v1.ShardPlacementGrpc;
import io.paramstream.proto.v1.StoredGroup;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A client of a sharded cluster: N independent servers, each holding part of the parameters, behind
 * the same operations as {@link ParamstreamClient}.
 *
 * <p><b>Placement.</b> A group of at most {@link Builder#rangeElements} elements is placed whole on
 * the shard that owns its name on a {@link ConsistentHashRing} of the shard addresses. A larger
 * group is split into equal ranges of at most that many elements; range i goes to the i-th shard of
 * the ring's preference list for the name, so the ranges of one group land on distinct shards
 * (wrapping around when there are more ranges than shards). Ranges are stored under {@link
 * RangeName}s, so the layout is recorded on the shards themselves: a client finds any group by
 * listing the shards (once per group, then cached), whichever client created it, and even if the
 * shard set changed since. Existing groups are never moved. A cached layout goes stale if another
 * client deletes and re-creates the group: the next call fails with NOT_FOUND and forgets the
 * cache, and the call after finds the new layout.
 *
 * <p><b>Placement of sparse tables.</b> Every table has a part on each shard, stored under the
 * table's own name, and rows are routed by id ({@link TableRouting}):
 *
 * <ul>
 *   <li>a <b>keyed</b> table is created on every shard with the same spec (same initializer seed),
 *       and row {@code id} lives on shard {@code Long.remainderUnsigned(fmix64(id), n)} under the
 *       same id, {@code fmix64} being MurmurHash3's 64-bit finalizer; a row's initial value depends
 *       on the seed and the id only, so it starts where a single server's would. The row limit
 *       ({@code TableSpec.rows}) applies per shard.
 *   <li>an <b>indexed</b> table of R rows: row {@code id} lives on shard {@code id % n} as local
 *       row {@code id / n}; shard s holds {@code ceil((R - s) / n)} rows and its part is created
 *       with {@code id_offset = s}, {@code id_stride = n}, so its rows are initialized with their
 *       ids in the whole table and start where a single server's would.
 * </ul>
 *
 * A push or pull of rows is cut per shard (ids translated), sent concurrently, and reassembled in
 * request order. A table's version is the largest of its parts' versions: each shard counts the
 * pushes that touched its part. Tables are laid out for the cluster's shard count: a client with
 * another count refuses them (FAILED_PRECONDITION). Pushes mixing groups and rows, failures and
 * partial application behave as for groups (below).
 *
 * <p><b>Consistency of a push that spans shards.</b> The push is cut into one push per shard, sent
 * to all shards concurrently. Each shard applies its part atomically (all its groups and ranges or
 * none, never half-visible on that shard), and each stored group or range has its own version.
 * There is no atomicity across shards: if a shard fails (UNAVAILABLE, DEADLINE_EXCEEDED...), the
 * other shards' parts may already be applied, and the push throws a {@link ParamstreamException}
 * naming the shards that failed and those that applied it. A pull or watch of groups on several
 * shards may see a push applied on one shard and not yet on another. Invalid input (unknown group,
 * wrong length, NaN or infinite values) is rejected before anything is sent, so such a push changes
 * nothing anywhere. Pushes are never retried.
 *
 * <p><b>Versions</b> are per stored group or range. The version reported for a split group is the
 * smallest of its ranges' versions; the ranges agree as long as every push reached every shard.
 *
 * <p>Thread-safe. Closing closes every shard client and channel this client created.
 */
public final class ShardedClient implements AutoCloseable {

  private final List<Shard> shards;
  private final List<ManagedChannel> channels;
  private final List<ParamstreamClient> clients;
  private final ConsistentHashRing ring;
  private final int rangeElements;
  private final Duration deadline;
  // Fans calls out to shards; daemon threads so a forgotten client does not keep a JVM alive.
  private final ExecutorService fanOut;
  // Group name -> where its pieces are. Layouts never change while a group exists.
  private final Map<String, Layout> layouts = new ConcurrentHashMap<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final ShardedTables tables;

  /** One stored piece of a group: the whole group, or a range of it. */
  record Piece(String storedName, int shard, int start, int end) {
    int length() {
      return end - start;
    }
  }

  /** Where a group's pieces are, in element order. */
  record Layout(String name, int size, List<Piece> pieces) {}

  private ShardedClient(List<String> addresses, ClientConfig config, int rangeElements) {
    List<Shard> shardList = new ArrayList<>();
    List<ManagedChannel> channelList = new ArrayList<>();
    List<ParamstreamClient> clientList = new ArrayList<>();
    for (String address : addresses) {
      ManagedChannel channel =
          Grpc.newChannelBuilder(address, InsecureChannelCredentials.create()).build();
      shardList.add(new Shard(shardList.size(), address));
      channelList.add(channel);
      clientList.add(ParamstreamClient.create(channel, config));
    }
    this.shards = List.copyOf(shardList);
    this.channels = List.copyOf(channelList);
    this.clients = List.copyOf(clientList);
    this.ring = ConsistentHashRing.of(addresses);
    this.rangeElements = rangeElements;
    this.deadline = config.deadline();
    this.tables = new ShardedTables(this, shards.size());
    this.fanOut =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "paramstream-shard-fanout");
              t.setDaemon(true);
              return t;
            });
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The shards, in their stable order. */
  public List<Shard> shards() {
    return shards;
  }

  /** The ring new groups are placed on. */
  public ConsistentHashRing ring() {
    return ring;
  }

  /**
   * Creates a group, whole on one shard or split into ranges over several. Split creation is not
   * atomic: if a range cannot be created, the ranges already created are deleted (best effort) and
   * the call fails.
   *
   * @throws ParamstreamException ALREADY_EXISTS if the name is taken anywhere in the cluster,
   *     INVALID_ARGUMENT for a name containing {@link RangeName#MARKER}, UNAVAILABLE naming a shard
   *     that cannot be reached
   */
  public GroupInfo createGroup(GroupSpec spec) {
    Objects.requireNonNull(spec, "spec");
    ensureOpen();
    if (spec.name().contains(RangeName.MARKER)) {
      throw new ParamstreamException(
          ErrorCode.INVALID_ARGUMENT,
          "group name " + spec.name() + " must not contain " + RangeName.MARKER);
    }
    // A split group's ranges have names of their own, so shards cannot catch a duplicate alone.
    Catalog catalog = scan(true);
    if (catalog.layouts.containsKey(spec.name()) || catalog.partial.containsKey(spec.name())) {
      throw new ParamstreamException(
          ErrorCode.ALREADY_EXISTS, "group " + spec.name() + " already exists");
    }
    Layout layout = plan(spec.name(), spec.initialValues().length);
    List<Piece> created = new ArrayList<>();
    GroupInfo first = null;
    try {
      for (Piece piece : layout.pieces()) {
        float[] values =
            layout.pieces().size() == 1
                ? spec.initialValues()
                : Arrays.copyOfRange(spec.initialValues(), piece.start(), piece.end());
        GroupInfo info =
            onShard(
                piece.shard(),
                c ->
                    c.createGroup(
                        new GroupSpec(
                            piece.storedName(),
                            values,
                            spec.weightDecay(),
                            spec.hyperparameters())));
        created.add(piece);
        if (first == null) {
          first = info;
        }
      }
    } catch (ParamstreamException e) {
      for (Piece piece : created) {
        try {
          clients.get(piece.shard()).deleteGroups(piece.storedName());
        } catch (ParamstreamException ignored) {
          // Best effort: the failure being reported matters more.
        }
      }
      throw e;
    }
    layouts.put(spec.name(), layout);
    return new GroupInfo(
        spec.name(), layout.size(), first.weightDecay(), 0, first.hyperparameters());
  }

  /** Where a new group of this size would go. */
  Layout plan(String name, int size) {
    if (size <= rangeElements) {
      return new Layout(name, size, List.of(new Piece(name, ring.nodeFor(name), 0, size)));
    }
    int count = (int) ((size + (long) rangeElements - 1) / rangeElements);
    List<Integer> order = ring.preferenceList(name);
    List<Piece> pieces = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      // Even split: every range within one element of the others, none above rangeElements.
      int start = (int) ((long) size * i / count);
      int end = (int) ((long) size * (i + 1) / count);
      pieces.add(
          new Piece(
              new RangeName(name, start, end, size).storedName(),
              order.get(i % order.size()),
              start,
              end));
    }
    return new Layout(name, size, List.copyOf(pieces));
  }

  /**
   * Describes groups as one logical group each (a split group's size is its total, its version the
   * smallest of its ranges'), sorted by name.
   *
   * @param names groups to describe; none describes every group
   * @throws ParamstreamException UNAVAILABLE naming the unreachable shards if any shard does not
   *     answer (a partial list would silently hide groups)
   */
  public List<GroupInfo> listGroups(String... names) {
    ensureOpen();
    Catalog catalog = scan(true);
    Map<String, GroupInfo> all = catalog.infos;
    if (names.length == 0) {
      return List.copyOf(all.values());
    }
    List<GroupInfo> result = new ArrayList<>();
    for (String name : names) {
      GroupInfo info = all.get(name);
      if (info == null) {
        throw catalog.missing(name);
      }
      result.add(info);
    }
    return result;
  }

  /**
   * Deletes groups (all their ranges). Atomic per shard only: if a shard fails, the groups' pieces
   * on other shards may be gone already.
   */
  public void deleteGroups(String... names) {
    if (names.length == 0) {
      throw new IllegalArgumentException("name at least one group to delete");
    }
    ensureOpen();
    Map<String, Layout> targets = resolve(List.of(names));
    Map<Integer, List<String>> byShard = new TreeMap<>();
    for (Layout layout : targets.values()) {
      for (Piece piece : layout.pieces()) {
        byShard.computeIfAbsent(piece.shard(), s -> new ArrayList<>()).add(piece.storedName());
      }
    }
    targets.keySet().forEach(layouts::remove);
    awaitAll(
        byShard,
        (shard, stored) ->
            supply(
                () -> {
                  onShard(
                      shard,
                      c -> {
                        c.deleteGroups(stored.toArray(String[]::new));
                        return Boolean.TRUE;
                      });
                  return Boolean.TRUE;
                }));
  }

  /**
   * Pushes gradients to every shard concurrently and waits for every shard's acknowledgement. See
   * the class comment for what a push spanning shards guarantees.
   *
   * @return the new version of every stored group or range the push updated (keyed by stored name:
   *     the group name, or a {@link RangeName} for a range)
   * @throws ParamstreamException INVALID_ARGUMENT or NOT_FOUND before anything is sent; otherwise
   *     the first shard failure's code, with a message naming the failed and the applied shards
   */
  public Map<String, Long> push(Map<String, float[]> gradients) {
    return push(gradients, List.of()).versions();
  }

  /**
   * Pushes group gradients and table rows to every shard concurrently, each shard's part applied
   * atomically on that shard, and waits for every shard's acknowledgement. Rows are routed as the
   * class comment says; a table's rows on several shards are pushed to each of them.
   *
   * @throws ParamstreamException INVALID_ARGUMENT or NOT_FOUND before anything is sent (unknown
   *     group or table, wrong length or row width, non-finite value, id outside an indexed table);
   *     otherwise the first shard failure's code, naming the failed and the applied shards
   */
  public ShardedPushResult push(Map<String, float[]> gradients, List<RowGradient> rows) {
    ensureOpen();
    CompletableFuture<ShardedPushResult> result;
    // Closing the session waits for the acknowledgements of what was sent.
    try (ShardedPushSession session = new ShardedPushSession(this)) {
      result = session.push(gradients, rows);
    }
    try {
      return result.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof ParamstreamException failure) {
        throw failure;
      }
      throw e;
    }
  }

  /**
   * Opens one pipelined push stream per shard (opened when first needed); see {@link
   * ShardedPushSession}.
   */
  public ShardedPushSession openPushSession() {
    ensureOpen();
    return new ShardedPushSession(this);
  }

  /**
   * Reads groups from their shards concurrently. Each shard's part is a consistent snapshot of that
   * shard; parts from different shards are not read at one instant (see the class comment).
   *
   * @param names groups to read; none reads every group
   * @return values by group name, split groups reassembled, in the order asked (or by name)
   */
  public Map<String, GroupValues> pull(String... names) {
    ensureOpen();
    List<String> wanted =
        names.length == 0 ? List.copyOf(scan(true).layouts.keySet()) : List.of(names);
    Map<String, Layout> targets = resolve(wanted);
    Map<Integer, List<String>> byShard = new TreeMap<>();
    for (Layout layout : targets.values()) {
      for (Piece piece : layout.pieces()) {
        byShard.computeIfAbsent(piece.shard(), s -> new ArrayList<>()).add(piece.storedName());
      }
    }
    Map<Integer, Map<String, GroupValues>> parts =
        awaitAll(
            byShard,
            (shard, stored) ->
                supply(() -> onShard(shard, c -> c.pull(stored.toArray(String[]::new)))));
    Map<String, GroupValues> result = new LinkedHashMap<>();
    for (Layout layout : targets.values()) {
      float[] values = new float[layout.size()];
      long version = Long.MAX_VALUE;
      for (Piece piece : layout.pieces()) {
        GroupValues part = parts.get(piece.shard()).get(piece.storedName());
        if (part == null || part.values().length != piece.length()) {
          throw new ParamstreamException(
              ErrorCode.INTERNAL,
              shards.get(piece.shard()) + " returned no or wrong values for " + piece.storedName());
        }
        System.arraycopy(part.values(), 0, values, piece.start(), piece.length());
        version = Math.min(version, part.version());
      }
      result.put(layout.name(), new GroupValues(layout.name(), version, values));
    }
    return result;
  }

  // ---- sparse tables ----

  /**
   * Creates a table across the cluster (placement in the class comment): a keyed table on every
   * shard, an indexed table on every shard that holds some of its rows, each part initialized with
   * the row ids of the whole table, so every row starts where a single server's would. Not atomic:
   * if a part cannot be created, the parts already created are deleted (best effort) and the call
   * fails. A keyed table's row limit applies per shard.
   *
   * @return the whole table's metadata
   * @throws ParamstreamException ALREADY_EXISTS naming the shard where the name is taken
   */
  public TableInfo createTable(TableSpec spec) {
    ensureOpen();
    return tables.create(spec);
  }

  /**
   * Describes tables, each as one table (rows and bytes summed over its parts, its version the
   * largest of theirs), sorted by name.
   *
   * @param names tables to describe; none describes every table
   * @throws ParamstreamException NOT_FOUND if a named table is on no shard, UNAVAILABLE naming a
   *     shard that does not answer
   */
  public List<TableInfo> listTables(String... names) {
    ensureOpen();
    return tables.list(names);
  }

  /** Deletes tables (every part). Atomic per shard only, as {@link #deleteGroups} is. */
  public void deleteTables(String... names) {
    ensureOpen();
    tables.delete(names);
  }

  /**
   * Pushes table rows; see {@link #push(Map, List)}.
   *
   * @return each pushed table's largest new version among the shards its rows went to
   */
  public Map<String, Long> pushRows(List<RowGradient> rows) {
    return push(Map.of(), rows).tableVersions();
  }

  /**
   * Reads rows of one table, in the order of {@code ids}, gathered from the shards that hold them.
   * Rows on different shards are not read at one instant (see {@link #pullRows(List)}).
   */
  public TableRows pullRows(String table, long... ids) {
    return pullRows(List.of(RowQuery.of(table, ids))).get(table);
  }

  /**
   * Reads rows of several tables from their shards concurrently, and returns them in request order.
   * Each shard's part is one consistent read of that shard; parts of different shards are not read
   * at one instant. A table's version is the largest of its shards' versions. Queries must be
   * unconditional ({@link RowQuery#of}).
   *
   * @throws ParamstreamException NOT_FOUND for an unknown table, INVALID_ARGUMENT for an id outside
   *     an indexed table (before anything is sent)
   */
  public Map<String, TableRows> pullRows(List<RowQuery> queries) {
    ensureOpen();
    return tables.pull(queries);
  }

  /** Cuts row gradients per shard; see {@link ShardedTables#split}. */
  Map<Integer, List<RowGradient>> splitRows(List<RowGradient> rows) {
    return tables.split(rows);
  }

  /**
   * Watches groups across shards: one watch per shard involved. {@code onUpdate} receives a whole
   * group (split groups reassembled) once every piece has arrived, then again whenever any piece
   * advances; its version is the smallest of its pieces'. If any shard's watch fails, all are
   * closed and {@code onError} is called once with that shard named.
   */
  public ShardedWatch watch(
      Consumer<GroupValues> onUpdate, Consumer<ParamstreamException> onError, String... names) {
    Objects.requireNonNull(onUpdate, "onUpdate");
    Objects.requireNonNull(onError, "onError");
    if (names.length == 0) {
      throw new IllegalArgumentException("name at least one group to watch");
    }
    ensureOpen();
    Map<String, Layout> targets = resolve(List.of(names));
    return ShardedWatch.open(this, targets.values(), onUpdate, onError);
  }

  WatchSubscription watchShard(
      int shard,
      List<String> storedNames,
      Consumer<GroupValues> onUpdate,
      Consumer<ParamstreamException> onError) {
    return onShard(
        shard,
        c ->
            c.watch(
                onUpdate,
                e -> onError.accept(shardFailure(shard, e)),
                storedNames.toArray(String[]::new)));
  }

  /**
   * Asks every shard what it holds. Unreachable shards are reported as such rather than failing the
   * whole answer, since this is what an operator looks at when something is wrong.
   */
  public Placement placement() {
    ensureOpen();
    List<CompletableFuture<Placement.ShardPlacement>> answers = new ArrayList<>();
    for (Shard shard : shards) {
      answers.add(
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  ShardDescription description =
                      ShardPlacementGrpc.newBlockingStub(channels.get(shard.index()))
                          .withDeadline(Deadline.after(deadline.toMillis(), TimeUnit.MILLISECONDS))
                          .describeShard(DescribeShardRequest.getDefaultInstance());
                  List<Placement.Piece> pieces = new ArrayList<>();
                  for (StoredGroup stored : description.getGroupsList()) {
                    pieces.add(toPiece(stored));
                  }
                  return new Placement.ShardPlacement(
                      shard, true, null, description.getTotalBytes(), pieces);
                } catch (StatusRuntimeException e) {
                  return new Placement.ShardPlacement(
                      shard, false, e.getStatus().getCode() + ": " + e.getMessage(), 0, List.of());
                }
              },
              fanOut));
    }
    return new Placement(answers.stream().map(CompletableFuture::join).toList());
  }

  private static Placement.Piece toPiece(StoredGroup stored) {
    return RangeName.parse(stored.getName())
        .map(
            r ->
                new Placement.Piece(
                    r.group(),
                    r.start(),
                    r.end(),
                    r.total(),
                    stored.getVersion(),
                    stored.getBytes()))
        .orElseGet(
            () ->
                new Placement.Piece(
                    stored.getName(),
                    0,
                    (int) stored.getSize(),
                    (int) stored.getSize(),
                    stored.getVersion(),
                    stored.getBytes()));
  }

  /** Closes every shard client and channel. Idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    clients.forEach(ParamstreamClient::close);
    channels.forEach(ManagedChannel::shutdownNow);
    for (ManagedChannel channel : channels) {
      try {
        channel.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    fanOut.shutdownNow();
  }

  // ---- routing ----

  /** Cuts a push into per-shard pushes, after checking everything a shard would reject. */
  Map<Integer, Map<String, float[]>> split(Map<String, float[]> gradients) {
    Objects.requireNonNull(gradients, "gradients");
    Map<String, Layout> targets = resolve(List.copyOf(gradients.keySet()));
    Map<Integer, Map<String, float[]>> perShard = new TreeMap<>();
    for (Layout layout : targets.values()) {
      float[] gradient = Objects.requireNonNull(gradients.get(layout.name()), "gradient");
      if (gradient.length != layout.size()) {
        throw new ParamstreamException(
            ErrorCode.INVALID_ARGUMENT,
            "gradient of "
                + layout.name()
                + " has "
                + gradient.length
                + " elements, the group has "
                + layout.size());
      }
      // Checked here so no shard applies its part of a push that another shard would reject.
      for (int i = 0; i < gradient.length; i++) {
        if (!Float.isFinite(gradient[i])) {
          throw new ParamstreamException(
              ErrorCode.INVALID_ARGUMENT,
              "gradient of " + layout.name() + " has a non-finite value at " + i);
        }
      }
      for (Piece piece : layout.pieces()) {
        float[] part =
            layout.pieces().size() == 1
                ? gradient
                : Arrays.copyOfRange(gradient, piece.start(), piece.end());
        perShard
            .computeIfAbsent(piece.shard(), s -> new LinkedHashMap<>())
            .put(piece.storedName(), part);
      }
    }
    return perShard;
  }

  /** Waits for every shard's ack; on any failure reports which shards applied the push. */
  ShardedPushResult collectPush(Map<Integer, CompletableFuture<PushResult>> acks) {
    Map<String, Long> versions = new TreeMap<>();
    Map<String, Long> tableVersions = new TreeMap<>();
    List<String> applied = new ArrayList<>();
    List<ParamstreamException> failures = new ArrayList<>();
    for (Map.Entry<Integer, CompletableFuture<PushResult>> ack : acks.entrySet()) {
      int shard = ack.getKey();
      try {
        PushResult result = ack.getValue().join();
        versions.putAll(result.versions());
        result.tableVersions().forEach((table, v) -> tableVersions.merge(table, v, Math::max));
        applied.add(shards.get(shard).toString());
      } catch (CompletionException e) {
        ParamstreamException failure = shardFailure(shard, e.getCause());
        if (failure.code() == ErrorCode.NOT_FOUND) {
          // The layout we cached is stale (group deleted or shard restarted empty).
          layouts.clear();
          tables.forget();
        }
        failures.add(failure);
      }
    }
    if (failures.isEmpty()) {
      return new ShardedPushResult(versions, tableVersions);
    }
    // UNAVAILABLE first: a dead shard is what the caller most needs to know about.
    failures.sort(Comparator.comparing(f -> f.code() == ErrorCode.UNAVAILABLE ? 0 : 1));
    StringBuilder message = new StringBuilder("push failed on ");
    message.append(String.join("; ", failures.stream().map(Errors::detail).toList()));
    message.append(applied.isEmpty() ? "; applied on no shard" : "; applied on " + applied);
    throw new ParamstreamException(failures.get(0).code(), message.toString(), failures.get(0));
  }

  /** Layouts of the named groups, from the cache or else by listing every shard. */
  Map<String, Layout> resolve(Collection<String> names) {
    Map<String, Layout> result = new LinkedHashMap<>();
    Catalog catalog = null;
    for (String name : names) {
      Objects.requireNonNull(name, "group name");
      Layout layout = layouts.get(name);
      if (layout == null) {
        if (catalog == null) {
          catalog = scan(false);
        }
        layout = catalog.layouts.get(name);
        if (layout == null) {
          throw catalog.missing(name);
        }
      }
      result.put(name, layout);
    }
    return result;
  }

  /** What a listing of every shard found. */
  private final class Catalog {
    final Map<String, Layout> layouts = new TreeMap<>();
    final Map<String, GroupInfo> infos = new TreeMap<>();
    // Groups some of whose ranges were not found on any reachable shard.
    final Map<String, String> partial = new TreeMap<>();
    final Map<Integer, ParamstreamException> unreachable = new TreeMap<>();

    ParamstreamException unreachableFailure(String what) {
      return new ParamstreamException(
          ErrorCode.UNAVAILABLE,
          what
              + ": "
              + String.join("; ", unreachable.values().stream().map(Errors::detail).toList()),
          unreachable.values().iterator().next());
    }

    ParamstreamException missing(String name) {
      if (!unreachable.isEmpty()) {
        return unreachableFailure("cannot locate group " + name);
      }
      if (partial.containsKey(name)) {
        return new ParamstreamException(ErrorCode.DATA_LOSS, partial.get(name));
      }
      return new ParamstreamException(
          ErrorCode.NOT_FOUND, "group " + name + " not found on any shard");
    }
  }

  /**
   * Lists every shard and rebuilds the layouts from the stored names.
   *
   * @param strict fail if a shard is unreachable, rather than return what the others hold
   */
  private Catalog scan(boolean strict) {
    Catalog catalog = new Catalog();
    Map<Integer, CompletableFuture<List<GroupInfo>>> listings = new TreeMap<>();
    for (Shard shard : shards) {
      listings.put(shard.index(), supply(() -> onShard(shard.index(), c -> c.listGroups())));
    }
    Map<String, List<Piece>> pieces = new TreeMap<>();
    Map<String, GroupInfo> firstInfo = new TreeMap<>();
    Map<String, Long> minVersion = new TreeMap<>();
    Map<String, Integer> sizes = new TreeMap<>();
    for (Map.Entry<Integer, CompletableFuture<List<GroupInfo>>> listing : listings.entrySet()) {
      int shard = listing.getKey();
      List<GroupInfo> stored;
      try {
        stored = listing.getValue().join();
      } catch (CompletionException e) {
        catalog.unreachable.put(shard, shardFailure(shard, e.getCause()));
        continue;
      }
      for (GroupInfo info : stored) {
        RangeName range = RangeName.parse(info.name()).orElse(null);
        String group = range == null ? info.name() : range.group();
        int start = range == null ? 0 : range.start();
        int end = range == null ? (int) info.size() : range.end();
        pieces
            .computeIfAbsent(group, g -> new ArrayList<>())
            .add(new Piece(info.name(), shard, start, end));
        sizes.put(group, range == null ? (int) info.size() : range.total());
        firstInfo.putIfAbsent(group, info);
        minVersion.merge(group, info.version(), Math::min);
      }
    }
    if (strict && !catalog.unreachable.isEmpty()) {
      throw catalog.unreachableFailure("cannot list the cluster");
    }
    for (Map.Entry<String, List<Piece>> entry : pieces.entrySet()) {
      String group = entry.getKey();
      List<Piece> sorted = new ArrayList<>(entry.getValue());
      sorted.sort(Comparator.comparingInt(Piece::start));
      int size = sizes.get(group);
      int covered = 0;
      for (Piece piece : sorted) {
        if (piece.start() != covered) {
          break;
        }
        covered = piece.end();
      }
      if (covered != size) {
        catalog.partial.put(
            group,
            "group "
                + group
                + " is incomplete: elements from "
                + covered
                + " of "
                + size
                + " are on no reachable shard");
        continue;
      }
      Layout layout = new Layout(group, size, List.copyOf(sorted));
      catalog.layouts.put(group, layout);
      GroupInfo first = firstInfo.get(group);
      catalog.infos.put(
          group,
          new GroupInfo(
              group, size, first.weightDecay(), minVersion.get(group), first.hyperparameters()));
      layouts.put(group, layout);
    }
    return catalog;
  }

  <T> CompletableFuture<T> supply(java.util.function.Supplier<T> task) {
    return CompletableFuture.supplyAsync(task, fanOut);
  }

  /** Runs {@code tasks} per shard concurrently; the first failure (UNAVAILABLE first) is thrown. */
  <I, T> Map<Integer, T> awaitAll(
      Map<Integer, I> inputs,
      java.util.function.BiFunction<Integer, I, CompletableFuture<T>> task) {
    Map<Integer, CompletableFuture<T>> running = new TreeMap<>();
    inputs.forEach((shard, input) -> running.put(shard, task.apply(shard, input)));
    Map<Integer, T> results = new TreeMap<>();
    List<ParamstreamException> failures = new ArrayList<>();
    for (Map.Entry<Integer, CompletableFuture<T>> entry : running.entrySet()) {
      try {
        results.put(entry.getKey(), entry.getValue().join());
      } catch (CompletionException e) {
        failures.add(shardFailure(entry.getKey(), e.getCause()));
      }
    }
    if (!failures.isEmpty()) {
      if (failures.stream().anyMatch(f -> f.code() == ErrorCode.NOT_FOUND)) {
        // Another client deleted (or re-created) a group we had cached: look it up again next time.
        layouts.clear();
        tables.forget();
      }
      failures.sort(Comparator.comparing(f -> f.code() == ErrorCode.UNAVAILABLE ? 0 : 1));
      throw failures.get(0);
    }
    return results;
  }

  /** Runs a call on one shard's client, naming the shard in any failure. */
  <T> T onShard(int shard, Function<ParamstreamClient, T> call) {
    try {
      return call.apply(clients.get(shard));
    } catch (ParamstreamException e) {
      throw shardFailure(shard, e);
    }
  }

  /**
   * The same failure, with the shard named (once) in its message: e.g. "shard 1 (10.0.0.2:50051) is
   * unavailable: connection refused to 10.0.0.2:50051 while pushing group 'w'". The shard's client
   * already named the address, the operation and the cause.
   */
  ParamstreamException shardFailure(int shard, Throwable t) {
    Shard s = shards.get(shard);
    if (t instanceof ParamstreamException e) {
      String detail = Errors.detail(e);
      if (detail.startsWith(s.toString())) {
        return e;
      }
      String what = e.code() == ErrorCode.UNAVAILABLE ? " is unavailable: " : ": ";
      return new ParamstreamException(e.code(), s + what + detail, e);
    }
    return new ParamstreamException(ErrorCode.UNKNOWN, s + ": " + t, t);
  }

  List<ParamstreamClient> clients() {
    return clients;
  }

  private void ensureOpen() {
    if (closed.get()) {
      throw new ParamstreamException(ErrorCode.CANCELLED, "sharded client is closed");
    }
  }

  /**
   * Builds a {@link ShardedClient}. Give the cluster either as a list of addresses or as a DNS name
   * that resolves to every shard (a Kubernetes headless service); either way the addresses are
   * sorted, so every client derives the same shard order.
   */
  public static final class Builder {
    private List<String> addresses;
    private ClientConfig config = ClientConfig.defaults();
    private int rangeElements = DEFAULT_RANGE_ELEMENTS;

    /** Groups above this many elements (4 Mi floats, 16 MiB) are split into ranges. */
    public static final int DEFAULT_RANGE_ELEMENTS = 4 << 20;

    private Builder() {}

    /** The shards' {@code host:port} addresses, in any order. */
    public Builder addresses(List<String> addresses) {
      Objects.requireNonNull(addresses, "addresses");
      if (addresses.isEmpty()) {
        throw new IllegalArgumentException("a cluster needs at least one address");
      }
      List<String> sorted = new ArrayList<>(addresses);
      sorted.forEach(a -> Objects.requireNonNull(a, "address"));
      sorted.sort(Comparator.naturalOrder());
      this.addresses = List.copyOf(sorted);
      return this;
    }

    /**
     * A DNS name whose A/AAAA records are the shards, all on {@code port}: resolved once, now. With
     * a Kubernetes headless service, set {@code publishNotReadyAddresses: true} so a shard that is
     * restarting is still listed (and reported UNAVAILABLE) instead of silently missing.
     */
    public Builder dnsName(String host, int port) {
      Objects.requireNonNull(host, "host");
      InetAddress[] resolved;
      try {
        resolved = InetAddress.getAllByName(host);
      } catch (UnknownHostException e) {
        throw new ParamstreamException(ErrorCode.UNAVAILABLE, "cannot resolve " + host, e);
      }
      List<String> list = new ArrayList<>();
      for (InetAddress address : resolved) {
        String ip = address.getHostAddress();
        list.add((ip.contains(":") ? "[" + ip + "]" : ip) + ":" + port);
      }
      return addresses(List.copyOf(new java.util.TreeSet<>(list)));
    }

    /** The deadline of each call (default 30 s). */
    public Builder deadline(Duration deadline) {
      this.config = config.withDeadline(deadline);
      return this;
    }

    /** The push window of each shard's push stream (default 8). */
    public Builder maxInFlightPushes(int maxInFlightPushes) {
      this.config = config.withMaxInFlightPushes(maxInFlightPushes);
      return this;
    }

    /**
     * Groups larger than this many elements are split into ranges of at most this many. Every
     * client of a cluster should use the same value, so that they would place groups alike.
     */
    public Builder rangeElements(int rangeElements) {
      if (rangeElements < 1) {
        throw new IllegalArgumentException("rangeElements must be >= 1, got " + rangeElements);
      }
      this.rangeElements = rangeElements;
      return this;
    }

    public ShardedClient build() {
      if (addresses == null) {
        throw new IllegalStateException("addresses or dnsName is required");
      }
      return new ShardedClient(addresses, config, rangeElements);
    }
  }
}
