package io.paramstream.simulator;

import io.paramstream.cli.CommandLines;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The end-to-end loopback benchmark: 1 server, 1 worker; push (ack each), pull, push then pull, and
 * pipelined push (8 in flight) per group size, each beside raw loopback TCP moving the same bytes
 * in the same run, the push beside gRPC-java moving the same messages with no work at all ({@link
 * GrpcFloorBaseline}), and every cell beside the best gRPC-java configuration found for its
 * traffic, also with no work ({@link GrpcCeilingBaseline}), measured just before the cell. The
 * server is a separate process ({@code --server-jar}) or, without it, embedded in this JVM.
 */
@Command(
    name = "paramstream-loopback-benchmark",
    mixinStandardHelpOptions = true,
    description = "End-to-end loopback benchmark of Paramstream against raw TCP.",
    sortOptions = false)
public final class LoopbackBenchmark implements Callable<Integer> {

  @Option(names = "--server-jar", description = "Run this shaded server jar as a separate process.")
  Path serverJar;

  @Option(
      names = "--server-jvm-args",
      defaultValue = "-Xms1g -Xmx3g -XX:+AlwaysPreTouch",
      description = "JVM options of the server process (default: ${DEFAULT-VALUE}).")
  String serverJvmArgs;

  @Option(
      names = "--server-args",
      defaultValue = "",
      description = "Extra options of the server process, e.g. \"--flow-control-window 8388608\".")
  String serverArgs;

  @Option(
      names = "--sizes",
      split = ",",
      defaultValue = "1024,65536,1048576,16777216",
      description = "Floats per group (default: ${DEFAULT-VALUE}).")
  List<Integer> sizes;

  @Option(names = "--warmup", defaultValue = "PT2S", description = "Warm-up per cell.")
  Duration warmup;

  @Option(names = "--duration", defaultValue = "PT4S", description = "Measured time per cell.")
  Duration duration;

  @Option(
      names = "--jit-warmup",
      defaultValue = "PT20S",
      description =
          "Before any cell: every workload at small sizes for this long in all, so both JVMs"
              + " have compiled the gRPC and Paramstream paths (default: ${DEFAULT-VALUE}).")
  Duration jitWarmup;

  @Option(
      names = "--cell-warmup",
      defaultValue = "PT5S",
      description =
          "Before a cell's rounds: Paramstream and the gRPC ceiling each run the cell this long,"
              + " unmeasured. The ceiling's server lives in this JVM, warm from every earlier"
              + " cell; the server process has not run this size yet, and takes seconds to reach"
              + " its speed (default: ${DEFAULT-VALUE}).")
  Duration cellWarmup;

  @Option(
      names = "--rounds",
      defaultValue = "3",
      description =
          "Runs per cell; the table shows the median by ops/s (default: ${DEFAULT-VALUE}).")
  int rounds;

  @Option(
      names = "--client-executor",
      defaultValue = "direct",
      description =
          "Where the worker's gRPC callbacks run: direct or pool (default: ${DEFAULT-VALUE}).")
  String clientExecutor;

  @Option(
      names = "--workloads",
      split = ",",
      defaultValue = "push,pull,push+pull,pipelined",
      description = "Which cells to run (default: ${DEFAULT-VALUE}).")
  List<String> workloads;

  @Option(
      names = "--server-log",
      description =
          "Where the server process's stderr goes (default: <tmpdir>/paramstream-loopback-server.log).")
  Path serverLog;

  @Option(names = "--report-json", description = "Also write the results as JSON here.")
  Path reportJson;

  /** One measured cell of the table. */
  record Cell(
      int floats,
      String workload,
      double opsPerSecond,
      double gigabytesPerSecond,
      long p50Nanos,
      long errors,
      double rawAckEachGbps,
      double rawStreamGbps,
      List<Double> roundOpsPerSecond,
      double grpcFloorOpsPerSecond,
      double grpcCeilingOpsPerSecond,
      List<Double> roundCeilingOpsPerSecond) {

    /** Paramstream over the ceiling, round by round: each pair ran back to back. */
    List<Double> ceilingRatios() {
      List<Double> ratios = new ArrayList<>();
      for (int i = 0; i < roundOpsPerSecond.size(); i++) {
        ratios.add(roundOpsPerSecond.get(i) / roundCeilingOpsPerSecond.get(i));
      }
      return ratios;
    }
  }

