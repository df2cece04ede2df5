package io.paramstream.simulator;

import io.paramstream.cli.CommandLines;
import io.paramstream.simulator.TableWorkloads.Kind;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The sparse table benchmark (issue 13). Throughput: pushes (each acknowledged) and pulls of {@code
 * --batch} random rows of a {@code --rows} x {@code --dim} indexed table and of a keyed one with
 * every row created, against a dense push and pull of the same value bytes ({@code batch * dim}
 * floats), one operation in flight. The cells are interleaved: every round measures each of them
 * once, in an order that rotates, so a slow spell of the machine hits them all; the table shows the
 * median round with min and max, and each table cell's ratio to dense both as the ratio of the
 * medians and as the median of the per-round ratios. Memory: a fresh server holding one keyed table
 * with every row touched, against 1.3 x its float bytes + 100 MB ({@link TableMemory}).
 */
@Command(
    name = "paramstream-table-benchmark",
    mixinStandardHelpOptions = true,
    description = "Sparse table pushes and pulls against dense ones of the same bytes; table RSS.",
    sortOptions = false)
public final class TableBenchmark implements Callable<Integer> {
  /** The bar: a table cell reaches this fraction of the dense cell's ops/s. */
  static final double TARGET_RATIO = 0.9;

  @Option(
      names = "--server-jar",
      description =
          "Run this shaded server jar as a separate process (needed for the memory part);"
              + " without it the throughput part runs against a server in this JVM.")
  Path serverJar;

  @Option(
      names = "--server-jvm-args",
      defaultValue = "-Xms2g -Xmx2g -XX:+AlwaysPreTouch",
      description = "JVM options of the throughput server (default: ${DEFAULT-VALUE}).")
  String serverJvmArgs;

  @Option(
      names = "--memory-server-jvm-args",
      defaultValue = "-XX:+UseSerialGC -Xmx320m -Xmn16m",
      description = "JVM options of the memory part's server (default: ${DEFAULT-VALUE}).")
  String memoryServerJvmArgs;

  @Option(
      names = "--server-args",
      defaultValue = "",
      description = "Extra options of both server processes.")
  String serverArgs;

  @Option(
      names = "--parts",
      split = ",",
      defaultValue = "throughput,memory",
      description = "throughput, memory or both (default: ${DEFAULT-VALUE}).")
  List<String> parts;

  @Option(names = "--rows", defaultValue = "1000000", description = "Rows per table.")
  int rows;

  @Option(names = "--batch", defaultValue = "4096", description = "Rows per push or pull.")
  int batch;

  @Option(names = "--dim", defaultValue = "64", description = "Floats per row.")
  int dim;

  @Option(names = "--warmup", defaultValue = "PT2S", description = "Warm-up per cell and round.")
  Duration warmup;

  @Option(names = "--duration", defaultValue = "PT4S", description = "Measured time per cell.")
  Duration duration;

  @Option(
      names = "--rounds",
      defaultValue = "5",
      description = "Rounds; each measures every cell once (default: ${DEFAULT-VALUE}).")
  int rounds;

  @Option(
      names = "--jit-warmup",
      defaultValue = "PT20S",
      description = "Before round 1: every cell, unmeasured, this long in all.")
  Duration jitWarmup;

  @Option(
      names = "--settle",
      defaultValue = "PT2S",
      description = "Memory part: wait after filling the table before reading memory.")
  Duration settle;

  @Option(names = "--server-log", description = "Where the server processes' stderr goes.")
  Path serverLog;

  @Option(names = "--report-json", description = "Also write the results as JSON here.")
  Path reportJson;

  /** An operation the benchmark measures. */
  enum Op {
    PUSH,
    PULL
  }

  /** One round's measurement of one cell. */
  record Sample(double opsPerSecond, long p50Nanos) {}

  /** Every round's sample of one cell, in round order. */
  record Cell(Op op, Kind kind, List<Sample> rounds) {
    double median() {
      return TableBenchmark.median(rounds.stream().mapToDouble(Sample::opsPerSecond).toArray());
    }

    double min() {
      return rounds.stream().mapToDouble(Sample::opsPerSecond).min().orElse(Double.NaN);
    }

