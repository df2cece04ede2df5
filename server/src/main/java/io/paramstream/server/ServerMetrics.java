package io.paramstream.server;

import io.grpc.Status;
import io.paramstream.core.GroupGradient;
import io.paramstream.core.GroupMetadata;
import io.paramstream.core.GroupStore;
import io.paramstream.core.TransientMemoryBudget;
import io.paramstream.core.VersionListener;
import io.paramstream.core.table.RowGradient;
import io.paramstream.core.table.TableMetadata;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;

/**
 * The server's Prometheus metrics, in a registry of its own (no global state, so several servers
 * can run in one JVM). Exposed over HTTP by {@link ServerMain} when {@code --metrics-port} is set.
 *
 * <p>Staleness is how long ago a group last changed: a group a training job should be updating but
 * is not shows up as a growing age.
 *
 * <p>The registry also holds the JVM and process metrics of the Prometheus client (heap, GC,
 * threads, resident memory) and the per-method gRPC metrics of {@link RpcMetrics}.
 */
public final class ServerMetrics {

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Counter pushes;
  // Resolved once: a label lookup per push would allocate on the hot path.
  private final CounterDataPoint pushesApplied;
  private final CounterDataPoint pushesDuplicate;
  private final CounterDataPoint pushesRejected;
  private final Counter rejected;
  private final Counter gradientBytes;
  private final Histogram applySeconds;
  private final Counter checkpoints;
  private final Histogram checkpointSeconds;
  private final Gauge checkpointWrittenAt;
  private final Counter pulls;
  private final Histogram staleness;
  private final Counter groupPushes;
  private final Counter groupBytes;
  private final Counter tableRowsPushed;
  private final RpcMetrics rpc;

  /** Per group: its data points, resolved once, and the time of its last change. */
  private final ConcurrentHashMap<String, GroupPoints> groups = new ConcurrentHashMap<>();

  /** A group's label data points, so a push only increments them. */
  record GroupPoints(CounterDataPoint pushes, CounterDataPoint bytes, AtomicLong lastUpdateNanos) {}