  private record Spec(String label, SimulationConfig.Workload workload, int inFlight) {}

  private static final List<Spec> SPECS =
      List.of(
          new Spec("push", SimulationConfig.Workload.PUSH, 1),
          new Spec("pull", SimulationConfig.Workload.PULL, 1),
          new Spec("push+pull", SimulationConfig.Workload.PUSH_PULL, 1),
          new Spec("pipelined push x8", SimulationConfig.Workload.PUSH, 8));

  public static void main(String[] args) {
    System.exit(CommandLines.configure(new CommandLine(new LoopbackBenchmark())).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    try (BenchmarkServer server =
        BenchmarkServer.start(serverJar, serverJvmArgs, serverArgs, logFile())) {
      System.err.println(
          "server at " + server.target() + (serverJar != null ? " (separate process)" : ""));
      List<Cell> cells = measure(server.target());
      String table = table(cells);
      System.out.print(table);
      if (reportJson != null) {
        Files.writeString(reportJson, json(cells), StandardCharsets.UTF_8);
      }
      return cells.stream().anyMatch(c -> c.errors() > 0) ? 1 : 0;
    }
  }

  private List<Cell> measure(String target) throws Exception {
    if (rounds < 1) {
      throw new IllegalArgumentException("--rounds must be >= 1, got " + rounds);
    }
    warmUpJit(target);
    long warmupNanos = warmup.toNanos();
    long durationNanos = duration.toNanos();
    RawTcpBaseline.Result stream = RawTcpBaseline.stream(warmupNanos, durationNanos);
    System.err.printf(
        Locale.ROOT, "raw loopback TCP stream: %.2f GB/s%n", stream.gigabytesPerSecond());
    List<Cell> cells = new ArrayList<>();
    for (int floats : sizes) {
      RawTcpBaseline.Result ack = RawTcpBaseline.ackEach(floats * 4, warmupNanos, durationNanos);
      System.err.printf(
          Locale.ROOT,
          "raw TCP ack-each %d floats: %.0f msg/s, %.2f GB/s%n",
          floats,
          ack.messagesPerSecond(),
          ack.gigabytesPerSecond());
      RawTcpBaseline.Result floor =
          workloads.contains("push") ? floor(floats, 1, warmupNanos, durationNanos) : null;
      RawTcpBaseline.Result pipelinedFloor =
          workloads.contains("pipelined") ? floor(floats, 8, warmupNanos, durationNanos) : null;
      for (Spec spec : SPECS) {
        if (!workloads.contains(spec.label().split(" ")[0])) {
          continue;
        }
        if (!cellWarmup.isZero()) {
          run(target, floats, spec, Duration.ZERO, cellWarmup, -1);
          GrpcCeilingBaseline.run(
              spec.workload(), 4L * floats, spec.inFlight(), 0, cellWarmup.toNanos());
        }
        // Interleaved: each round runs the ceiling and Paramstream back to back, alternating which
        // goes first, so a slow minute of this shared machine weighs on both sides of a ratio.
        List<RunReport> runs = new ArrayList<>();
        List<Double> ceilings = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
          if (round % 2 == 0) {
            ceilings.add(ceiling(floats, spec, warmupNanos, durationNanos).messagesPerSecond());
            runs.add(run(target, floats, spec, warmup, duration, round));
          } else {
            runs.add(run(target, floats, spec, warmup, duration, round));
            ceilings.add(ceiling(floats, spec, warmupNanos, durationNanos).messagesPerSecond());
          }
        }
        List<Double> roundOps = runs.stream().map(RunReport::operationsPerSecond).toList();
        RunReport median = medianByThroughput(runs);
        Cell cell =
            new Cell(
                floats,
                spec.label(),
                median.operationsPerSecond(),
                median.gigabytesPerSecond(),
                median.latency().p50Nanos(),
                runs.stream().mapToLong(RunReport::totalErrors).sum(),
                ack.gigabytesPerSecond(),
                stream.gigabytesPerSecond(),
                roundOps,
                switch (spec.label()) {
                  case "push" -> floor.messagesPerSecond();
                  case "pipelined push x8" -> pipelinedFloor.messagesPerSecond();
                  default -> Double.NaN;
                },
                BenchmarkCharts.median(ceilings),
                ceilings);
        System.err.printf(
            Locale.ROOT,
            "%d floats %s: %.1f ops/s (median of %s), %.3f GB/s, p50 %s, %s of the ceiling%n",
            floats,
            spec.label(),
            cell.opsPerSecond(),
            roundOps,
            cell.gigabytesPerSecond(),
            ReportFormats.millis(cell.p50Nanos()),
            medianMinMax(cell.ceilingRatios()));
        cells.add(cell);
      }
    }
    return cells;
  }

