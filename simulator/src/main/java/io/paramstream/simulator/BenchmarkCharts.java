package io.paramstream.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.paramstream.charts.BarChart;
import io.paramstream.charts.HeatMap;
import io.paramstream.cli.CommandLines;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Draws BENCHMARKS.md's charts as SVG files from the committed results under {@code
 * benchmarks/results/} (the benchmarks' own JSON and text output), the loopback targets in {@code
 * benchmarks/charts/loopback-targets.csv} and the decay-share table of {@code
 * src/site/markdown/optimizers.md}; no figure is typed in here. Run from the repository root:
 *
 * <pre>
 * java -cp simulator/target/paramstream-simulator-0.1.0-SNAPSHOT-all.jar \
 *     io.paramstream.simulator.BenchmarkCharts
 * </pre>
 */
@Command(
    name = "paramstream-benchmark-charts",
    mixinStandardHelpOptions = true,
    description = "Writes BENCHMARKS.md's SVG charts from the committed benchmark results.",
    sortOptions = false)
public final class BenchmarkCharts implements Callable<Integer> {

  /** The five loopback runs of session 2 (BENCHMARKS.md section 1), run 1 first. */
  static final List<String> LOOPBACK_RUNS =
      List.of(
          "2026-11-30/loopback",
          "2026-11-30/loopback-run2",
          "2026-11-30/loopback-run3",
          "2026-11-30/loopback-run4",
          "2026-11-30/loopback-run5");

  /** The run that measured the gRPC floor warmed up like everything else. */
  static final String FLOOR_RUN = "2026-11-30/loopback-run5";

  static final String MEMORY = "2026-11-30/after-session-2/memory.json";
  static final String ATTACK = "2026-12-01/attack";
  static final String KERNEL = "2026-12-01/kernel/jmh-quiet-4-forks.txt";

  private static final List<Long> SIZES = List.of(1024L, 65536L, 1048576L, 16777216L);
  private static final List<String> WORKLOADS =
      List.of("push", "pull", "push+pull", "pipelined push x8");
  private static final ObjectMapper JSON = new ObjectMapper();

  @Option(
      names = "--results",
      defaultValue = "benchmarks/results",
      description = "The results folder (default: ${DEFAULT-VALUE}).")
  Path results;

  @Option(
      names = "--targets",
      defaultValue = "benchmarks/charts/loopback-targets.csv",
      description = "The loopback targets per cell (default: ${DEFAULT-VALUE}).")
  Path targets;

  @Option(
      names = "--decay-share",
      defaultValue = "src/site/markdown/optimizers.md",
      description =
          "The page holding the decay-share table, server / torch per cell (default:"
              + " ${DEFAULT-VALUE}).")
  Path decayShare;

  @Option(
      names = "--out",
      defaultValue = "benchmarks/charts",
      description = "Where the SVG files go (default: ${DEFAULT-VALUE}).")
  Path out;

  public static void main(String[] args) {
    System.exit(CommandLines.configure(new CommandLine(new BenchmarkCharts())).execute(args));
  }

  @Override
  public Integer call() throws IOException {
    Files.createDirectories(out);
    for (Map.Entry<String, String> chart : charts(results, targets, decayShare).entrySet()) {
      Path file = out.resolve(chart.getKey());
      Files.writeString(file, chart.getValue() + "\n", StandardCharsets.UTF_8);
      System.out.println("wrote " + file);
    }
    return 0;
  }

  /** Every chart, by file name. */
  static Map<String, String> charts(Path results, Path targets, Path decayShare)
      throws IOException {
    Map<String, String> charts = new LinkedHashMap<>();
    List<Path> runs = LOOPBACK_RUNS.stream().map(r -> results.resolve(r)).toList();
    charts.put("loopback-targets.svg", loopbackAgainstTargets(runs, targets));
    charts.put(
        "loopback-grpc-floor.svg", loopbackAgainstFloor(results.resolve(FLOOR_RUN), targets));
    charts.put("memory-rss.svg", memory(results.resolve(MEMORY)));
    List<AttackRun> attack = attackRuns(results.resolve(ATTACK));
    charts.put("attack-p99.svg", attackP99(attack));
    charts.put("attack-rss.svg", attackRss(attack));
    charts.put("kernel-ratio.svg", kernel(results.resolve(KERNEL)));
    charts.put("decay-share.svg", decayShare(decayShare));
    return charts;
  }