  ServerMetrics(GroupStore store, TransientMemoryBudget transientBudget) {
    pushes =
        Counter.builder()
            .name("paramstream_pushes")
            .help("Complete pushes answered, by outcome (applied, duplicate, rejected).")
            .labelNames("outcome")
            .register(registry);
    pushesApplied = pushes.labelValues("applied");
    pushesDuplicate = pushes.labelValues("duplicate");
    pushesRejected = pushes.labelValues("rejected");
    rejected =
        Counter.builder()
            .name("paramstream_pushes_rejected")
            .help("Rejected pushes by reason (the gRPC status code of the ack).")
            .labelNames("reason")
            .register(registry);
    gradientBytes =
        Counter.builder()
            .name("paramstream_push_gradient_bytes")
            .help("float32 gradient bytes of applied pushes.")
            .unit(Unit.BYTES)
            .register(registry);
    applySeconds =
        Histogram.builder()
            .name("paramstream_push_apply_seconds")
            .help("Time to apply one complete push to the store, locks included.")
            .unit(Unit.SECONDS)
            .classicOnly()
            .classicExponentialUpperBounds(1e-6, 4, 12)
            .register(registry);
    checkpoints =
        Counter.builder()
            .name("paramstream_checkpoints")
            .help("Checkpoints attempted, by result (written, failed).")
            .labelNames("result")
            .register(registry);
    checkpointSeconds =
        Histogram.builder()
            .name("paramstream_checkpoint_seconds")
            .help("Time to snapshot and write one checkpoint.")
            .unit(Unit.SECONDS)
            .classicOnly()
            .classicExponentialUpperBounds(0.001, 4, 10)
            .register(registry);
    checkpointWrittenAt =
        Gauge.builder()
            .name("paramstream_checkpoint_last_written_timestamp_seconds")
            .help("Unix time of the last checkpoint written; its age is time() minus this.")
            .unit(Unit.SECONDS)
            .register(registry);
    pulls =
        Counter.builder()
            .name("paramstream_pulls")
            .help("Pulls answered: Pull calls and requests on PullStream.")
            .register(registry);
    staleness =
        Histogram.builder()
            .name("paramstream_push_staleness_versions")
            .help("Bounded staleness: versions a push's base lagged the group when it was applied.")
            .classicOnly()
            .classicUpperBounds(0, 1, 2, 4, 8, 16, 32, 64)
            .register(registry);
    groupPushes =
        Counter.builder()
            .name("paramstream_group_pushes")
            .help("Updates applied to each group (a synchronous step counts once).")
            .labelNames("group")
            .register(registry);
    groupBytes =
        Counter.builder()
            .name("paramstream_group_gradient_bytes")
            .help("float32 gradient bytes applied to each group.")
            .unit(Unit.BYTES)
            .labelNames("group")
            .register(registry);
    tableRowsPushed =
        Counter.builder()
            .name("paramstream_table_rows_pushed")
            .help(
                "Gradient rows applied to each sparse table (duplicates in a push counted; its"
                    + " rate is rows touched per second).")
            .labelNames("table")
            .register(registry);
    GaugeWithCallback.builder()
        .name("paramstream_table_rows")
        .help("Rows each sparse table holds: all of an indexed table, the touched ones of a keyed.")
        .labelNames("table")
        .callback(
            callback -> {
              for (TableMetadata table : store.tables().list(List.of())) {
                callback.call(table.rows(), table.name());
              }
            })
        .register(registry);
    GaugeWithCallback.builder()
        .name("paramstream_table_version")
        .help("Current version of each sparse table (pushes applied to it).")
        .labelNames("table")
        .callback(
            callback -> {
              for (TableMetadata table : store.tables().list(List.of())) {
                callback.call(table.version(), table.name());
              }
            })
        .register(registry);
    Info.builder()
        .name("paramstream_build_info")
        .help("The server's version and the git commit it was built from.")
        .labelNames("version", "commit")
        .register(registry)
        .addLabelValues(ServerFeatures.build().version(), ServerFeatures.build().commit());
    JvmMetrics.builder().register(registry);
    rpc = new RpcMetrics(registry);
    GaugeWithCallback.builder()
        .name("paramstream_groups")
        .help("Groups held.")
        .callback(callback -> callback.call(store.size()))
        .register(registry);
    GaugeWithCallback.builder()
        .name("paramstream_parameter_bytes")
        .help("float32 bytes over all groups and sparse tables (optimizer state of tables too).")
        .unit(Unit.BYTES)
        .callback(callback -> callback.call(store.parameterBytes()))
        .register(registry);
    GaugeWithCallback.builder()
        .name("paramstream_group_version")
        .help("Current version of each group.")
        .labelNames("group")
        .callback(
            callback -> {
              for (GroupMetadata group : store.list(List.of())) {
                callback.call(group.version(), group.name());
              }
            })
        .register(registry);
    GaugeWithCallback.builder()
        .name("paramstream_group_staleness_seconds")
        .help("Seconds since each group last changed (or since it was created or restored).")
        .labelNames("group")
        .callback(
            callback -> {
              long now = System.nanoTime();
              for (GroupMetadata group : store.list(List.of())) {
                callback.call(secondsSinceUpdate(group.name(), now), group.name());
              }
            })
        .register(registry);
    GaugeWithCallback.builder()
        .name("paramstream_transient_limit_bytes")
        .help("The transient memory budget (--max-transient-bytes).")
        .unit(Unit.BYTES)
        .callback(callback -> callback.call(transientBudget.limitBytes()))
        .register(registry);
    GaugeWithCallback.builder()
        .name("paramstream_transient_in_use_bytes")
        .help("Transient memory reserved now, by use (write: staged pushes and creates; read).")
        .unit(Unit.BYTES)
        .labelNames("use")
        .callback(
            callback -> {
              long read = transientBudget.readBytes();
              callback.call(transientBudget.inUseBytes() - read, "write");
              callback.call(read, "read");
            })
        .register(registry);
    store.addListener(
        new VersionListener() {
          @Override
          public void versionAdvanced(String group, long version) {
            GroupPoints points = points(group);
            points.lastUpdateNanos().set(System.nanoTime());
            points.pushes().inc();
          }

          @Override
          public void deleted(String group) {
            // Its series go too, or a job creating groups with new names would grow /metrics.
            groups.remove(group);
            groupPushes.remove(group);
            groupBytes.remove(group);
          }
        });
  }

  public PrometheusRegistry registry() {
    return registry;
  }

  /** The interceptor counting calls, errors and latency per gRPC method. */
  RpcMetrics rpc() {
    return rpc;
  }