  private static RawTcpBaseline.Result floor(
      int floats, int inFlight, long warmupNanos, long durationNanos)
      throws IOException, InterruptedException {
    RawTcpBaseline.Result floor =
        GrpcFloorBaseline.pushes(4L * floats, inFlight, warmupNanos, durationNanos);
    System.err.printf(
        Locale.ROOT,
        "gRPC floor, push of %d floats with no work, %d in flight: %.1f pushes/s%n",
        floats,
        inFlight,
        floor.messagesPerSecond());
    return floor;
  }

  private static RawTcpBaseline.Result ceiling(
      int floats, Spec spec, long warmupNanos, long durationNanos)
      throws IOException, InterruptedException {
    RawTcpBaseline.Result ceiling =
        GrpcCeilingBaseline.run(
                spec.workload(), 4L * floats, spec.inFlight(), warmupNanos, durationNanos)
            .result();
    System.err.printf(
        Locale.ROOT,
        "gRPC ceiling, %s of %d floats with no work: %.1f ops/s%n",
        spec.label(),
        floats,
        ceiling.messagesPerSecond());
    return ceiling;
  }

  /**
   * Runs every workload, and the gRPC floor and ceiling, at 1K and 64K floats, unmeasured. A JVM on
   * 2 cores takes tens of seconds to compile gRPC's and our hot paths; without this the first cells
   * measure the interpreter.
   */
  private void warmUpJit(String target) throws IOException, InterruptedException {
    if (jitWarmup.isZero()) {
      return;
    }
    Duration slice = jitWarmup.dividedBy(2L * SPECS.size());
    System.err.println("JIT warm-up: " + jitWarmup + " over every workload at 1K and 64K floats");
    for (int floats : List.of(1024, 65536)) {
      for (Spec spec : SPECS) {
        run(target, floats, spec, Duration.ZERO, slice, -1);
        // The baselines' servers run in this JVM, which serves no gRPC otherwise: warm them too.
        GrpcCeilingBaseline.run(spec.workload(), 4L * floats, spec.inFlight(), 0, slice.toNanos());
      }
      for (int inFlight : List.of(1, 8)) {
        GrpcFloorBaseline.pushes(4L * floats, inFlight, 0, slice.toNanos());
      }
    }
  }

  private RunReport run(
      String target, int floats, Spec spec, Duration warm, Duration measured, int round)
      throws InterruptedException {
    SimulationConfig config =
        new SimulationConfig(
            1,
            1,
            floats,
            1,
            SimulationConfig.Mode.CLOSED,
            spec.inFlight(),
            0,
            spec.workload(),
            warm,
            measured,
            7,
            "bench-"
                + floats
                + "-"
                + spec.workload().label()
                + "-"
                + spec.inFlight()
                + "-r"
                + round
                + "-",
            SimulationConfig.ClientExecutor.valueOf(clientExecutor.toUpperCase(Locale.ROOT)));
    return new Simulation(config, target, null).run();
  }

  /** "median [min-max]" of ratios, or the one ratio. */
  static String medianMinMax(List<Double> ratios) {
    if (ratios.size() == 1) {
      return String.format(Locale.ROOT, "%.2f", ratios.get(0));
    }
    return String.format(
        Locale.ROOT,
        "%.2f [%.2f-%.2f]",
        BenchmarkCharts.median(ratios),
        java.util.Collections.min(ratios),
        java.util.Collections.max(ratios));
  }

