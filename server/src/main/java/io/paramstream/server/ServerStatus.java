package io.paramstream.server;

import java.util.List;

/**
 * What the dashboard shows, as the JSON of {@code /api/status}. Counters are totals since start:
 * the page turns two samples into rates, and two apply-latency histograms into percentiles of the
 * second in between, so the server keeps no history.
 */
record ServerStatus(
    String version,
    String mode,
    long timeMillis,
    double uptimeSeconds,
    List<Group> groups,
    List<Table> tables,
    Pushes pushes,
    Histogram applySeconds,
    List<Staleness> staleness,
    Memory memory,
    Open open,
    Double checkpointAgeSeconds) {

  /** One row of the group table. */
  record Group(
      String name,
      int size,
      long version,
      boolean weightDecay,
      String optimizer,
      double learningRate,
      long pushes,
      long gradientBytes,
      double lastUpdateAgeSeconds) {}

  /** One row of the sparse-table table. */
  record Table(
      String name,
      boolean keyed,
      int dim,
      long rows,
      long version,
      long bytes,
      String optimizer,
      double learningRate) {}

  /** Totals since start. */
  record Pushes(long applied, long duplicate, long rejected, long gradientBytes, long pulls) {}

  /**
   * Counts per bucket, not cumulative; {@code counts} has one entry more than {@code upperBounds}:
   * the bucket above the last bound (JSON has no infinity).
   */
  record Histogram(List<Double> upperBounds, List<Long> counts) {}

  /** Bounded staleness: pushes applied this many versions behind. */
  record Staleness(long versions, long pushes) {}

  /** Bytes; a null value is unknown (no /proc, or no cgroup limit). */
  record Memory(
      long heapUsed,
      long heapMax,
      Long rss,
      Long limit,
      long transientInUse,
      long transientLimit) {}

  /** What clients hold open now. */
  record Open(int connections, int pushStreams, int pullStreams, int watchStreams, int workers) {}
}
