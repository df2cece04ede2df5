package io.paramstream.simulator;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.paramstream.cli.ByteSizeConverter;
import io.paramstream.cli.CommandLines;
import io.paramstream.client.ClientConfig;
import io.paramstream.client.GroupSpec;
import io.paramstream.client.ParamstreamClient;
import io.paramstream.client.PushSession;
import io.paramstream.proto.v1.CheckpointRequest;
import io.paramstream.proto.v1.ParameterServerGrpc;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A checkpoint of a large model, measured from outside the server process: fills a server with
 * {@code --parameter-bytes} of groups plus one small group, measures the push rate of the small
 * group, then takes a checkpoint (the Checkpoint RPC) while the same pusher runs, sampling the
 * process's VmRSS meanwhile. Passes when the peak is within {@link MemoryBenchmark#targetBytes 1.25
 * x parameter bytes + 100 MB} and the small group keeps at least half its push rate. Linux only.
 */
@Command(
    name = "paramstream-checkpoint-benchmark",
    mixinStandardHelpOptions = true,
    description = "Peak memory and push rate of a server while it checkpoints a large model.",
    sortOptions = false)
public final class CheckpointBenchmark implements Callable<Integer> {

  @Option(names = "--server-jar", required = true, description = "The shaded server jar.")
  Path serverJar;

  @Option(
      names = "--server-jvm-args",
      defaultValue = "-XX:+UseSerialGC -Xmx1200m -Xmn32m",
      description = "JVM options of the server process (default: ${DEFAULT-VALUE}).")
  String serverJvmArgs;

  @Option(
      names = "--server-args",
      defaultValue = "",
      description =
          "More server options, e.g. \"--checkpoint-write-rate 0\" (default: the server's"
              + " defaults).")
  String serverArgs;

  @Option(
      names = "--parameter-bytes",
      defaultValue = "1073741824",
      converter = ByteSizeConverter.class,
      description = "Float32 bytes over the large groups, e.g. 1GiB (default: ${DEFAULT-VALUE}).")
  long parameterBytes;

  @Option(
      names = "--groups",
      defaultValue = "8",
      description = "Number of large groups (default: ${DEFAULT-VALUE}).")
  int groups;

  @Option(
      names = "--small-floats",
      defaultValue = "4096",
      description = "Size of the small group pushed throughout (default: ${DEFAULT-VALUE}).")
  int smallFloats;

  @Option(
      names = "--baseline",
      defaultValue = "PT5S",
      description =
          "How long the push rate is measured without a checkpoint, before it and again after"
              + " (default: ${DEFAULT-VALUE}).")
  Duration baseline;

  @Option(
      names = "--warmup",
      defaultValue = "PT20S",
      description =
          "Pushing before anything is measured, so both JVMs' JIT has compiled the push path"
              + " (default: ${DEFAULT-VALUE}).")
  Duration warmup;

  @Option(
      names = "--warmup-checkpoints",
      defaultValue = "1",
      description =
          "Checkpoints taken during the warm-up, unmeasured, as a server with periodic"
              + " checkpoints has done before any one of them (default: ${DEFAULT-VALUE}).")
  int warmupCheckpoints;

  @Option(
      names = "--runs",
      defaultValue = "1",
      description = "Server processes measured one after the other (default: ${DEFAULT-VALUE}).")
  int runs;

  @Option(
      names = "--plain-write",
      description =
          "Also measure the push rate while this process writes and fsyncs a file as large as the"
              + " parameters in the same directory: what the disk alone costs the pushes.")
  boolean plainWrite;

  @Option(
      names = "--checkpoint-dir",
      description = "Where the server writes (default: a fresh directory under java.io.tmpdir).")
  Path checkpointDir;

  @Option(
      names = "--server-log",
      description = "Server stderr (default: <tmpdir>/paramstream-checkpoint-server.log).")
  Path serverLog;

  /** One server process's measurement. */
  record Run(
      long rssBeforeBytes,
      long peakRssBytes,
      long hwmBytes,
      double checkpointSeconds,
      double checkpointCpuSeconds,
      double baselinePushesPerSecond,
      double duringPushesPerSecond,
      double plainWritePushesPerSecond) {

    double pushRatio() {
      return duringPushesPerSecond / baselinePushesPerSecond;
    }
  }

  public static void main(String[] args) {
    System.exit(CommandLines.configure(new CommandLine(new CheckpointBenchmark())).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    long target = MemoryBenchmark.targetBytes(parameterBytes);
    int[] sizes = MemoryBenchmark.groupSizes(parameterBytes, groups);
    List<Run> results = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      Path dir =
          checkpointDir != null
              ? checkpointDir
              : Files.createTempDirectory("paramstream-checkpoint-benchmark");
      try {
        results.add(measure(sizes, dir));
      } finally {
        deleteCheckpoints(dir);
      }
      System.err.println("run " + (i + 1) + ": " + results.get(i));
    }
    System.out.print(table(results, target));
    boolean pass =
        results.stream().allMatch(r -> r.peakRssBytes() <= target && r.pushRatio() >= 0.5);
    System.out.println(pass ? "PASS" : "FAIL");
    return 0;
  }

