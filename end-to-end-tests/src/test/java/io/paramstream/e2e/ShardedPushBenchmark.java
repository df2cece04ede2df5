package io.paramstream.e2e;

import io.paramstream.client.GroupSpec;
import io.paramstream.client.cluster.Placement;
import io.paramstream.client.cluster.ShardedClient;
import io.paramstream.client.cluster.ShardedPushSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Aggregate push throughput of 1, 2 and 3 shard processes on this machine, through one sharded
 * client pushing every group on each push. Not part of the default build; run it with
 *
 * <pre>
 * ./mvnw -B -q -pl end-to-end-tests -am verify -Dparamstream.bench=true \
 *     -Dtest=ShardedPushBenchmark -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 *
 * Results go to stdout and end-to-end-tests/target/sharded-push-benchmark.txt.
 */
@EnabledIfSystemProperty(named = "paramstream.bench", matches = "true")
@Timeout(300)
class ShardedPushBenchmark {

  private static final int GROUPS = 12;
  private static final int GROUP_ELEMENTS = 128 * 1024;
  // Each group splits into 4 ranges, so the load spreads evenly whatever the shard count.
  private static final int RANGE_ELEMENTS = GROUP_ELEMENTS / 4;
  private static final Duration WARM_UP = Duration.ofSeconds(5);
  private static final Duration MEASURE = Duration.ofSeconds(10);
  private static final int IN_FLIGHT = 16;

  @Test
  void pushThroughput_oneTwoThreeShards() throws Exception {
    StringBuilder report = new StringBuilder();
    report.append(
        String.format(
            "push = %d groups x %d floats = %.1f MiB of gradient, pipelined (%d in flight)%n",
            GROUPS, GROUP_ELEMENTS, GROUPS * GROUP_ELEMENTS * 4.0 / (1 << 20), IN_FLIGHT));
    report.append(
        String.format(
            "%-7s %-8s %10s %10s %8s  %-16s %s%n",
            "shards", "streams", "pushes/s", "MiB/s", "ratio", "MiB per shard", "load avg"));
    double base = 0;
    // {shards, client push streams}. {1, 3} is a control: one shard fed by as many concurrent
    // server streams as the {3, 1} row opens, to tell sharding from mere parallelism.
    int[][] configurations = {{1, 1}, {2, 1}, {3, 1}, {1, 3}, {3, 3}};
    for (int[] configuration : configurations) {
      double pushesPerSecond = run(configuration[0], configuration[1], report);
      if (base == 0) {
        base = pushesPerSecond;
      }
      int last = report.lastIndexOf("\n", report.length() - 2) + 1;
      String line = report.substring(last);
      report.setLength(last);
      report.append(line.replace("RATIO", String.format("%8.2f", pushesPerSecond / base)));
    }
    System.out.print(report);
    Files.writeString(Path.of("target", "sharded-push-benchmark.txt"), report.toString());
  }

  private static double run(int shardCount, int streams, StringBuilder report) throws Exception {
    List<ServerProcess> servers = new ArrayList<>();
    List<String> addresses = new ArrayList<>();
    try {
      for (int i = 0; i < shardCount; i++) {
        servers.add(ServerProcess.start("--port", "0"));
      }
      for (ServerProcess server : servers) {
        addresses.add("127.0.0.1:" + server.awaitPort());
      }
      try (ShardedClient client =
          ShardedClient.builder()
              .addresses(addresses)
              .rangeElements(RANGE_ELEMENTS)
              .maxInFlightPushes(IN_FLIGHT)
              .build()) {
        Map<String, float[]> gradients = new LinkedHashMap<>();
        for (int g = 0; g < GROUPS; g++) {
          client.createGroup(GroupSpec.zeros("layer." + g, GROUP_ELEMENTS, true));
          float[] gradient = new float[GROUP_ELEMENTS];
          java.util.Arrays.fill(gradient, 1e-3f);
          gradients.put("layer." + g, gradient);
        }
        List<ShardedPushSession> sessions = new ArrayList<>();
        for (int i = 0; i < streams; i++) {
          sessions.add(client.openPushSession());
        }
        try {
          runAll(sessions, gradients, WARM_UP);
          long start = System.nanoTime();
          long pushes = runAll(sessions, gradients, MEASURE);
          double seconds = (System.nanoTime() - start) / 1e9;
          double perSecond = pushes / seconds;
          double mib = perSecond * GROUPS * GROUP_ELEMENTS * 4.0 / (1 << 20);
          StringBuilder perShard = new StringBuilder();
          for (Placement.ShardPlacement shard : client.placement().shards()) {
            perShard.append(String.format("%.1f ", shard.totalBytes() / (double) (1 << 20)));
          }
          report.append(
              String.format(
                  "%-7d %-8d %10.1f %10.1f RATIO  %-16s %s%n",
                  shardCount, streams, perSecond, mib, perShard.toString().trim(), loadAverage()));
          return perSecond;
        } finally {
          sessions.forEach(ShardedPushSession::close);
        }
      }
    } finally {
      for (ServerProcess server : servers) {
        server.close();
      }
    }
  }

  // The machine is shared: the 1-minute load average says how much else was running.
  private static String loadAverage() {
    try {
      // Read by line: /proc files report a size of 0.
      try (var lines = Files.lines(Path.of("/proc/loadavg"))) {
        return lines.findFirst().map(l -> l.split(" ")[0]).orElse("?");
      }
    } catch (java.io.IOException e) {
      return "?";
    }
  }

  /** Runs {@link #pushFor} on every session at once, each on its own thread; total acked pushes. */
  private static long runAll(
      List<ShardedPushSession> sessions, Map<String, float[]> gradients, Duration duration)
      throws Exception {
    List<CompletableFuture<Long>> counts = new ArrayList<>();
    for (ShardedPushSession session : sessions) {
      counts.add(
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return pushFor(session, gradients, duration);
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              },
              runnable -> new Thread(runnable, "bench-pusher").start()));
    }
    long total = 0;
    for (CompletableFuture<Long> count : counts) {
      total += count.get(duration.toSeconds() + 60, TimeUnit.SECONDS);
    }
    return total;
  }

  /** Pushes with a bounded number in flight until {@code duration} is up; returns acked pushes. */
  private static long pushFor(
      ShardedPushSession session, Map<String, float[]> gradients, Duration duration)
      throws Exception {
    long end = System.nanoTime() + duration.toNanos();
    ArrayDeque<CompletableFuture<Map<String, Long>>> inFlight = new ArrayDeque<>();
    long done = 0;
    while (System.nanoTime() < end) {
      if (inFlight.size() >= IN_FLIGHT) {
        inFlight.poll().get(30, TimeUnit.SECONDS);
        done++;
      }
      inFlight.add(session.push(gradients));
    }
    while (!inFlight.isEmpty()) {
      inFlight.poll().get(30, TimeUnit.SECONDS);
      done++;
    }
    return done;
  }
}
