package io.paramstream.server;

import io.paramstream.core.GroupMetadata;
import io.paramstream.core.StalenessHistogram;
import io.paramstream.core.table.TableMetadata;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Builds the {@link ServerStatus} of a running server, on each request of the dashboard. */
final class StatusReport {

  private static final Path PROC_STATUS = Path.of("/proc/self/status");
  private static final Path CGROUP_LIMIT = Path.of("/sys/fs/cgroup/memory.max");

  private final ParamstreamServer server;
  private final String version = ServerFeatures.build().version();
  private final long startNanos = System.nanoTime();

  StatusReport(ParamstreamServer server) {
    this.server = server;
  }

  ServerStatus now() {
    ServerMetrics metrics = server.metrics();
    long now = System.nanoTime();
    List<ServerStatus.Group> groups = new ArrayList<>();
    for (GroupMetadata group : server.store().list(List.of())) {
      ServerMetrics.GroupPoints points = metrics.points(group.name());
      groups.add(
          new ServerStatus.Group(
              group.name(),
              group.size(),
              group.version(),
              group.weightDecay(),
              group.optimizer().kind().name().toLowerCase(Locale.ROOT),
              group.hyperparameters().learningRate(),
              points.pushes().getLongValue(),
              points.bytes().getLongValue(),
              metrics.secondsSinceUpdate(group.name(), now)));
    }
    List<ServerStatus.Table> tables = new ArrayList<>();
    for (TableMetadata table : server.store().tables().list(List.of())) {
      tables.add(
          new ServerStatus.Table(
              table.name(),
              table.keyed(),
              table.dim(),
              table.rows(),
              table.version(),
              table.storedBytes(),
              table.optimizer().kind().name().toLowerCase(Locale.ROOT),
              table.hyperparameters().learningRate()));
    }
    double checkpointAt = metrics.checkpointWrittenAt();
    return new ServerStatus(
        version,
        server.applier().config().mode().name().toLowerCase(Locale.ROOT),
        System.currentTimeMillis(),
        (now - startNanos) / 1e9,
        groups,
        tables,
        new ServerStatus.Pushes(
            metrics.pushesApplied(),
            metrics.pushesDuplicate(),
            metrics.pushesRejected(),
            metrics.gradientBytes(),
            metrics.pulls()),
        histogram(metrics.applyLatency()),
        staleness(server.applier().histogram()),
        memory(),
        new ServerStatus.Open(
            server.openConnections(),
            server.openPushStreams(),
            server.openPullStreams(),
            server.openWatchStreams(),
            server.registeredWorkers()),
        checkpointAt > 0 ? System.currentTimeMillis() / 1e3 - checkpointAt : null);
  }

  private static ServerStatus.Histogram histogram(ClassicHistogramBuckets buckets) {
    List<Double> bounds = new ArrayList<>();
    List<Long> counts = new ArrayList<>();
    for (int i = 0; i < buckets.size(); i++) {
      if (!Double.isInfinite(buckets.getUpperBound(i))) {
        bounds.add(buckets.getUpperBound(i));
      }
      counts.add(buckets.getCount(i));
    }
    return new ServerStatus.Histogram(bounds, counts);
  }

  private static List<ServerStatus.Staleness> staleness(StalenessHistogram histogram) {
    List<ServerStatus.Staleness> result = new ArrayList<>();
    for (StalenessHistogram.Bucket bucket : histogram.buckets()) {
      result.add(new ServerStatus.Staleness(bucket.staleness(), bucket.count()));
    }
    return result;
  }

  private ServerStatus.Memory memory() {
    MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    return new ServerStatus.Memory(
        heap.getUsed(),
        heap.getMax(),
        residentBytes(),
        cgroupLimit(),
        server.transientBudget().inUseBytes(),
        server.transientBudget().limitBytes());
  }

  /** VmRSS of this process, or null where there is no /proc (not Linux). */
  private static Long residentBytes() {
    try {
      for (String line : Files.readAllLines(PROC_STATUS)) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      // Not Linux: the page shows the heap only.
    }
    return null;
  }

  /** The container's memory limit (cgroup v2), or null when there is none. */
  private static Long cgroupLimit() {
    try {
      String limit = Files.readString(CGROUP_LIMIT).strip();
      return limit.equals("max") ? null : Long.parseLong(limit);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