  private Run measure(int[] sizes, Path dir) throws Exception {
    File log =
        serverLog != null
            ? serverLog.toFile()
            : new File(System.getProperty("java.io.tmpdir"), "paramstream-checkpoint-server.log");
    String args = "--checkpoint-dir " + dir + " --checkpoint-interval PT0S " + serverArgs;
    Process server = ServerJarProcess.start(serverJar, serverJvmArgs, args, log);
    try {
      String target = ServerJarProcess.awaitTarget(server, log);
      ManagedChannel channel = NettyChannelBuilder.forTarget(target).usePlaintext().build();
      try (ParamstreamClient client =
          ParamstreamClient.create(
              channel,
              new ClientConfig(Duration.ofMinutes(5), ClientConfig.DEFAULT_MAX_IN_FLIGHT_PUSHES))) {
        for (int g = 0; g < sizes.length; g++) {
          client.createGroup(new GroupSpec("layer-" + g, new float[sizes[g]], false, null));
        }
        client.createGroup(new GroupSpec("small", new float[smallFloats], false, null));
        return pushAndCheckpoint(client, channel, server.pid(), dir);
      } finally {
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      }
    } finally {
      server.destroy();
      if (!server.waitFor(60, TimeUnit.SECONDS)) {
        server.destroyForcibly();
      }
    }
  }

  private Run pushAndCheckpoint(
      ParamstreamClient client, ManagedChannel channel, long pid, Path dir) throws Exception {
    AtomicLong pushes = new AtomicLong();
    AtomicBoolean stop = new AtomicBoolean();
    Thread pusher =
        new Thread(
            () -> {
              Map<String, float[]> push = Map.of("small", new float[smallFloats]);
              try (PushSession session = client.openPushSession()) {
                while (!stop.get()) {
                  session.push(push).join();
                  pushes.incrementAndGet();
                }
              }
            },
            "small-pusher");
    pusher.start();
    try {
      for (int i = 0; i < warmupCheckpoints; i++) {
        checkpoint(channel);
      }
      Thread.sleep(warmup.toMillis());
      double rateBefore = rate(pushes);
      long rssBefore = ProcStatus.read(pid).vmRssBytes();

      AtomicLong peak = new AtomicLong(rssBefore);
      AtomicBoolean sampling = new AtomicBoolean(true);
      Thread sampler = new Thread(() -> sample(pid, peak, sampling), "rss-sampler");
      sampler.start();
      double cpuBefore = checkpointThreadCpuSeconds(pid);
      List<Long> timeline = new ArrayList<>();
      Thread timer = new Thread(() -> sampleEvery100ms(pushes, timeline, sampling), "timeline");
      timer.start();
      long before = pushes.get();
      long start = System.nanoTime();
      checkpoint(channel);
      double seconds = (System.nanoTime() - start) / 1e9;
      double duringRate = (pushes.get() - before) / seconds;
      double cpu = checkpointThreadCpuSeconds(pid) - cpuBefore;
      sampling.set(false);
      sampler.join();
      timer.join();
      System.err.println("pushes per 100 ms during the checkpoint: " + timeline);
      // Without a checkpoint: before and after it, as load from elsewhere on the machine drifts.
      double baselineRate = (rateBefore + rate(pushes)) / 2;
      double plainWriteRate = plainWrite ? rateDuringPlainWrite(pushes, dir) : Double.NaN;
      return new Run(
          rssBefore,
          peak.get(),
          ProcStatus.read(pid).vmHwmBytes(),
          seconds,
          cpu,
          baselineRate,
          duringRate,
          plainWriteRate);
    } finally {
      stop.set(true);
      pusher.join(30_000);
    }
  }

  private static void checkpoint(ManagedChannel channel) {
    ParameterServerGrpc.newBlockingStub(channel)
        .withDeadlineAfter(10, TimeUnit.MINUTES)
        .checkpoint(CheckpointRequest.getDefaultInstance());
  }

  /** Pushes per second while a plain file of the parameters' size is written and fsynced. */
  private double rateDuringPlainWrite(AtomicLong pushes, Path dir) throws IOException {
    Path file = dir.resolve("plain-write.bin");
    ByteBuffer block = ByteBuffer.allocateDirect(1 << 20);
    long before = pushes.get();
    long start = System.nanoTime();
    try (FileChannel channel =
        FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      for (long written = 0; written < parameterBytes; written += block.capacity()) {
        block.clear();
        while (block.hasRemaining()) {
          channel.write(block);
        }
      }
      channel.force(true);
    } finally {
      Files.deleteIfExists(file);
    }
    return (pushes.get() - before) / ((System.nanoTime() - start) / 1e9);
  }

