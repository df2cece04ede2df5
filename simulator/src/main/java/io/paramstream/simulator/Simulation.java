package io.paramstream.simulator;

import io.paramstream.client.GroupInfo;
import io.paramstream.client.GroupSpec;
import io.paramstream.client.ParamstreamClient;
import io.paramstream.client.PushSession;
import io.paramstream.client.WatchSubscription;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * Runs one simulation against a server: creates the model's groups, lets the workers load the
 * server for warm-up plus duration, reports, and deletes the groups again.
 *
 * <p>Timing: a progress thread drains every worker's recorder once per second (and exactly at the
 * end of warm-up and of the run), so operations completing during warm-up, or after the end while
 * in-flight operations drain, are not counted in throughput or latency.
 */
final class Simulation {
  private static final long TICK_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final double MB = 1e6;

  private final SimulationConfig config;
  private final String target;
  private final PrintStream progress;

  /**
   * @param target the server, host:port
   * @param progress where the live progress line goes, or null for none
   */
  Simulation(SimulationConfig config, String target, PrintStream progress) {
    this.config = config;
    this.target = target;
    this.progress = progress;
  }

  RunReport run() throws InterruptedException {
    List<String> names = new ArrayList<>();
    for (int g = 0; g < config.groups(); g++) {
      names.add(config.groupName(g));
    }
    String[] nameArray = names.toArray(String[]::new);
    try (ParamstreamClient admin = ParamstreamClient.builder().target(target).build()) {
      for (int g = 0; g < config.groups(); g++) {
        admin.createGroup(
            GroupSpec.zeros(names.get(g), config.groupSize(), g < config.decayGroups()));
      }
      try {
        Map<String, Long> before = versions(admin, nameArray);
        RunReport partial = load(nameArray);
        Map<String, Long> after = versions(admin, nameArray);
        Map<String, Long> advanced = new LinkedHashMap<>();
        before.forEach((name, v) -> advanced.put(name, after.get(name) - v));
        return new RunReport(
            partial.settings(),
            partial.measuredSeconds(),
            partial.operations(),
            partial.floatsPerOperation(),
            partial.latency(),
            partial.errors(),
            partial.acknowledgedPushes(),
            advanced,
            partial.watchUpdates(),
            partial.timeline());
      } finally {
        admin.deleteGroups(nameArray);
      }
    }
  }

  private static Map<String, Long> versions(ParamstreamClient admin, String[] names) {
    Map<String, Long> versions = new LinkedHashMap<>();
    for (GroupInfo info : admin.listGroups(names)) {
      versions.put(info.name(), info.version());
    }
    return versions;
  }

  private RunReport load(String[] names) throws InterruptedException {
    long start = System.nanoTime();
    long measureStart = start + config.warmup().toNanos();
    long end = measureStart + config.duration().toNanos();
    List<Worker> workers = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    try {
      for (int w = 0; w < config.workers(); w++) {
        Worker worker = new Worker(w, names, start, end);
        workers.add(worker);
        Thread thread = new Thread(worker::run, "sim-worker-" + w);
        thread.setDaemon(true);
        threads.add(thread);
      }
      threads.forEach(Thread::start);

      List<RunReport.Interval> timeline = new ArrayList<>();
      long floatsPerOp = config.floatsPerOperation();
      long tick = start;
      boolean measuring = config.warmup().isZero();
      while (true) {
        long next = Math.min(tick + TICK_NANOS, end);
        if (!measuring && next > measureStart) {
          next = measureStart;
        }
        sleepUntil(next);
        long ops = 0;
        Histogram interval = new Histogram(WorkerStats.HIGHEST_TRACKABLE_NANOS, 3);
        for (Worker worker : workers) {
          interval.add(worker.stats.drainInterval(measuring));
        }
        ops = interval.getTotalCount();
        double seconds = (next - tick) / 1e9;
        double opsPerSecond = seconds > 0 ? ops / seconds : 0;
        double mbPerSecond = opsPerSecond * floatsPerOp * 4 / MB;
        if (measuring) {
          timeline.add(
              new RunReport.Interval(
                  (next - measureStart) / 1e9,
                  opsPerSecond,
                  mbPerSecond,
                  interval.getValueAtPercentile(99)));
        }
        if (progress != null) {
          long p99 =
              measuring
                  ? ReportAggregator.mergeHistograms(
                          workers.stream().map(x -> x.stats.measured()).toList())
                      .getValueAtPercentile(99)
                  : interval.getValueAtPercentile(99);
          progress.printf(
              Locale.ROOT,
              "[%6.1fs] %-7s %10.1f ops/s %10.1f MB/s  p99%s %s%n",
              (next - start) / 1e9,
              measuring ? "measure" : "warm-up",
              opsPerSecond,
              mbPerSecond,
              measuring ? " so far" : "",
              ReportFormats.millis(p99));
        }
        tick = next;
        if (next >= end) {
          break;
        }
        if (next == measureStart) {
          measuring = true;
        }
      }
      for (Thread thread : threads) {
        thread.join();
      }
      for (Worker worker : workers) {
        worker.stats.drainInterval(false);
      }
      Histogram merged =
          ReportAggregator.mergeHistograms(workers.stream().map(x -> x.stats.measured()).toList());
      return new RunReport(
          config.describe(),
          config.duration().toNanos() / 1e9,
          merged.getTotalCount(),
          floatsPerOp,
          LatencySummary.of(merged),
          ReportAggregator.mergeErrors(workers.stream().map(x -> x.stats.errors()).toList()),
          workers.stream().mapToLong(x -> x.stats.acknowledgedPushes()).sum(),
          Map.of(),
          workers.stream().mapToLong(x -> x.stats.watchUpdates()).sum(),
          timeline);
    } finally {
      for (Thread thread : threads) {
        thread.interrupt();
      }
      for (Worker worker : workers) {
        worker.close();
      }
    }
  }