  /** The run with the median throughput (the lower middle one for an even count). */
  static RunReport medianByThroughput(List<RunReport> runs) {
    List<RunReport> sorted = new ArrayList<>(runs);
    sorted.sort(java.util.Comparator.comparingDouble(RunReport::operationsPerSecond));
    return sorted.get((sorted.size() - 1) / 2);
  }

  static String table(List<Cell> cells) {
    StringBuilder out = new StringBuilder();
    out.append(
        "| floats | workload | ops/s | GB/s | p50 | raw TCP ack-each GB/s | ratio to ack-each |"
            + " raw TCP stream GB/s | ratio to stream | gRPC floor ops/s | ratio to floor |"
            + " gRPC ceiling ops/s | ratio to ceiling, by round | errors |\n");
    out.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (Cell c : cells) {
      out.append(
          String.format(
              Locale.ROOT,
              "| %d | %s | %.1f | %.3f | %s | %.3f | %.2f | %.3f | %.2f | %s | %s | %.1f | %s | %d"
                  + " |%n",
              c.floats(),
              c.workload(),
              c.opsPerSecond(),
              c.gigabytesPerSecond(),
              ReportFormats.millis(c.p50Nanos()),
              c.rawAckEachGbps(),
              c.gigabytesPerSecond() / c.rawAckEachGbps(),
              c.rawStreamGbps(),
              c.gigabytesPerSecond() / c.rawStreamGbps(),
              Double.isNaN(c.grpcFloorOpsPerSecond())
                  ? "-"
                  : String.format(Locale.ROOT, "%.1f", c.grpcFloorOpsPerSecond()),
              Double.isNaN(c.grpcFloorOpsPerSecond())
                  ? "-"
                  : String.format(
                      Locale.ROOT, "%.2f", c.opsPerSecond() / c.grpcFloorOpsPerSecond()),
              c.grpcCeilingOpsPerSecond(),
              medianMinMax(c.ceilingRatios()),
              c.errors()));
    }
    return out.toString();
  }

  private static String json(List<Cell> cells) {
    StringBuilder out = new StringBuilder("[\n");
    for (int i = 0; i < cells.size(); i++) {
      Cell c = cells.get(i);
      out.append(
          String.format(
              Locale.ROOT,
              "  {\"floats\": %d, \"workload\": %s, \"opsPerSecond\": %.3f,"
                  + " \"gigabytesPerSecond\": %.6f, \"p50Nanos\": %d, \"errors\": %d,"
                  + " \"rawAckEachGigabytesPerSecond\": %.6f,"
                  + " \"rawStreamGigabytesPerSecond\": %.6f, \"roundOpsPerSecond\": %s,"
                  + " \"grpcFloorOpsPerSecond\": %s, \"grpcCeilingOpsPerSecond\": %.3f,"
                  + " \"roundCeilingOpsPerSecond\": %s}%s%n",
              c.floats(),
              ReportFormats.quote(c.workload()),
              c.opsPerSecond(),
              c.gigabytesPerSecond(),
              c.p50Nanos(),
              c.errors(),
              c.rawAckEachGbps(),
              c.rawStreamGbps(),
              c.roundOpsPerSecond().stream()
                  .map(v -> String.format(Locale.ROOT, "%.3f", v))
                  .toList()
                  .toString(),
              Double.isNaN(c.grpcFloorOpsPerSecond())
                  ? "null"
                  : String.format(Locale.ROOT, "%.3f", c.grpcFloorOpsPerSecond()),
              c.grpcCeilingOpsPerSecond(),
              c.roundCeilingOpsPerSecond().stream()
                  .map(v -> String.format(Locale.ROOT, "%.3f", v))
                  .toList()
                  .toString(),
              i + 1 < cells.size() ? "," : ""));
    }
    return out.append("]\n").toString();
  }

  private File logFile() {
    return serverLog != null
        ? serverLog.toFile()
        : new File(System.getProperty("java.io.tmpdir"), "paramstream-loopback-server.log");
  }
}
