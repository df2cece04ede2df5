package io.paramstream.server;

import io.grpc.Status;
import io.paramstream.core.GroupMetadata;
import io.paramstream.core.GroupStore;
import io.paramstream.core.TransientMemoryBudget;
import io.paramstream.core.VersionListener;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The server's Prometheus metrics, in a registry of its own (no global state, so several servers
 * can run in one JVM). Exposed over HTTP by {@link ServerMain} when {@code --metrics-port} is set.
 *
 * <p>Staleness is how long ago a group last changed: a group a training job should be updating but
 * is not shows up as a growing age.
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

  /** Group name to System.nanoTime() of its last applied push (or of server start). */
  private final ConcurrentHashMap<String, AtomicLong> lastUpdate = new ConcurrentHashMap<>();

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
    GaugeWithCallback.builder()
        .name("paramstream_groups")
        .help("Groups held.")
        .callback(callback -> callback.call(store.size()))
        .register(registry);
    GaugeWithCallback.builder()
        .name("paramstream_parameter_bytes")
        .help("float32 bytes over all groups.")
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
                long at = lastUpdate.computeIfAbsent(group.name(), n -> new AtomicLong(now)).get();
                callback.call((now - at) / 1e9, group.name());
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
            // No boxing per push: the group's holder is created once and then only set.
            lastUpdate.computeIfAbsent(group, n -> new AtomicLong()).set(System.nanoTime());
          }

          @Override
          public void deleted(String group) {
            lastUpdate.remove(group);
          }
        });
  }

  public PrometheusRegistry registry() {
    return registry;
  }

  void pushApplied(long nanos, long bytes, boolean duplicate) {
    (duplicate ? pushesDuplicate : pushesApplied).inc();
    applySeconds.observe(nanos / 1e9);
    if (!duplicate) {
      gradientBytes.inc(bytes);
    }
  }

  void pushRejected(Status.Code code) {
    pushesRejected.inc();
    rejected.labelValues(code.name().toLowerCase(Locale.ROOT)).inc();
  }

  void checkpointWritten(long nanos) {
    checkpoints.labelValues("written").inc();
    checkpointSeconds.observe(nanos / 1e9);
  }

  void checkpointFailed() {
    checkpoints.labelValues("failed").inc();
  }
}