  private static void sleepUntil(long deadline) throws InterruptedException {
    long remaining;
    while ((remaining = deadline - System.nanoTime()) > 0) {
      LockSupport.parkNanos(remaining);
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
    }
  }

  /** One simulated training worker: its own client (channel), push stream and watch. */
  private final class Worker {
    final WorkerStats stats = new WorkerStats();
    private final int index;
    private final String[] names;
    private final long start;
    private final long end;
    private final ParamstreamClient client;
    private final Map<String, float[]> gradients = new LinkedHashMap<>();
    private final ExecutorService pullers;
    private PushSession session;
    private WatchSubscription watch;

    Worker(int index, String[] names, long start, long end) {
      this.index = index;
      this.names = names;
      this.start = start;
      this.end = end;
      int window = config.mode() == SimulationConfig.Mode.CLOSED ? config.inFlight() : 1 << 16;
      ParamstreamClient.Builder builder =
          ParamstreamClient.builder().target(target).maxInFlightPushes(window);
      if (config.clientExecutor() == SimulationConfig.ClientExecutor.DIRECT) {
        builder.directExecutor();
      }
      this.client = builder.build();
      SplittableRandom random = new SplittableRandom(config.seed() * 31 + index);
      for (String name : names) {
        float[] g = new float[config.groupSize()];
        for (int i = 0; i < g.length; i++) {
          g[i] = (float) ((random.nextDouble() - 0.5) * 1e-3);
        }
        gradients.put(name, g);
      }
      AtomicInteger threadCount = new AtomicInteger();
      this.pullers =
          Executors.newCachedThreadPool(
              r -> {
                Thread t = new Thread(r, "sim-pull-" + index + "-" + threadCount.incrementAndGet());
                t.setDaemon(true);
                return t;
              });
    }

    void run() {
      try {
        if (config.workload().pushes()) {
          session = client.openPushSession();
        }
        if (config.workload() == SimulationConfig.Workload.PUSH_WATCH) {
          watch = client.watch(v -> stats.countWatchUpdate(), stats::recordError, names);
        }
        if (config.mode() == SimulationConfig.Mode.CLOSED) {
          runClosed();
        } else {
          runOpen();
        }
        if (session != null) {
          // Waits for the acks of the pushes still in flight.
          session.close();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException e) {
        stats.recordError(e);
      }
    }

    private void runClosed() throws InterruptedException {
      if (config.inFlight() == 1) {
        runOneAtATime();
        return;
      }
      Semaphore permits = new Semaphore(config.inFlight());
      while (System.nanoTime() < end) {
        if (!permits.tryAcquire(10, TimeUnit.MILLISECONDS)) {
          continue;
        }
        long begin = System.nanoTime();
        operation().whenComplete((ok, failure) -> finish(begin, failure, permits));
      }
      // Let the last operations finish before the session closes.
      permits.acquire(config.inFlight());
    }

    /**
     * Closed loop with one operation in flight: the worker thread itself waits for each reply, as a
     * training loop does, instead of handing pulls to a pool thread.
     */
    private void runOneAtATime() {
      while (System.nanoTime() < end) {
        long begin = System.nanoTime();
        try {
          switch (config.workload()) {
            case PUSH, PUSH_WATCH -> push().join();
            case PULL -> client.pull(names);
            case PUSH_PULL -> {
              push().join();
              client.pull(names);
            }
          }
          stats.recordLatency(System.nanoTime() - begin);
        } catch (CompletionException e) {
          stats.recordError(e.getCause());
        } catch (RuntimeException e) {
          stats.recordError(e);
        }
      }
    }

    private void runOpen() throws InterruptedException {
      // Each worker gets its share of the total rate and its own seeded schedule.
      PoissonSchedule schedule =
          new PoissonSchedule(config.rate() / config.workers(), start, config.seed() + index);
      Semaphore outstanding = new Semaphore(Integer.MAX_VALUE);
      while (true) {
        long intended = schedule.next();
        if (intended >= end) {
          break;
        }
        sleepUntil(intended);
        outstanding.acquire();
        // Latency counts from the intended time, so a late start is not hidden.
        operation().whenComplete((ok, failure) -> finish(intended, failure, outstanding));
      }
      outstanding.acquire(Integer.MAX_VALUE);
    }

    private void finish(long begin, Throwable failure, Semaphore permits) {
      if (failure == null) {
        stats.recordLatency(System.nanoTime() - begin);
      } else {
        stats.recordError(failure);
      }
      permits.release();
    }

    private CompletableFuture<?> operation() {
      return switch (config.workload()) {
        case PUSH, PUSH_WATCH -> push();
        case PULL -> pull();
        case PUSH_PULL -> push().thenCompose(ack -> pull());
      };
    }

    private CompletableFuture<?> push() {
      return session
          .push(gradients)
          .thenApply(
              ack -> {
                stats.countAcknowledgedPush();
                return ack;
              });
    }

    private CompletableFuture<?> pull() {
      return CompletableFuture.supplyAsync(() -> client.pull(names), pullers);
    }

    void close() {
      if (watch != null) {
        watch.close();
      }
      pullers.shutdownNow();
      client.close();
    }
  }
}