  /** Pushes per second over {@link #baseline}. */
  private double rate(AtomicLong pushes) throws InterruptedException {
    long before = pushes.get();
    long start = System.nanoTime();
    Thread.sleep(baseline.toMillis());
    return (pushes.get() - before) / ((System.nanoTime() - start) / 1e9);
  }

  /**
   * CPU time of the server's checkpoint thread, from {@code /proc/PID/task/TID/stat} (utime and
   * stime, fields 14 and 15, in clock ticks of 1/100 s); 0 before the thread exists.
   */
  private static double checkpointThreadCpuSeconds(long pid) throws IOException {
    try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path task : tasks.toList()) {
        // The kernel keeps 15 characters of a thread's name.
        if (Files.readString(task.resolve("comm")).trim().equals("paramstream-che")) {
          String stat = Files.readString(task.resolve("stat"));
          String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / 100.0;
        }
      }
    }
    return 0;
  }

  private static void sample(long pid, AtomicLong peak, AtomicBoolean sampling) {
    try {
      while (sampling.get()) {
        long rss = ProcStatus.read(pid).vmRssBytes();
        peak.accumulateAndGet(rss, Math::max);
        Thread.sleep(5);
      }
    } catch (IOException e) {
      // the server is gone; the run fails on its own
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void sampleEvery100ms(
      AtomicLong pushes, List<Long> timeline, AtomicBoolean sampling) {
    long last = pushes.get();
    try {
      while (sampling.get()) {
        Thread.sleep(100);
        long now = pushes.get();
        synchronized (timeline) {
          timeline.add(now - last);
        }
        last = now;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void deleteCheckpoints(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.toList()) {
        Files.deleteIfExists(file);
      }
    }
    Files.deleteIfExists(dir);
  }

  static String table(List<Run> runs, long targetBytes) {
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            Locale.ROOT,
            "target peak resident size: %.1f MB; push rate during the checkpoint >= 0.5 x without%n"
                + "| run | RSS before MB | peak RSS during MB | peak / target | VmHWM MB | checkpoint s"
                + " | checkpoint thread CPU s | pushes/s without | pushes/s during | ratio"
                + " | pushes/s during a plain write of the same size |%n"
                + "|---|---|---|---|---|---|---|---|---|---|---|%n",
            targetBytes / 1e6));
    for (int i = 0; i < runs.size(); i++) {
      out.append(row(Integer.toString(i + 1), runs.get(i).pushRatio(), runs.get(i), targetBytes));
    }
    if (runs.size() > 1) {
      out.append(summary("median", runs, targetBytes, 0.5));
      out.append(summary("min", runs, targetBytes, 0));
      out.append(summary("max", runs, targetBytes, 1));
    }
    return out.toString();
  }

  private static String summary(String label, List<Run> runs, long targetBytes, double quantile) {
    return row(
        label,
        pick(runs, Run::pushRatio, quantile),
        new Run(
            (long) pick(runs, Run::rssBeforeBytes, quantile),
            (long) pick(runs, Run::peakRssBytes, quantile),
            (long) pick(runs, Run::hwmBytes, quantile),
            pick(runs, Run::checkpointSeconds, quantile),
            pick(runs, Run::checkpointCpuSeconds, quantile),
            pick(runs, Run::baselinePushesPerSecond, quantile),
            pick(runs, Run::duringPushesPerSecond, quantile),
            pick(runs, Run::plainWritePushesPerSecond, quantile)),
        targetBytes);
  }

  /**
   * The value at {@code quantile} (0 min, 0.5 median, 1 max) of one column, by itself: a summary
   * row mixes runs.
   */
  private static double pick(List<Run> runs, ToDoubleFunction<Run> column, double quantile) {
    List<Double> values =
        runs.stream().map(column::applyAsDouble).sorted(Comparator.naturalOrder()).toList();
    return values.get((int) Math.round(quantile * (values.size() - 1)));
  }

  private static String row(String label, double ratio, Run r, long targetBytes) {
    return String.format(
        Locale.ROOT,
        "| %s | %.1f | %.1f | %.3f | %.1f | %.1f | %.1f | %.0f | %.0f | %.2f | %.0f |%n",
        label,
        r.rssBeforeBytes() / 1e6,
        r.peakRssBytes() / 1e6,
        (double) r.peakRssBytes() / targetBytes,
        r.hwmBytes() / 1e6,
        r.checkpointSeconds(),
        r.checkpointCpuSeconds(),
        r.baselinePushesPerSecond(),
        r.duringPushesPerSecond(),
        ratio,
        r.plainWritePushesPerSecond());
  }
}
