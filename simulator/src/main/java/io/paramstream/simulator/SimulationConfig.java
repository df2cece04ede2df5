package io.paramstream.simulator;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What to simulate, validated on construction.
 *
 * @param workers simulated workers, each with its own channel and streams
 * @param groups parameter groups in the model; every push carries a gradient for each
 * @param groupSize float32 elements per group
 * @param decayGroups how many of the groups (the first ones) use weight decay
 * @param mode closed loop (a fixed number in flight) or open loop (Poisson arrivals)
 * @param inFlight operations in flight per worker in closed loop
 * @param rate total operations per second over all workers in open loop
 * @param workload what each operation does
 * @param groupPrefix prefix of the simulated groups' names on the server
 * @param clientExecutor where the workers' gRPC callbacks run
 */
record SimulationConfig(
    int workers,
    int groups,
    int groupSize,
    int decayGroups,
    Mode mode,
    int inFlight,
    double rate,
    Workload workload,
    Duration warmup,
    Duration duration,
    long seed,
    String groupPrefix,
    ClientExecutor clientExecutor) {

  /** Where a worker's gRPC callbacks (acks, pulled chunks) run. */
  enum ClientExecutor {
    /** On the network threads: one thread hop less per operation. */
    DIRECT,
    /** On gRPC's thread pool, the client library's default. */
    POOL
  }

  /** How operations are started. */
  enum Mode {
    /** Each worker keeps {@code inFlight} operations outstanding. */
    CLOSED,
    /** Operations start on a Poisson schedule; latency counts from the intended start. */
    OPEN
  }

  /** What one operation is. */
  enum Workload {
    PUSH,
    PULL,
    PUSH_PULL,
    PUSH_WATCH;

    boolean pushes() {
      return this != PULL;
    }

    String label() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  SimulationConfig {
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(workload, "workload");
    Objects.requireNonNull(warmup, "warmup");
    Objects.requireNonNull(duration, "duration");
    Objects.requireNonNull(groupPrefix, "groupPrefix");
    Objects.requireNonNull(clientExecutor, "clientExecutor");
    require(workers >= 1, "workers must be >= 1");
    require(groups >= 1, "groups must be >= 1");
    require(groupSize >= 1, "group size must be >= 1");
    require(decayGroups >= 0 && decayGroups <= groups, "decay groups must be in [0, groups]");
    require(inFlight >= 1, "in-flight must be >= 1");
    require(
        mode == Mode.CLOSED || (rate > 0 && Double.isFinite(rate)), "open loop needs a rate > 0");
    require(!warmup.isNegative(), "warm-up must be >= 0");
    require(!duration.isNegative() && !duration.isZero(), "duration must be > 0");
    require(!groupPrefix.isEmpty(), "group prefix must not be empty");
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }

  String groupName(int index) {
    return groupPrefix + index;
  }

  /** Float32 elements moved by one operation (a push-pull moves the model twice). */
  long floatsPerOperation() {
    long model = (long) groups * groupSize;
    return workload == Workload.PUSH_PULL ? 2 * model : model;
  }

  /** The settings as strings, for reports. */
  Map<String, String> describe() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("workers", Integer.toString(workers));
    m.put("groups", Integer.toString(groups));
    m.put("groupSize", Integer.toString(groupSize));
    m.put("decayGroups", Integer.toString(decayGroups));
    m.put("mode", mode.name().toLowerCase(Locale.ROOT));
    m.put("inFlight", Integer.toString(inFlight));
    m.put("rate", mode == Mode.OPEN ? Double.toString(rate) : "n/a");
    m.put("workload", workload.label());
    m.put("warmup", warmup.toString());
    m.put("duration", duration.toString());
    m.put("seed", Long.toString(seed));
    m.put("clientExecutor", clientExecutor.name().toLowerCase(Locale.ROOT));
    return m;
  }
}