  /** The group's data points, created on its first update (no allocation after that). */
  GroupPoints points(String group) {
    GroupPoints points = groups.get(group);
    return points != null
        ? points
        : groups.computeIfAbsent(
            group,
            g ->
                new GroupPoints(
                    groupPushes.labelValues(g),
                    groupBytes.labelValues(g),
                    new AtomicLong(System.nanoTime())));
  }

  /** Seconds since {@code group} last changed, or since it was first seen. */
  double secondsSinceUpdate(String group, long nowNanos) {
    return (nowNanos - points(group).lastUpdateNanos().get()) / 1e9;
  }

  /** Gauges of what the running server holds open, read at each scrape. */
  void registerOpenGauges(
      IntSupplier pushStreams,
      IntSupplier pullStreams,
      IntSupplier watchStreams,
      IntSupplier connections,
      IntSupplier workers) {
    GaugeWithCallback.builder()
        .name("paramstream_streams_open")
        .help("Open streaming calls by kind (push, pull, watch).")
        .labelNames("kind")
        .callback(
            callback -> {
              callback.call(pushStreams.getAsInt(), "push");
              callback.call(pullStreams.getAsInt(), "pull");
              callback.call(watchStreams.getAsInt(), "watch");
            })
        .register(registry);
    GaugeWithCallback.builder()
        .name("paramstream_connections_open")
        .help("Client connections (HTTP/2 transports) open now.")
        .callback(callback -> callback.call(connections.getAsInt()))
        .register(registry);
    GaugeWithCallback.builder()
        .name("paramstream_workers_registered")
        .help("Synchronous mode: workers a step waits for (0 in other modes).")
        .callback(callback -> callback.call(workers.getAsInt()))
        .register(registry);
  }

  /** Counts the gradient bytes of an applied push against each of its groups. */
  void gradientsApplied(List<GroupGradient> gradients) {
    for (int i = 0; i < gradients.size(); i++) {
      GroupGradient gradient = gradients.get(i);
      points(gradient.group()).bytes().inc((long) gradient.values().length * Float.BYTES);
    }
  }

  /** Counts the rows of an applied push against each of its tables. */
  void rowsApplied(List<RowGradient> rows) {
    for (int i = 0; i < rows.size(); i++) {
      RowGradient part = rows.get(i);
      tableRowsPushed.labelValues(part.table()).inc(part.ids().length);
    }
  }

  /** A table was deleted: its series go, so tables created under new names do not grow them. */
  void tableDeleted(String table) {
    tableRowsPushed.remove(table);
  }

  // Read by the dashboard's status endpoint.

  long pushesApplied() {
    return pushesApplied.getLongValue();
  }

  long pushesDuplicate() {
    return pushesDuplicate.getLongValue();
  }

  long pushesRejected() {
    return pushesRejected.getLongValue();
  }

  long gradientBytes() {
    return gradientBytes.getLongValue();
  }

  long pulls() {
    return pulls.getLongValue();
  }

  /** The apply-latency buckets now, for the dashboard to diff against its previous sample. */
  ClassicHistogramBuckets applyLatency() {
    List<HistogramSnapshot.HistogramDataPointSnapshot> points =
        applySeconds.collect().getDataPoints();
    return points.isEmpty() ? ClassicHistogramBuckets.EMPTY : points.get(0).getClassicBuckets();
  }

  /** Unix time in seconds of the last checkpoint written, or 0 if none was. */
  double checkpointWrittenAt() {
    return checkpointWrittenAt.get();
  }

  void pulled() {
    pulls.inc();
  }

  void stalePushApplied(long versions) {
    staleness.observe(versions);
  }

  void pushApplied(long nanos, long bytes, boolean duplicate) {
    (duplicate ? pushesDuplicate : pushesApplied).inc();
    applySeconds.observe(nanos / 1e9);
    if (!duplicate) {
      gradientBytes.inc(bytes);
    }
  }

  /** A push applied by a synchronous step: its latency is the barrier's wait, not an apply. */
  void syncPushApplied(long bytes) {
    pushesApplied.inc();
    gradientBytes.inc(bytes);
  }

  void pushRejected(Status.Code code) {
    pushesRejected.inc();
    rejected.labelValues(code.name().toLowerCase(Locale.ROOT)).inc();
  }

  void checkpointWritten(long nanos) {
    checkpoints.labelValues("written").inc();
    checkpointSeconds.observe(nanos / 1e9);
    checkpointWrittenAt.set(System.currentTimeMillis() / 1e3);
  }

  void checkpointFailed() {
    checkpoints.labelValues("failed").inc();
  }
}