  /** One cell of the loopback benchmark. */
  record Cell(long floats, String workload) {}

  /** Section 1's figure per cell: the median over the runs of each run's median round. */
  static Map<Cell, Double> medianOfMedians(List<Path> runs) throws IOException {
    Map<Cell, List<Double>> perRun = new LinkedHashMap<>();
    for (Path run : runs) {
      for (JsonNode cell : JSON.readTree(run.resolve("loopback.json").toFile())) {
        perRun
            .computeIfAbsent(cell(cell), c -> new ArrayList<>())
            .add(cell.get("opsPerSecond").asDouble());
      }
    }
    Map<Cell, Double> medians = new LinkedHashMap<>();
    perRun.forEach((cell, values) -> medians.put(cell, median(values)));
    return medians;
  }

  /** The gRPC floor's pushes/s per push cell of one run (pull cells have none). */
  static Map<Cell, Double> floor(Path run) throws IOException {
    Map<Cell, Double> floor = new LinkedHashMap<>();
    for (JsonNode cell : JSON.readTree(run.resolve("loopback.json").toFile())) {
      JsonNode value = cell.get("grpcFloorOpsPerSecond");
      if (value != null && value.isNumber()) {
        floor.put(cell(cell), value.asDouble());
      }
    }
    return floor;
  }

  static Map<Cell, Double> targets(Path csv) throws IOException {
    Map<Cell, Double> targets = new LinkedHashMap<>();
    for (String line : Files.readAllLines(csv, StandardCharsets.UTF_8)) {
      if (line.isBlank() || line.startsWith("#") || line.startsWith("floats,")) {
        continue;
      }
      String[] f = line.split(",");
      targets.put(new Cell(Long.parseLong(f[0]), f[1]), Double.parseDouble(f[2]));
    }
    return targets;
  }

  private static String loopbackAgainstTargets(List<Path> runs, Path targetsCsv)
      throws IOException {
    Map<Cell, Double> ours = medianOfMedians(runs);
    Map<Cell, Double> target = targets(targetsCsv);
    BarChart.Builder chart =
        BarChart.builder("loopback-targets")
            .title("Loopback benchmark: median of five runs / target, per cell")
            .yLabel("ops/s divided by the cell's target (1.5 x ps-lite)")
            .xLabel("group size (float32 elements)")
            .categories(SIZES.stream().map(BenchmarkCharts::size).toList())
            .reference(1, "target (1.5 x ps-lite)")
            .reference(1 / 1.5, "ps-lite");
    for (String workload : WORKLOADS) {
      chart.series(
          workload,
          SIZES.stream()
              .mapToDouble(s -> ours.get(new Cell(s, workload)) / target.get(new Cell(s, workload)))
              .toArray());
    }
    return chart.svg();
  }

  private static String loopbackAgainstFloor(Path run, Path targetsCsv) throws IOException {
    Map<Cell, Double> ours = medianOfMedians(List.of(run));
    Map<Cell, Double> floor = floor(run);
    Map<Cell, Double> target = targets(targetsCsv);
    List<String> labels = new ArrayList<>();
    List<Double> oursToFloor = new ArrayList<>();
    List<Double> targetToFloor = new ArrayList<>();
    for (long size : SIZES) {
      for (String workload : List.of("push", "pipelined push x8")) {
        Cell cell = new Cell(size, workload);
        labels.add(size(size) + (workload.equals("push") ? " x1" : " x8"));
        oursToFloor.add(ours.get(cell) / floor.get(cell));
        targetToFloor.add(target.get(cell) / floor.get(cell));
      }
    }
    return BarChart.builder("loopback-grpc-floor")
        .title("Pushes against gRPC-java moving the same messages with no work (run 5)")
        .yLabel("pushes/s divided by the gRPC floor's pushes/s")
        .xLabel("group size (float32 elements) x pushes in flight")
        .categories(labels)
        .series("Paramstream", doubles(oursToFloor))
        .series("target", doubles(targetToFloor))
        .reference(1, "gRPC floor")
        .svg();
  }

