package io.paramstream.simulator;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.paramstream.cli.CommandLines;
import io.paramstream.client.GroupSpec;
import io.paramstream.client.ParamstreamClient;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Issue #11's hostile clients at full size, all at once, against a server process: stalled chunked
 * pushes naming a large group, watchers that never read, pullers that read one chunk a second, and
 * a create of the largest array size. Reports the server's peak resident memory and a well-behaved
 * 1K-float pusher's latency alone and under attack. Linux only (reads /proc/PID/status).
 *
 * <p>Statuses carrying a cause were made by the attackers' own gRPC client, not sent by the server
 * (e.g. its direct memory filling with what non-reading watchers did not read), and are reported
 * apart. Run, after {@code ./mvnw -B -q -pl server,simulator -am package -DskipTests}:
 *
 * <pre>
 * java -Xmx1g -XX:MaxDirectMemorySize=3g \
 *     -cp simulator/target/paramstream-simulator-0.1.0-SNAPSHOT-all.jar \
 *     io.paramstream.simulator.AttackBenchmark \
 *     --server-jar server/target/paramstream-server-0.1.0-SNAPSHOT-all.jar
 * </pre>
 */
@Command(
    name = "paramstream-attack-benchmark",
    mixinStandardHelpOptions = true,
    description = "Server memory and a normal worker's latency under hostile clients.",
    sortOptions = false)
public final class AttackBenchmark implements Callable<Integer> {

  @Option(names = "--server-jar", required = true, description = "The shaded server jar.")
  Path serverJar;

  @Option(
      names = "--server-jvm-args",
      defaultValue = "-XX:+UseSerialGC -Xmx1200m",
      description = "JVM options of the server process (default: ${DEFAULT-VALUE}).")
  String serverJvmArgs;

  @Option(
      names = "--server-args",
      defaultValue = "",
      description = "Extra server options, e.g. --stream-idle-timeout PT10S.")
  String serverArgs;

  @Option(
      names = "--big-floats",
      defaultValue = "52428800",
      description =
          "Size of the group stalled pushes name and slow pullers read (default: 200 MiB).")
  int bigFloats;

  @Option(
      names = "--watched-floats",
      defaultValue = "1048576",
      description = "Size of the group non-reading watchers watch (default: 4 MiB).")
  int watchedFloats;

  @Option(names = "--stalled-pushes", defaultValue = "4")
  int stalledPushes;

  @Option(names = "--watchers", defaultValue = "200")
  int watchers;

  @Option(names = "--slow-pullers", defaultValue = "5")
  int slowPullers;

  @Option(
      names = "--pushes",
      defaultValue = "2000",
      description = "Measured pushes of the normal worker alone (default: ${DEFAULT-VALUE}).")
  int pushes;

  @Option(
      names = "--warmup-pushes",
      defaultValue = "20000",
      description =
          "Unmeasured pushes first, so the alone run is not measured against a colder JIT than"
              + " the longer attacked one (default: ${DEFAULT-VALUE}).")
  int warmupPushes;

  @Option(
      names = "--attack-duration",
      defaultValue = "PT45S",
      description =
          "How long the worker pushes under attack; longer than the server's idle timeout so"
              + " stalled streams are ended and replaced by waiting ones (default: ${DEFAULT-VALUE}).")
  Duration attackDuration;

  @Option(
      names = "--server-log",
      description = "The server's stderr (default: <tmpdir>/paramstream-attack-server.log).")
  Path serverLog;

