package io.paramstream.simulator;

import java.util.List;
import java.util.Map;

/**
 * The outcome of a simulation run. Throughput and latency cover the measurement window only (after
 * warm-up); errors, acknowledged pushes and versions cover the whole run, so that the versions the
 * server advanced can be checked against the pushes it acknowledged.
 *
 * @param settings the run's settings, as given
 * @param measuredSeconds length of the measurement window
 * @param operations operations completed in the window (a push; a pull; a push then a pull)
 * @param floatsPerOperation float32 elements moved per operation (both directions for push-pull)
 * @param acknowledgedPushes pushes the server acknowledged as applied, over the whole run
 * @param versionsAdvanced by how much each simulated group's version advanced during the run
 * @param watchUpdates group updates received by watchers (push-watch only)
 * @param timeline one point per second of the measurement window
 */
record RunReport(
    Map<String, String> settings,
    double measuredSeconds,
    long operations,
    long floatsPerOperation,
    LatencySummary latency,
    Map<String, Long> errors,
    long acknowledgedPushes,
    Map<String, Long> versionsAdvanced,
    long watchUpdates,
    List<Interval> timeline) {

  /** Throughput of one second of the run. */
  record Interval(
      double elapsedSeconds,
      double operationsPerSecond,
      double megabytesPerSecond,
      long p99Nanos) {}

  double operationsPerSecond() {
    return measuredSeconds > 0 ? operations / measuredSeconds : 0;
  }

  double floatsPerSecond() {
    return operationsPerSecond() * floatsPerOperation;
  }

  /** Payload gigabytes (1e9 bytes) per second, 4 bytes per float. */
  double gigabytesPerSecond() {
    return floatsPerSecond() * 4 / 1e9;
  }

  long totalErrors() {
    return errors.values().stream().mapToLong(Long::longValue).sum();
  }
}