  private static String memory(Path json) throws IOException {
    JsonNode report = JSON.readTree(json.toFile());
    List<String> phases = List.of("created", "pushed", "pulled");
    BarChart.Builder chart =
        BarChart.builder("memory-rss")
            .title("Server RSS with 1 GiB of parameters (16 groups of 16 Mi floats)")
            .yLabel("VmRSS (MB, 10^6 bytes)")
            .xLabel("after this phase")
            .categories(phases)
            .reference(report.get("targetBytes").asDouble() / 1e6, "target: 1.25 x 1 GiB + 100 MB");
    for (JsonNode run : report.get("runs")) {
      Map<String, Double> rss = new LinkedHashMap<>();
      for (JsonNode phase : run.get("phases")) {
        rss.put(phase.get("phase").asText(), phase.get("vmRssBytes").asDouble() / 1e6);
      }
      String args = run.get("serverJvmArgs").asText();
      chart.series(
          args.isEmpty() ? "JVM defaults" : args, phases.stream().mapToDouble(rss::get).toArray());
    }
    return chart.svg();
  }

  /** One run of the attack benchmark: the worker alone, then under attack. */
  record AttackRun(String name, double heapMegabytes, double[] alone, double[] attacked) {
    static final int P99 = 2;
    static final int RSS = 4;
  }

  private static final Pattern XMX = Pattern.compile("-Xmx(\\d+)m");

  /** The runs in {@code run*.txt}: their "alone" and "attacked" table rows, in file-name order. */
  static List<AttackRun> attackRuns(Path dir) throws IOException {
    List<Path> files;
    try (var list = Files.list(dir)) {
      files =
          list.filter(f -> f.getFileName().toString().matches("run\\d+\\.txt")).sorted().toList();
    }
    List<AttackRun> runs = new ArrayList<>();
    for (Path file : files) {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      Matcher xmx = XMX.matcher(lines.get(0));
      if (!xmx.find()) {
        throw new IOException(file + ": no -Xmx on its first line");
      }
      runs.add(
          new AttackRun(
              file.getFileName().toString().replace(".txt", "").replace("run", "run "),
              Double.parseDouble(xmx.group(1)),
              row(file, lines, "alone"),
              row(file, lines, "attacked")));
    }
    return runs;
  }

  /** The numbers of table row {@code name}: pushes, p50, p99, max, peak RSS. */
  private static double[] row(Path file, List<String> lines, String name) throws IOException {
    for (String line : lines) {
      if (line.startsWith("| " + name + " |")) {
        return Arrays.stream(line.split("\\|"))
            .skip(2)
            .map(String::trim)
            .filter(s -> !s.isEmpty())
            .mapToDouble(Double::parseDouble)
            .toArray();
      }
    }
    throw new IOException(file + ": no '" + name + "' row");
  }

  private static String attackP99(List<AttackRun> runs) {
    return attackChart(runs, AttackRun.P99, "attack-p99")
        .title("A normal worker's push latency p99, alone and under all attacks")
        .yLabel("p99 per push (ms)")
        .svg();
  }

  private static String attackRss(List<AttackRun> runs) {
    return attackChart(runs, AttackRun.RSS, "attack-rss")
        .title("Server peak RSS, alone and under all attacks")
        .yLabel("peak VmRSS (MB)")
        .reference(runs.get(0).heapMegabytes() + 150, "limit: -Xmx + 150 MB")
        .svg();
  }

  /** Column {@code column} of the runs' table, alone and attacked side by side per run. */
  private static BarChart.Builder attackChart(List<AttackRun> runs, int column, String id) {
    return BarChart.builder(id)
        .xLabel("attack benchmark run")
        .categories(runs.stream().map(AttackRun::name).toList())
        .series("alone", runs.stream().mapToDouble(r -> r.alone()[column]).toArray())
        .series("attacked", runs.stream().mapToDouble(r -> r.attacked()[column]).toArray());
  }

  private static final Pattern JMH_ROW =
      Pattern.compile("KernelBenchmark\\.(\\w+)\\s+(\\d+)\\s+avgt\\s+\\d+\\s+([\\d.]+)");