  public static void main(String[] args) {
    System.exit(CommandLines.configure(new CommandLine(new AttackBenchmark())).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    File log = logFile();
    Files.deleteIfExists(log.toPath());
    Process server = ServerJarProcess.start(serverJar, serverJvmArgs, serverArgs, log);
    try {
      String target = ServerJarProcess.awaitTarget(server, log);
      try (ParamstreamClient worker =
              ParamstreamClient.builder()
                  .target(target)
                  .plaintext()
                  .deadline(Duration.ofSeconds(120))
                  .build();
          RssSampler rss = new RssSampler(server.pid(), 10)) {
        worker.createGroup(GroupSpec.zeros("big", bigFloats, false));
        worker.createGroup(GroupSpec.zeros("watched", watchedFloats, false));
        worker.createGroup(GroupSpec.zeros("probe", 1024, false));
        ProbePusher probe = new ProbePusher(worker, "probe", 1024);
        probe.pushInto(null, warmupPushes);
        rss.reset();
        ProbePusher.Latencies alone = probe.run(0, pushes);
        long aloneRss = rss.peakBytes();

        rss.reset();
        ManagedChannel attackChannel = NettyChannelBuilder.forTarget(target).usePlaintext().build();
        Histogram attacked = new Histogram(3);
        Map<Status.Code, Integer> codes = new TreeMap<>();
        Map<Status.Code, String> examples = new TreeMap<>();
        Map<Status.Code, Integer> clientSide = new TreeMap<>();
        try (HostileClients attackers = new HostileClients(attackChannel)) {
          for (int i = 1; i <= stalledPushes; i++) {
            attackers.stalledPush(i, List.of("big"), 1024);
          }
          for (int i = 0; i < watchers; i++) {
            attackers.nonReadingWatcher("watched");
          }
          for (int i = 0; i < slowPullers; i++) {
            attackers.slowPuller("big", 1000);
          }
          attackers.create("largest", 2_147_483_639L).get(60, TimeUnit.SECONDS);
          long end = System.nanoTime() + attackDuration.toNanos();
          while (System.nanoTime() < end) {
            probe.pushInto(attacked, 200);
          }
          for (Status status : attackers.statuses()) {
            codes.merge(status.getCode(), 1, Integer::sum);
            if (status.getCause() != null) {
              clientSide.merge(status.getCode(), 1, Integer::sum);
            }
            examples.putIfAbsent(
                status.getCode(),
                status.getDescription()
                    + (status.getCause() == null ? "" : " (cause: " + status.getCause() + ")"));
          }
        } finally {
          attackChannel.shutdownNow();
        }
        long attackedRss = rss.peakBytes();
        String serverText = Files.readString(log.toPath(), StandardCharsets.UTF_8);
        System.out.print(
            report(alone, ProbePusher.Latencies.of(attacked), aloneRss, attackedRss, codes)
                + "of which made by the attackers' client, not the server: "
                + clientSide
                + "\none of each: "
                + examples
                + "\n"
                + String.format(
                    Locale.ROOT,
                    "server log: %s OutOfMemoryError, %s UNKNOWN (%s)%n",
                    serverText.contains("OutOfMemoryError") ? "has" : "no",
                    serverText.contains("UNKNOWN") ? "has" : "no",
                    log));
      }
    } finally {
      server.destroy();
      server.waitFor(30, TimeUnit.SECONDS);
    }
    return 0;
  }

  private String report(
      ProbePusher.Latencies alone,
      ProbePusher.Latencies attacked,
      long aloneRss,
      long attackedRss,
      Map<Status.Code, Integer> codes) {
    return String.format(
        Locale.ROOT,
        "server %s %s%n"
            + "attack: %d stalled pushes naming %d floats, %d non-reading watchers of %d floats,"
            + " %d slow pullers of %d floats, 1 create of 2147483639 floats, for %s%n"
            + "| run | pushes | p50 ms | p99 ms | max ms | peak RSS MB |%n"
            + "|---|---:|---:|---:|---:|---:|%n"
            + "| alone | %d | %.3f | %.3f | %.3f | %.0f |%n"
            + "| attacked | %d | %.3f | %.3f | %.3f | %.0f |%n"
            + "attackers' statuses: %s%n",
        serverJvmArgs,
        serverArgs,
        stalledPushes,
        bigFloats,
        watchers,
        watchedFloats,
        slowPullers,
        bigFloats,
        attackDuration,
        alone.count(),
        alone.p50Nanos() / 1e6,
        alone.p99Nanos() / 1e6,
        alone.maxNanos() / 1e6,
        aloneRss / 1e6,
        attacked.count(),
        attacked.p50Nanos() / 1e6,
        attacked.p99Nanos() / 1e6,
        attacked.maxNanos() / 1e6,
        attackedRss / 1e6,
        codes);
  }

  private File logFile() {
    return (serverLog != null
            ? serverLog
            : Path.of(System.getProperty("java.io.tmpdir"), "paramstream-attack-server.log"))
        .toFile();
  }
}