    double max() {
      return rounds.stream().mapToDouble(Sample::opsPerSecond).max().orElse(Double.NaN);
    }

    long p50Nanos() {
      return (long) TableBenchmark.median(rounds.stream().mapToDouble(Sample::p50Nanos).toArray());
    }
  }

  public static void main(String[] args) {
    System.exit(CommandLines.configure(new CommandLine(new TableBenchmark())).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    TableWorkloads.Shape shape = new TableWorkloads.Shape(rows, batch, dim);
    if (rounds < 1) {
      throw new CommandLine.ParameterException(
          new CommandLine(this), "--rounds must be >= 1, got " + rounds);
    }
    if (parts.contains("memory") && serverJar == null) {
      throw new CommandLine.ParameterException(
          new CommandLine(this), "the memory part needs --server-jar (or --parts throughput)");
    }
    StringBuilder json = new StringBuilder("{");
    if (parts.contains("throughput")) {
      List<Cell> cells = throughput(shape);
      System.out.print(table(cells));
      json.append("\"throughput\": ").append(json(cells, shape));
    }
    if (parts.contains("memory")) {
      TableMemory.Result memory =
          TableMemory.measure(serverJar, memoryServerJvmArgs, serverArgs, logFile(), shape, settle);
      System.out.print(TableMemory.table(memory));
      json.append(json.length() > 1 ? ", " : "").append("\"memory\": ");
      json.append(TableMemory.json(memory));
    }
    if (reportJson != null) {
      Files.writeString(reportJson, json.append("}\n"), StandardCharsets.UTF_8);
    }
    return 0;
  }

  private List<Cell> throughput(TableWorkloads.Shape shape) throws Exception {
    try (BenchmarkServer server =
            BenchmarkServer.start(serverJar, serverJvmArgs, serverArgs, logFile());
        TableWorkloads worker = new TableWorkloads(server.target(), shape, 7)) {
      worker.create(List.of(Kind.values()));
      long started = System.nanoTime();
      worker.touchEveryKeyedRow();
      System.err.printf(
          Locale.ROOT,
          "server at %s; keyed table filled with %d rows in %.1f s%n",
          server.target(),
          shape.rows(),
          (System.nanoTime() - started) / 1e9);
      return interleaved(worker);
    }
  }

  private List<Cell> interleaved(TableWorkloads worker) {
    Kind[] kinds = Kind.values();
    Duration slice = jitWarmup.dividedBy(2L * kinds.length);
    for (Op op : Op.values()) {
      for (Kind kind : kinds) {
        measure(worker, op, kind, Duration.ZERO, slice);
      }
    }
    Map<Op, Map<Kind, List<Sample>>> samples = new EnumMap<>(Op.class);
    for (int round = 0; round < rounds; round++) {
      for (Op op : Op.values()) {
        for (int k = 0; k < kinds.length; k++) {
          Kind kind = kinds[(k + round) % kinds.length];
          Sample sample = measure(worker, op, kind, warmup, duration);
          samples
              .computeIfAbsent(op, o -> new EnumMap<>(Kind.class))
              .computeIfAbsent(kind, x -> new ArrayList<>())
              .add(sample);
          System.err.printf(
              Locale.ROOT,
              "round %d %s %s: %.1f ops/s, p50 %s%n",
              round + 1,
              op,
              kind,
              sample.opsPerSecond(),
              ReportFormats.millis(sample.p50Nanos()));
        }
      }
    }
    List<Cell> cells = new ArrayList<>();
    samples.forEach((op, byKind) -> byKind.forEach((kind, s) -> cells.add(new Cell(op, kind, s))));
    cells.sort(java.util.Comparator.comparing(Cell::op).thenComparing(Cell::kind));
    return cells;
  }

  /**
   * Runs one cell closed-loop, one operation in flight: unmeasured for {@code warm}, then timed.
   */
  private static Sample measure(
      TableWorkloads worker, Op op, Kind kind, Duration warm, Duration measured) {
    Runnable operation = op == Op.PUSH ? () -> worker.push(kind) : () -> worker.pull(kind);
    long warmEnd = System.nanoTime() + warm.toNanos();
    while (System.nanoTime() < warmEnd) {
      operation.run();
    }
    Histogram latency = new Histogram(WorkerStats.HIGHEST_TRACKABLE_NANOS, 3);
    long start = System.nanoTime();
    long stop = start + measured.toNanos();
    long now = start;
    long operations = 0;
    while (now < stop) {
      long before = now;
      operation.run();
      now = System.nanoTime();
      latency.recordValue(Math.min(now - before, WorkerStats.HIGHEST_TRACKABLE_NANOS));
      operations++;
    }
    double seconds = Math.max(1, now - start) / 1e9;
    return new Sample(operations / seconds, latency.getValueAtPercentile(50));
  }

  static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  /** The dense cell of the same operation. */
  private static Cell dense(List<Cell> cells, Op op) {
    return cells.stream()
        .filter(c -> c.op() == op && c.kind() == Kind.DENSE)
        .findFirst()
        .orElseThrow();
  }

  /** Median over rounds of this cell's ops/s divided by the dense cell's in the same round. */
  static double pairedRatio(Cell cell, Cell dense) {
    double[] ratios = new double[cell.rounds().size()];
    for (int r = 0; r < ratios.length; r++) {
      ratios[r] = cell.rounds().get(r).opsPerSecond() / dense.rounds().get(r).opsPerSecond();
    }
    return median(ratios);
  }

  static String table(List<Cell> cells) {
    StringBuilder out =
        new StringBuilder(
            "| operation | payload | ops/s (median) | min | max | p50 | ratio to dense (medians)"
                + " | ratio to dense (median of rounds) | >= "
                + TARGET_RATIO
                + " |\n|---|---|---|---|---|---|---|---|---|\n");
    for (Cell c : cells) {
      Cell dense = dense(cells, c.op());
      boolean isDense = c.kind() == Kind.DENSE;
      double ratio = c.median() / dense.median();
      double paired = pairedRatio(c, dense);
      out.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %.1f | %.1f | %.1f | %s | %s | %s | %s |%n",
              c.op().name().toLowerCase(Locale.ROOT),
              c.kind().name().toLowerCase(Locale.ROOT),
              c.median(),
              c.min(),
              c.max(),
              ReportFormats.millis(c.p50Nanos()),
              isDense ? "-" : String.format(Locale.ROOT, "%.3f", ratio),
              isDense ? "-" : String.format(Locale.ROOT, "%.3f", paired),
              isDense ? "-" : (Math.min(ratio, paired) >= TARGET_RATIO ? "yes" : "no")));
    }
    return out.toString();
  }

  static String json(List<Cell> cells, TableWorkloads.Shape shape) {
    StringBuilder out =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "{\"rows\": %d, \"batch\": %d, \"dim\": %d, \"cells\": [%n",
                shape.rows(),
                shape.batch(),
                shape.dim()));
    for (int i = 0; i < cells.size(); i++) {
      Cell c = cells.get(i);
      Cell dense = dense(cells, c.op());
      out.append(
          String.format(
              Locale.ROOT,
              "  {\"op\": \"%s\", \"kind\": \"%s\", \"medianOpsPerSecond\": %.3f,"
                  + " \"minOpsPerSecond\": %.3f, \"maxOpsPerSecond\": %.3f, \"p50Nanos\": %d,"
                  + " \"ratioOfMedians\": %.4f, \"medianOfRatios\": %.4f, \"roundOpsPerSecond\": %s}%s%n",
              c.op().name().toLowerCase(Locale.ROOT),
              c.kind().name().toLowerCase(Locale.ROOT),
              c.median(),
              c.min(),
              c.max(),
              c.p50Nanos(),
              c.median() / dense.median(),
              pairedRatio(c, dense),
              c.rounds().stream()
                  .map(s -> String.format(Locale.ROOT, "%.3f", s.opsPerSecond()))
                  .toList(),
              i + 1 < cells.size() ? "," : ""));
    }
    return out.append("]}").toString();
  }

  private File logFile() {
    return serverLog != null
        ? serverLog.toFile()
        : new File(System.getProperty("java.io.tmpdir"), "paramstream-table-server.log");
  }
}