  /** Time of the factor form / time of the decay-keeping kernel, per size, from JMH's table. */
  static Map<Long, Double> kernelRatios(Path jmh) throws IOException {
    Map<Long, Double> kept = new LinkedHashMap<>();
    Map<Long, Double> factor = new LinkedHashMap<>();
    for (String line : Files.readAllLines(jmh, StandardCharsets.UTF_8)) {
      Matcher m = JMH_ROW.matcher(line);
      if (m.find()) {
        (m.group(1).equals("sgdWithDecayFactorForm") ? factor : kept)
            .put(Long.parseLong(m.group(2)), Double.parseDouble(m.group(3)));
      }
    }
    Map<Long, Double> ratios = new LinkedHashMap<>();
    kept.forEach((size, time) -> ratios.put(size, factor.get(size) / time));
    return ratios;
  }

  private static String kernel(Path jmh) throws IOException {
    Map<Long, Double> ratios = kernelRatios(jmh);
    return BarChart.builder("kernel-ratio")
        .title("Decay-keeping SGD kernel against the factor form (JMH, quiet machine)")
        .yLabel("factor-form time / new kernel's time (higher: new is faster)")
        .xLabel("group size (float32 elements)")
        .categories(ratios.keySet().stream().map(BenchmarkCharts::size).toList())
        .series("ratio", ratios.values().stream().mapToDouble(Double::doubleValue).toArray())
        .reference(0.95, "target 0.95")
        .svg();
  }

  /** The decay-share table's header: lr, wd, five optimizers (server / torch), s.e. */
  private static final String DECAY_HEADER =
      "| lr | wd | SGD | Momentum | Nesterov | Adam | AdamW |";

  /**
   * The decay-share table of {@code page}: per (lr, wd) row, the server's and torch's share for
   * each optimizer, as written there.
   */
  static DecayShareTable decayShareTable(Path page) throws IOException {
    List<String> lines = Files.readAllLines(page, StandardCharsets.UTF_8);
    int header = -1;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).startsWith(DECAY_HEADER)) {
        header = i;
      }
    }
    if (header < 0) {
      throw new IOException(page + ": no table starting " + DECAY_HEADER);
    }
    List<String> optimizers =
        Arrays.stream(DECAY_HEADER.split("\\|")).map(String::trim).skip(3).toList();
    List<String> rows = new ArrayList<>();
    List<String[]> cells = new ArrayList<>();
    for (String line : lines.subList(header + 2, lines.size())) {
      if (!line.startsWith("|")) {
        break;
      }
      String[] f =
          Arrays.stream(line.split("\\|")).map(String::trim).skip(1).toArray(String[]::new);
      rows.add("lr " + f[0] + ", wd " + f[1]);
      String[] row = new String[2 * optimizers.size()];
      for (int o = 0; o < optimizers.size(); o++) {
        String[] pair = f[2 + o].split(" / ");
        row[2 * o] = pair[0];
        row[2 * o + 1] = pair[1];
      }
      cells.add(row);
    }
    return new DecayShareTable(optimizers, rows, cells.toArray(String[][]::new));
  }

  /** Rows of (lr, wd), and per optimizer a server column then a torch column. */
  record DecayShareTable(List<String> optimizers, List<String> rows, String[][] cells) {}

  private static String decayShare(Path page) throws IOException {
    DecayShareTable table = decayShareTable(page);
    List<String> columns = new ArrayList<>();
    for (int o = 0; o < table.optimizers().size(); o++) {
      columns.add("server");
      columns.add("torch");
    }
    return HeatMap.builder("decay-share")
        .title("Share of the weight decay kept in float32 (1: in full), server and torch")
        .yLabel("lr, wd")
        .xLabel("white: share 1; red: 0.05 or more away from 1")
        .columnGroups(table.optimizers())
        .grid(table.rows(), columns, table.cells())
        .shade(1, 0.05)
        .svg();
  }

  private static Cell cell(JsonNode cell) {
    return new Cell(cell.get("floats").asLong(), cell.get("workload").asText());
  }

  static double median(List<Double> values) {
    double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  private static double[] doubles(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).toArray();
  }

  /** 1024 -> 1K, 16777216 -> 16M. */
  private static String size(long floats) {
    return floats >= 1 << 20 ? (floats >> 20) + "M" : (floats >> 10) + "K";
  }
}
